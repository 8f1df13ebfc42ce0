"""The pilotage steps of ``load_demo``: the demo cités' COPILs with their decisions, and
one generated report of each kind.

- Alès Agglomération: the 2026 programming COPIL, held, which decided the proposals of
  the 2026 call (programmed with the amounts asked, or rejected), the decisions recorded
  and validated (the porteurs were notified), and minutes; the 2027 COPIL, upcoming,
  with the proposals under instruction on its agenda.
- Valenton: the 2024 programming COPIL, held, which decided the 2024 call.
- Alençon – Perseigne: the 2024 COPIL with its 61 participants (institutions,
  associations, residents) and evaluation workshops, as in the seeds, which decided the
  2024 call.

The agenda, the decisions and their validation go through :mod:`pilotage.services`
(``add_to_agenda``, ``record_decisions`` and ``validate_decisions``, dated ``at=`` the
end of the meeting and the next morning): the actions move through their state machine,
the money decided is checked against the envelopes, the programming decisions are those
the service records. Run between the two action steps (demo/actions.py): the proposals
are under instruction when their COPIL decides.

Idempotent like the rest of the loader (natural keys: cité + title for a meeting, meeting
+ name for a participant; decisions recorded once). Reports are generated synchronously
by calling the task function (no broker), once: a done report of the same kind and
subject is kept.
"""

import datetime

from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import User
from actions.models import SUBSIDY_ACCOUNT, Action
from demo import cites as loader
from demo.data import actions as action_data
from pilotage import services
from pilotage.models import AgendaItem, Attendee, Meeting, ProgrammingDecision, Report
from pilotage.tasks import generate_report

S = Action.Status
ALES_MINUTES = (
    "Le comité de pilotage, coprésidé par le préfet du Gard, le président d'Alès Agglomération et la "
    "directrice académique, a examiné les propositions de l'appel à projets 2026.\n"
    "Les actions retenues sont programmées avec les montants indiqués ; les porteurs des propositions "
    "non retenues recevront un courrier motivé.\n"
    "Le prochain comité se réunira en mars 2027 pour la programmation suivante."
)
VALENTON_MINUTES = (
    "Le comité de pilotage a examiné les propositions de l'appel à projets 2024, dernière année du label. "
    "Les actions retenues sont programmées avec les montants demandés au titre du programme 147."
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


ALES_CHAIR = "Le préfet du Gard, le président d'Alès Agglomération et la rectrice"
ALES_PLACE = "Hôtel de ville d'Alès, salle du conseil"
# One COPIL per demo call: it decides the proposals of the call (``call``) when held.
MEETINGS = [
    {"call": "ales-2026", "starts_at": _at(2026, 3, 17, 14, 30), "place": ALES_PLACE, "chair": ALES_CHAIR,
     "minutes": ALES_MINUTES, "attendees": ALES_ATTENDEES},
    {"call": "ales-2027", "starts_at": _at(2027, 3, 16, 14, 30), "place": ALES_PLACE, "chair": ALES_CHAIR,
     "minutes": "", "attendees": [(n, o, c, "present") for n, o, c, _ in ALES_ATTENDEES]},
    {"call": "valenton-2024", "starts_at": _at(2024, 2, 6, 14, 30), "place": "Hôtel de ville de Valenton",
     "chair": "Le préfet du Val-de-Marne et le maire de Valenton", "minutes": VALENTON_MINUTES, "attendees": []},
    {"call": "alencon-2024", "starts_at": _at(2024, 6, 20, 9, 30), "place": "Centre social de Perseigne, Alençon",
     "chair": "Le préfet de l'Orne et le président de la Communauté urbaine d'Alençon", "minutes": ALENCON_MINUTES,
     "attendees": "alencon"},
]  # fmt: skip


def _decision(item, specs):
    """What the COPIL decides for an agenda item: the demo action's path says it."""
    spec = specs[item.action.title]
    path = action_data.PATHS[spec["status"]]
    if "programme" in path:
        amounts = {line.pk: line.amount_planned for line in item.action.budget_lines.filter(account=SUBSIDY_ACCOUNT)}
        comment = spec.get("comments", {}).get("programme", action_data.SCHEDULE[spec["call"]]["copil"])
        return services.Decision(item, AgendaItem.Decision.PROGRAMMED, comment, amounts)
    if "reject" in path:
        comment = spec.get("comments", {}).get("reject", action_data.SCHEDULE[spec["call"]]["copil"])
        return services.Decision(item, AgendaItem.Decision.REJECTED, comment)
    return services.Decision(item, AgendaItem.Decision.PENDING)


def _decide(tally, meeting, call_key, by):
    """Record (at the end of the meeting) and validate (the next morning) the decisions of
    a held COPIL, once, through the pilotage services."""
    if not meeting.is_held:
        return
    if meeting.decisions_recorded_at is None:
        specs = {spec["title"]: spec for spec in action_data.ACTIONS if spec["call"] == call_key}
        items = meeting.agenda_items.exclude(action=None).select_related("action").order_by("order", "id")
        decisions = [_decision(item, specs) for item in items]
        try:
            services.record_decisions(meeting, decisions, by=by, at=action_data.SCHEDULE[call_key]["programme"])
        except services.DecisionError as error:
            details = " ".join([error.message, *error.problems])
            raise CommandError(f"Décisions de démonstration invalides ({meeting}) : {details}") from None
        for decision in decisions:
            if decision.decision == AgendaItem.Decision.PROGRAMMED:
                tally.record(ProgrammingDecision, "created")
        meeting.refresh_from_db()
    if meeting.decisions_validated_at is None:
        services.validate_decisions(meeting, by=by, at=meeting.starts_at + datetime.timedelta(hours=18))


def load_meetings(tally):
    """The COPILs of the demo calls: the proposals under instruction on their agenda, the
    decisions of those held, their participants."""
    for spec in MEETINGS:
        call = action_data.CALLS[spec["call"]]
        cite = loader.cite(call["cite"])
        meeting = loader.upsert(
            tally,
            Meeting,
            {"cite": cite, "title": action_data.SCHEDULE[spec["call"]]["meeting"]},
            kind=Meeting.Kind.COPIL,
            starts_at=spec["starts_at"],
            place=spec["place"],
            chair=spec["chair"],
            minutes=spec["minutes"],
        )
        coordinator = User.objects.get(email=action_data.COORDINATORS[call["cite"]])
        proposals = Action.objects.filter(cite=cite, year=call["year"], status=S.IN_REVIEW).order_by("reference", "id")
        for _ in services.add_to_agenda(meeting, proposals, by=coordinator):
            tally.record(AgendaItem, "created")
        _decide(tally, meeting, spec["call"], coordinator)
        _attendees(tally, meeting, _alencon_rows() if spec["attendees"] == "alencon" else spec["attendees"])


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


def load_reports(tally):
    """One generated report of each kind, for Alès."""
    ales = loader.cite(action_data.ALES)
    coordinator = User.objects.get(email=action_data.COORDINATORS[action_data.ALES])
    held = Meeting.objects.get(cite=ales, title=action_data.SCHEDULE["ales-2026"]["meeting"])
    upcoming = Meeting.objects.get(cite=ales, title=action_data.SCHEDULE["ales-2027"]["meeting"])
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
