"""The ``load_pilotage`` step of ``load_demo``: meetings of the demo cités and one
generated report of each kind.

- Alès Agglomération: the 2026 programming COPIL, held, with its decisions (the statuses
  the demo actions reached, one programming decision per programmed action), applied and
  validated (the porteurs were notified), and minutes; the 2027 COPIL, upcoming, with the proposals under
  instruction on its agenda.
- Alençon – Perseigne: the 2024 COPIL with its 61 participants (institutions,
  associations, residents) and evaluation workshops, as in the seeds.

Idempotent like the rest of the loader (natural keys: cité + title for a meeting, meeting
+ title for an agenda item, meeting + name for a participant). Reports are generated
synchronously by calling the task function (no broker), once: a done report of the same
kind and subject is kept.
"""

import datetime

from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import User
from actions.models import Action
from demo import cites as loader
from pilotage.models import AgendaItem, Attendee, Meeting, ProgrammingDecision, Report
from pilotage.tasks import generate_report

S = Action.Status
DECISION_OF_STATUS = {
    S.PROGRAMMED: AgendaItem.Decision.PROGRAMMED,
    S.IN_PROGRESS: AgendaItem.Decision.PROGRAMMED,
    S.REPORTED: AgendaItem.Decision.PROGRAMMED,
    S.CLOSED: AgendaItem.Decision.PROGRAMMED,
    S.REJECTED: AgendaItem.Decision.REJECTED,
}
ALES_MINUTES = (
    "Le comité de pilotage, coprésidé par le préfet du Gard, le président d'Alès Agglomération et la "
    "directrice académique, a examiné les propositions de l'appel à projets 2026.\n"
    "Les actions retenues sont programmées avec les montants indiqués ; les porteurs des propositions "
    "non retenues recevront un courrier motivé.\n"
    "Le prochain comité se réunira en mars 2027 pour la programmation suivante."
)
ALENCON_MINUTES = (
    "Soixante et une personnes ont participé au comité : institutions, associations et habitants du "
    "quartier de Perseigne. Après la présentation du bilan chiffré 2023, trois ateliers d'évaluation "
    "(réussite éducative, parentalité, ouverture culturelle) ont préparé les orientations 2024."
)
# Alençon participants: 26 institutions, 22 associations, 13 residents = 61 (fictional names).
FIRST_NAMES = [
    "Anne", "Bruno", "Chantal", "David", "Élodie", "Fabrice", "Gaëlle", "Hugo", "Inès", "Jérôme", "Karima",
    "Louis", "Manon", "Nicolas", "Océane", "Patrick", "Rachida", "Samuel", "Théo", "Valérie", "Yasmine",
]  # fmt: skip
LAST_NAMES = ["Bernard", "Colin", "Dupuis", "Fontaine", "Garnier", "Henry", "Lemoine", "Marchal", "Perrin", "Roussel"]
ALENCON_ORGANISATIONS = {
    Attendee.Category.INSTITUTION: [
        "Préfecture de l'Orne", "DSDEN de l'Orne", "Ville d'Alençon", "Communauté urbaine d'Alençon",
        "Collège Louise Michel", "Caisse d'allocations familiales de l'Orne", "Conseil départemental de l'Orne",
    ],
    Attendee.Category.ASSOCIATION: [
        "Association Perseigne Ensemble", "Compagnie Point d'Alençon", "Centre social de Perseigne",
        "Club sportif de Perseigne",
    ],
    Attendee.Category.RESIDENT: ["Conseil citoyen de Perseigne"],
}  # fmt: skip
ALENCON_COUNTS = {Attendee.Category.INSTITUTION: 26, Attendee.Category.ASSOCIATION: 22, Attendee.Category.RESIDENT: 13}
ALES_ATTENDEES = [
    ("Laurent Vidal", "Préfecture du Gard", Attendee.Category.INSTITUTION, Attendee.Presence.PRESENT),
    ("Hélène Marchetti", "Préfecture du Gard – déléguée du préfet", Attendee.Category.INSTITUTION, "present"),
    ("Bernard Castanier", "Alès Agglomération", Attendee.Category.INSTITUTION, "present"),
    ("Françoise Aubanel", "Rectorat de Montpellier", Attendee.Category.INSTITUTION, "excused"),
    ("Camille Ferrand", "Cité éducative d'Alès Agglomération", Attendee.Category.INSTITUTION, "present"),
    ("Principal du collège Jean Moulin", "Collège Jean Moulin", Attendee.Category.INSTITUTION, "present"),
    ("Sofia Benali", "Association Alès Réussite Éducative", Attendee.Category.ASSOCIATION, "present"),
    ("Directeur du centre social", "Centre social des Cévennes", Attendee.Category.ASSOCIATION, "present"),
    ("Représentante du conseil citoyen", "Conseil citoyen des Prés-Saint-Jean", Attendee.Category.RESIDENT, "present"),
]


def _at(year, month, day, hour, minute=0):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def _meeting(tally, cite, title, **values):
    return loader.upsert(tally, Meeting, {"cite": cite, "title": title}, **values)


def _agenda(tally, meeting, actions, decided_by=None):
    """The agenda; with ``decided_by``, the decisions of a held meeting (applied and
    validated), with one programming decision per programmed action."""
    upsert = loader.upsert
    for order, action in enumerate(actions, start=1):
        values = {"action": action, "order": order}
        if decided_by:
            values["decision"] = DECISION_OF_STATUS.get(action.status, AgendaItem.Decision.PENDING)
            values["decision_comment"] = "" if action.status != S.REJECTED else "Hors des priorités de l'appel."
        upsert(tally, AgendaItem, {"meeting": meeting, "title": str(action)[:250]}, **values)
        if decided_by and values["decision"] == AgendaItem.Decision.PROGRAMMED:
            upsert(
                tally,
                ProgrammingDecision,
                {"action": action, "meeting": meeting},
                decided_on=timezone.localdate(meeting.starts_at),
                recorded_by=decided_by,
            )
    if decided_by and (meeting.decisions_recorded_at is None or meeting.decisions_validated_at is None):
        # Recorded at the meeting, validated (porteurs notified) the next morning.
        Meeting.objects.filter(pk=meeting.pk).update(
            decisions_recorded_at=meeting.decisions_recorded_at or meeting.starts_at,
            decisions_recorded_by=meeting.decisions_recorded_by or decided_by,
            decisions_validated_at=meeting.starts_at + datetime.timedelta(hours=18),
            decisions_validated_by=decided_by,
        )


def _attendees(tally, meeting, rows):
    upsert = loader.upsert
    for name, organisation_name, category, presence in rows:
        upsert(
            tally,
            Attendee,
            {"meeting": meeting, "name": name},
            organisation_name=organisation_name,
            category=category,
            presence=presence,
        )


def _alencon_rows():
    rows, n = [], 0
    for category, count in ALENCON_COUNTS.items():
        organisations = ALENCON_ORGANISATIONS[category]
        for i in range(count):
            name = f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[(n // len(FIRST_NAMES) + n) % len(LAST_NAMES)]}"
            rows.append((f"{name} ({n + 1})", organisations[i % len(organisations)], category, "present"))
            n += 1
    return rows


def _report(tally, kind, cite, year, by, meeting=None, action=None):
    """One done report of this kind and subject; generated now (synchronously) if missing."""
    existing = Report.objects.filter(
        kind=kind, cite=cite, year=year, meeting=meeting, action=action, status=Report.Status.DONE
    ).first()
    if existing is not None:
        tally.record(Report, "unchanged")
        return existing
    report = Report.objects.create(kind=kind, cite=cite, year=year, meeting=meeting, action=action, requested_by=by)
    generate_report(report.pk)  # the task function itself, not the broker
    report.refresh_from_db()
    if report.status != Report.Status.DONE:
        raise CommandError(f"Rapport de démonstration en échec ({report}) : {report.error}")
    tally.record(Report, "created")
    return report


def load_pilotage(tally):
    ales, alencon = loader.cite("ales-agglomeration"), loader.cite("alencon-perseigne")
    coordinator = User.objects.get(email="coordination.ales@example.org")

    held = _meeting(
        tally,
        ales,
        "COPIL de programmation 2026",
        kind=Meeting.Kind.COPIL,
        starts_at=_at(2026, 3, 17, 14, 30),
        place="Hôtel de ville d'Alès, salle du conseil",
        chair="Le préfet du Gard, le président d'Alès Agglomération et la rectrice",
        minutes=ALES_MINUTES,
    )
    decided = Action.objects.filter(cite=ales, year=2026, status__in=DECISION_OF_STATUS).order_by("reference", "id")
    _agenda(tally, held, decided, decided_by=coordinator)
    _attendees(tally, held, ALES_ATTENDEES)

    upcoming = _meeting(
        tally,
        ales,
        "COPIL de programmation 2027",
        kind=Meeting.Kind.COPIL,
        starts_at=_at(2027, 3, 16, 14, 30),
        place="Hôtel de ville d'Alès, salle du conseil",
        chair="Le préfet du Gard, le président d'Alès Agglomération et la rectrice",
        minutes="",
    )
    under_review = Action.objects.filter(cite=ales, year=2027, status=S.IN_REVIEW).order_by("reference", "id")
    _agenda(tally, upcoming, under_review)
    _attendees(tally, upcoming, [(n, o, c, "present") for n, o, c, _ in ALES_ATTENDEES])

    alencon_copil = _meeting(
        tally,
        alencon,
        "COPIL annuel 2024 et ateliers d'évaluation",
        kind=Meeting.Kind.COPIL,
        starts_at=_at(2024, 6, 20, 9, 30),
        place="Centre social de Perseigne, Alençon",
        chair="Le préfet de l'Orne et le président de la Communauté urbaine d'Alençon",
        minutes=ALENCON_MINUTES,
    )
    _agenda(
        tally,
        alencon_copil,
        Action.objects.filter(cite=alencon, year=2024, status__in=DECISION_OF_STATUS).order_by("reference", "id"),
        decided_by=User.objects.get(email="coordination.alencon@example.org"),
    )
    _attendees(tally, alencon_copil, _alencon_rows())

    sheet_action = (
        Action.objects.filter(cite=ales, year=2026, porteur__name="Association Alès Réussite Éducative")
        .exclude(status=S.DRAFT)
        .order_by("reference")
        .first()
    )
    if sheet_action is not None:
        _report(tally, Report.Kind.ACTION_SHEET, ales, 2026, coordinator, action=sheet_action)
    _report(tally, Report.Kind.EVALUATION, ales, 2026, coordinator)
    _report(tally, Report.Kind.FINANCIAL_STATEMENT, ales, 2026, coordinator)
    _report(tally, Report.Kind.COPIL_MINUTES, ales, 2026, coordinator, meeting=held)
    _report(tally, Report.Kind.COPIL_DOSSIER, ales, 2027, coordinator, meeting=upcoming)
