"""``python manage.py seed_scale --cites 300 --years 5 --actions-per-year 60``: a
national-scale dataset for benchmarks (≈ 90 000 actions with their budgets, funding lines,
payments, bilans and meetings), written in bulk.

Deterministic: the same ``--seed`` gives the same rows. Rows are built one chunk of cités
at a time (bounded memory) and written with ``bulk_create`` in batches, one transaction
per chunk; a progress bar goes to stderr. History rows (django-simple-history) and the
workflow timelines (action transitions, funding line transitions) are not generated: they
do not feed any dashboard or list figure.

Each cité-year has a spring COPIL that programmed or rejected the proposals (some
deferred to the autumn COPIL), with its decisions recorded and validated and a
programming decision per programmed action; the funding lines carry those decisions'
money. The envelopes' cached totals are refreshed by
:func:`financements.services.refresh_envelope_totals`, chunk by chunk.

Bench accounts (password ``--password``): ``admin@scale.example.org`` (superuser), and
for cité n° i ``coordination.sc0001@scale.example.org``, ``partenaire.sc0001@…``; one
préfecture account per département ``prefecture.30@scale.example.org``.
"""

import datetime
import random
import sys
import time
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.departements import DEPARTEMENTS
from accounts.models import Membership, Role, User
from actions.models import (
    Action,
    ActionReport,
    AgeBand,
    BeneficiaryCount,
    BudgetLine,
    Call,
    Indicator,
    ReferenceCounter,
)
from cites.models import Cite, Commune, LocalAxis, Organisation, PriorityArea, School
from cites.validators import uai_check_letter
from core.formatting import format_euros
from financements.models import DECIDED_STATUSES, ZERO, Envelope, FundingLine, LineStatus, Payment, Programme
from financements.services import refresh_envelope_totals
from pilotage.models import AgendaItem, Meeting, ProgrammingDecision

S = Action.Status
PREFIX = "scale-"
EMAIL_DOMAIN = "scale.example.org"
BATCH = 2000
CHUNK = 10  # cités per transaction
# Metropolitan départements with a two-digit code (codes below stay valid and unique).
DEPTS = sorted(code for code in DEPARTEMENTS if len(code) == 2 and code.isdigit())
PAST_STATUSES = [
    (S.CLOSED, 45), (S.REPORTED, 15), (S.IN_PROGRESS, 5), (S.REJECTED, 20), (S.WITHDRAWN, 5),
    (S.PROGRAMMED, 5), (S.DRAFT, 5),
]  # fmt: skip
CURRENT_STATUSES = [
    (S.DRAFT, 5), (S.SUBMITTED, 10), (S.IN_REVIEW, 15), (S.CHANGES_REQUESTED, 5), (S.PROGRAMMED, 25),
    (S.IN_PROGRESS, 25), (S.REJECTED, 8), (S.WITHDRAWN, 2), (S.REPORTED, 5),
]  # fmt: skip
FUNDED = set(Action.RETAINED_STATUSES)
PAID = {S.IN_PROGRESS, S.REPORTED, S.CLOSED}
REPORTED = {S.REPORTED, S.CLOSED}
# A retained action's funding lines along their lifecycle: decided by the COPIL, committed
# by the legal act (the advance is paid), paid in full with the balance, justified by the
# validated bilan.
LINE_STATUS_OF = {
    S.PROGRAMMED: LineStatus.DECIDED,
    S.IN_PROGRESS: LineStatus.COMMITTED,
    S.REPORTED: LineStatus.PAID,
    S.CLOSED: LineStatus.JUSTIFIED,
}
BANDS = [value for value, _ in AgeBand.choices]
DECIDED_BY_COPIL = FUNDED | {S.REJECTED}
DEFERRED_SHARE = 0.1  # past years: decided proposals first deferred by the spring COPIL
REJECTION_REASONS = [
    "Action hors des axes prioritaires de la cité.", "Plan de financement insuffisamment détaillé.",
    "Action déjà financée par le droit commun.", "Public visé hors des quartiers prioritaires.",
]  # fmt: skip
DEFERRAL_REASONS = [
    "Ajournée : plan de financement à préciser avant le prochain COPIL.",
    "Ajournée : partenariat avec les établissements à confirmer.",
    "Ajournée : compléments demandés au porteur.",
]  # fmt: skip
THEMES = [
    "Coup de pouce lecture", "Parentalité et réussite", "Sciences en bas des tours", "Orientation et stages",
    "Théâtre au collège", "Sport et santé", "Numérique responsable", "Vacances apprenantes",
    "Accompagnement à la scolarité", "Éloquence", "Petite enfance et langage", "Ouverture culturelle",
]  # fmt: skip


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, stream, total, width=30):
        self.stream, self.total, self.width, self.done = stream, max(total, 1), width, 0
        self.started = time.monotonic()

    def step(self, n=1, label=""):
        self.done += n
        filled = int(self.width * self.done / self.total)
        elapsed = time.monotonic() - self.started
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {100 * self.done // self.total:3d} % "
            f"{self.done}/{self.total} cités – {elapsed:5.1f} s {label:<20}"
        )
        self.stream.flush()

    def finish(self):
        self.stream.write("\n")
        self.stream.flush()


@dataclass
class Decided:
    """Where and when the COPIL decided on one proposal (for the money that follows)."""

    meeting: Meeting
    on: datetime.date
    decision: str


def bulk(model, objects):
    return model.objects.bulk_create(objects, batch_size=BATCH)


def aware(date, hour=9):
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(hour)))


class Command(BaseCommand):
    help = "Génère un jeu de données à l'échelle nationale (cités, actions, financements, bilans, réunions)."

    def add_arguments(self, parser):
        parser.add_argument("--cites", type=int, default=300)
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--actions-per-year", type=int, default=60)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--last-year", type=int, default=None, help="Dernière année (par défaut : l'année en cours)."
        )
        parser.add_argument("--password", default="Bench-Scale-2026!")

    def handle(self, *args, **options):
        if Cite.objects.filter(slug__startswith=PREFIX).exists():
            raise CommandError("Un jeu « seed_scale » est déjà chargé : utilisez une base vide.")
        n_cites, n_years, per_year = options["cites"], options["years"], options["actions_per_year"]
        if n_cites < 1 or n_years < 1 or per_year < 0 or n_cites > 9999:
            raise CommandError("Valeurs invalides : 1 ≤ --cites ≤ 9999, --years ≥ 1, --actions-per-year ≥ 0.")
        self.rng = random.Random(options["seed"])
        self.now = timezone.now()
        last = options["last_year"] or timezone.localdate().year
        self.years = list(range(last - n_years + 1, last + 1))
        self.per_year = per_year
        self.password = make_password(options["password"])
        started = time.monotonic()

        with transaction.atomic():
            self.national = self._national_funders()
            self.admin = self._user("admin", "Administration nationale (jeu d'essai)", is_superuser=True, is_staff=True)
        stderr = getattr(self.stderr, "_out", sys.stderr)
        progress = Progress(stderr, n_cites)
        counts = {}
        self.dept_counter = {}
        self.prefectures = set()
        for first in range(0, n_cites, CHUNK):
            indices = range(first, min(first + CHUNK, n_cites))
            with transaction.atomic():
                for model, count in self._chunk(indices).items():
                    counts[model] = counts.get(model, 0) + count
            progress.step(len(indices))
        progress.finish()
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{model._meta.verbose_name_plural} : {count}" for model, count in counts.items())
        self.stdout.write(f"Jeu de données généré en {elapsed:.1f} s. {summary}.")

    # --- Shared rows ---------------------------------------------------------------------
    def _national_funders(self):
        funders = {}
        for key, name, kind in (
            ("anct", "ANCT – programme 147 (jeu d'essai)", Organisation.Kind.ETAT),
            ("men", "Éducation nationale – programme 230 (jeu d'essai)", Organisation.Kind.ETAT),
            ("caf", "CAF (jeu d'essai)", Organisation.Kind.ORGANISME_SOCIAL),
        ):
            funders[key], _ = Organisation.objects.get_or_create(name=name, defaults={"kind": kind, "is_funder": True})
        return funders

    def _user(self, local, full_name, **extra):
        return User.objects.create(
            email=f"{local}@{EMAIL_DOMAIN}", full_name=full_name, password=self.password, **extra
        )

    # --- One chunk of cités --------------------------------------------------------------
    def _chunk(self, indices):
        rng = self.rng
        counts = {}

        def add(model, objects):
            created = bulk(model, objects)
            counts[model] = counts.get(model, 0) + len(created)
            return created

        # Territory.
        cites, communes, qpvs, schools = [], [], [], []
        for i in indices:
            dept = DEPTS[rng.randrange(len(DEPTS))]
            k = self.dept_counter[dept] = self.dept_counter.get(dept, -1) + 1
            code = f"SC{i + 1:04d}"
            label_year = self.years[0] - rng.randrange(0, 3)
            cites.append(
                Cite(
                    name=f"Cité éducative {THEMES[i % len(THEMES)].split()[0]} n° {i + 1}",
                    slug=f"{PREFIX}{i + 1:04d}",
                    code=code,
                    departement=dept,
                    label_year=label_year,
                    label_start=datetime.date(label_year, 9, 1),
                    label_end=datetime.date(self.years[-1] + 2, 8, 31),
                )
            )
            communes.append(Commune(insee_code=f"{dept}{800 + k % 200:03d}", name=f"Commune {code}", departement=dept))
            qpvs.append(
                [
                    PriorityArea(code=f"QN0{dept}{(2 * k + j) % 100:02d}{'YZ'[j]}", name=f"Quartier {code}-{j + 1}")
                    for j in (0, 1)
                ]
            )
            schools.append(
                [
                    School(
                        uai=f"0{dept}{9000 + 4 * k + j:04d}" + uai_check_letter(f"0{dept}{9000 + 4 * k + j:04d}"),
                        name=f"{'Collège' if j == 0 else 'École'} {code}-{j + 1}",
                        kind=School.Kind.COLLEGE if j == 0 else School.Kind.ECOLE,
                        education_priority=School.Priority.REP_PLUS if j == 0 else School.Priority.REP,
                        pupils=rng.randrange(150, 700),
                        commune=None,
                    )
                    for j in range(4)
                ]
            )
        cites = add(Cite, cites)
        communes = add(Commune, communes)
        add(PriorityArea, [q for pair in qpvs for q in pair])
        for commune, group in zip(communes, schools, strict=True):
            for school in group:
                school.commune = commune
        add(School, [s for group in schools for s in group])
        Cite.communes.through.objects.bulk_create(
            [Cite.communes.through(cite=c, commune=m) for c, m in zip(cites, communes, strict=True)]
        )
        Cite.priority_areas.through.objects.bulk_create(
            [
                Cite.priority_areas.through(cite=c, priorityarea=q)
                for c, pair in zip(cites, qpvs, strict=True)
                for q in pair
            ]
        )
        Cite.schools.through.objects.bulk_create(
            [Cite.schools.through(cite=c, school=s) for c, group in zip(cites, schools, strict=True) for s in group]
        )

        # Organisations: one collectivité (funder) and eight associations per cité.
        organisations, per_cite_orgs = [], []
        for cite in cites:
            orgs = [
                Organisation(name=f"Agglomération {cite.code}", kind=Organisation.Kind.COLLECTIVITE, is_funder=True)
            ]
            orgs += [
                Organisation(
                    name=f"Association {THEMES[j % len(THEMES)]} {cite.code}", kind=Organisation.Kind.ASSOCIATION
                )
                for j in range(8)
            ]
            organisations += orgs
            per_cite_orgs.append(orgs)
        add(Organisation, organisations)
        through = Organisation.cites.through
        links = [through(organisation=o, cite=c) for c, orgs in zip(cites, per_cite_orgs, strict=True) for o in orgs]
        links += [through(organisation=f, cite=c) for c in cites for f in self.national.values()]
        through.objects.bulk_create(links, batch_size=BATCH)

        # Axes, accounts.
        axes = add(
            LocalAxis,
            [
                LocalAxis(cite=c, national_objective=o, code=f"A{o}", title=f"Axe {o} de {c.code}")
                for c in cites
                for o in (1, 2, 3)
            ],
        )
        axes_by_cite = {}
        for axis in axes:
            axes_by_cite.setdefault(axis.cite_id, []).append(axis)
        users, memberships, coordinator_of = [], [], {}
        for cite, orgs in zip(cites, per_cite_orgs, strict=True):
            local = cite.code.lower()
            coordinator = User(email=f"coordination.{local}@{EMAIL_DOMAIN}", full_name=f"Coordination {cite.code}")
            coordinator_of[cite.pk] = coordinator
            partner = User(email=f"partenaire.{local}@{EMAIL_DOMAIN}", full_name=f"Partenaire {cite.code}")
            users += [coordinator, partner]
            memberships += [
                Membership(user=coordinator, role=Role.COORDINATOR, cite=cite),
                Membership(user=partner, role=Role.PARTNER, organisation=orgs[1]),
            ]
            if cite.departement not in self.prefectures:
                self.prefectures.add(cite.departement)
                prefecture = User(
                    email=f"prefecture.{cite.departement}@{EMAIL_DOMAIN}", full_name=f"Préfecture {cite.departement}"
                )
                users.append(prefecture)
                memberships.append(Membership(user=prefecture, role=Role.PREFECTURE, departement=cite.departement))
        for user in users:
            user.password = self.password
        add(User, users)
        add(Membership, memberships)

        # Calls, actions, budgets, indicators.
        last = self.years[-1]
        calls, actions, counters = [], [], []
        for cite in cites:
            for year in self.years:
                if year == last:
                    opens, closes = self.now - datetime.timedelta(days=20), self.now + datetime.timedelta(days=10)
                else:
                    opens, closes = aware(datetime.date(year, 1, 15)), aware(datetime.date(year, 3, 15), 18)
                calls.append(
                    Call(
                        cite=cite,
                        year=year,
                        title=f"Appel à projets {year} – {cite.code}",
                        opens_at=opens,
                        closes_at=closes,
                    )
                )
        calls = add(Call, calls)
        call_of = {(call.cite_id, call.year): call for call in calls}
        plan = []  # (action, charges, anct, agglo, own)
        for cite, orgs in zip(cites, per_cite_orgs, strict=True):
            for year in self.years:
                weights = CURRENT_STATUSES if year == last else PAST_STATUSES
                statuses = rng.choices([s for s, _ in weights], [w for _, w in weights], k=self.per_year)
                for n, status in enumerate(statuses, start=1):
                    objective = rng.choice((1, 2, 3))
                    band_count = rng.choice((1, 1, 1, 2))
                    bands = sorted(rng.sample(BANDS[:6], band_count), key=BANDS.index)
                    girls, boys = rng.randrange(5, 60), rng.randrange(5, 60)
                    if year == last:
                        end = timezone.localdate() + datetime.timedelta(days=rng.randrange(-60, 200))
                    else:
                        end = datetime.date(year + 1, 6, 30)
                    action = Action(
                        cite=cite,
                        call=call_of[(cite.pk, year)],
                        year=year,
                        porteur=orgs[1 + rng.randrange(8)],
                        reference=None if status == S.DRAFT else f"{cite.code}-{year}-{n:03d}",
                        national_objective=objective,
                        local_axis=axes_by_cite[cite.pk][objective - 1],
                        title=f"{THEMES[rng.randrange(len(THEMES))]} {year} n° {n}",
                        need="Besoin identifié par le diagnostic de la cité.",
                        objectives="Objectifs de l'action.",
                        description="Ateliers et sorties.",
                        start_date=min(datetime.date(year, 9, 1), end - datetime.timedelta(days=30)),
                        end_date=end,
                        place="Collège du quartier",
                        age_bands=bands,
                        expected_participants=girls + boys,
                        expected_girls=girls,
                        expected_boys=boys,
                        contact_name="Contact du porteur",
                        contact_email="contact@example.org",
                        status=status,
                        submitted_at=None if status == S.DRAFT else aware(datetime.date(year, 3, 1)),
                    )
                    anct = Decimal(rng.randrange(20, 120) * 100)
                    agglo = Decimal(rng.randrange(5, 60) * 100)
                    own = Decimal(rng.randrange(0, 30) * 100)
                    plan.append((action, anct + agglo + own, anct, agglo, own))
                counters.append(ReferenceCounter(cite=cite, year=year, last_number=self.per_year))
        actions = add(Action, [p[0] for p in plan])
        add(ReferenceCounter, counters)

        qpv_by_cite = {c.pk: pair for c, pair in zip(cites, qpvs, strict=True)}
        schools_by_cite = {c.pk: group for c, group in zip(cites, schools, strict=True)}
        qpv_links, school_links, lines, indicators = [], [], [], []
        anct_org = self.national["anct"]
        agglo_of = {c.pk: orgs[0] for c, orgs in zip(cites, per_cite_orgs, strict=True)}
        for action, charges, anct, agglo, own in plan:
            qpv_links.append(
                Action.priority_areas.through(action=action, priorityarea=rng.choice(qpv_by_cite[action.cite_id]))
            )
            for school in rng.sample(schools_by_cite[action.cite_id], rng.choice((1, 2))):
                school_links.append(Action.schools.through(action=action, school=school))
            lines += [
                BudgetLine(
                    action=action,
                    side="charge",
                    account="64",
                    label="Rémunération des intervenants",
                    amount_planned=charges,
                ),
                BudgetLine(
                    action=action,
                    side="produit",
                    account="74",
                    label="Subvention ANCT",
                    funder=anct_org,
                    amount_planned=anct,
                ),
                BudgetLine(
                    action=action,
                    side="produit",
                    account="74",
                    label="Subvention de l'agglomération",
                    funder=agglo_of[action.cite_id],
                    amount_planned=agglo,
                ),
                BudgetLine(
                    action=action, side="produit", account="70", label="Participation des familles", amount_planned=own
                ),
            ]
            indicators.append(
                Indicator(
                    action=action,
                    label="Participants accompagnés",
                    target=Decimal(action.expected_participants),
                    unit="participants",
                )
            )
        Action.priority_areas.through.objects.bulk_create(qpv_links, batch_size=BATCH)
        Action.schools.through.objects.bulk_create(school_links, batch_size=BATCH)
        lines = add(BudgetLine, lines)
        add(Indicator, indicators)

        # COPIL meetings and their decisions: the funding lines below carry their money.
        decisions = self._meetings(cites, actions, plan, coordinator_of, agglo_of, add)

        # Envelopes sized on what is decided (80 to 95 % consumed), funding lines, payments.
        decided = {}
        for action, _charges, anct, agglo, _own in plan:
            if action.status in FUNDED:
                decided[(action.cite_id, action.year, "anct")] = (
                    decided.get((action.cite_id, action.year, "anct"), 0) + anct
                )
                decided[(action.cite_id, action.year, "agglo")] = (
                    decided.get((action.cite_id, action.year, "agglo"), 0) + agglo
                )
        envelopes = []
        for cite in cites:
            for year in self.years:
                for key, funder, programme in (
                    ("anct", anct_org, Programme.P147),
                    ("agglo", agglo_of[cite.pk], Programme.COLLECTIVITE),
                ):
                    used = decided.get((cite.pk, year, key), Decimal(0))
                    amount = (used * Decimal(100) / Decimal(rng.randrange(80, 96))).quantize(Decimal("1")) + 1000
                    envelopes.append(Envelope(cite=cite, funder=funder, programme=programme, year=year, amount=amount))
                envelopes.append(
                    Envelope(
                        cite=cite,
                        funder=self.national["men"],
                        programme=Programme.P230,
                        year=year,
                        amount=Decimal(15000),
                    )
                )
        envelopes = add(Envelope, envelopes)
        envelope_of = {(e.cite_id, e.year, e.funder_id): e for e in envelopes}
        funding = []
        for index, (action, _charges, _anct, _agglo, _own) in enumerate(plan):
            if action.status == S.DRAFT:
                continue
            decision = decisions.get(action.pk)
            for budget_line in lines[4 * index + 1 : 4 * index + 3]:
                status, decided_amount, comment = LineStatus.REQUESTED, None, ""
                if action.status in FUNDED:
                    status = LINE_STATUS_OF[action.status]
                    decided_amount = budget_line.amount_planned
                elif action.status == S.REJECTED:
                    status, decided_amount = LineStatus.REJECTED, ZERO  # as the COPIL's refusal records it
                elif action.status == S.WITHDRAWN:
                    status = LineStatus.CANCELLED
                if decision is not None and status != LineStatus.REQUESTED:
                    comment = f"Décision du {decision.meeting.title} du {decision.on:%d/%m/%Y}."
                amount = budget_line.amount_planned
                funding.append(
                    FundingLine(
                        action=action,
                        funder_id=budget_line.funder_id,
                        envelope=envelope_of[(action.cite_id, action.year, budget_line.funder_id)],
                        budget_line=budget_line,
                        requested_amount=amount,
                        proposed_amount=amount if action.status in FUNDED else None,
                        decided_amount=decided_amount,
                        status=status,
                        legal_act_type=FundingLine.LegalActType.ARRETE if status in DECIDED_STATUSES else "",
                        comment=comment,
                    )
                )
        funding = add(FundingLine, funding)
        payments = []
        status_of = {action.pk: action.status for action in actions}
        today = timezone.localdate()
        for line in funding:
            action_status = status_of[line.action_id]
            if action_status not in PAID:
                continue
            # The advance follows the decision; nothing is paid in the future.
            advance_on = min(decisions[line.action_id].on + datetime.timedelta(days=30), today)
            advance = (line.decided_amount / 2).quantize(Decimal("0.01"))
            payments.append(Payment(line=line, kind=Payment.Kind.ADVANCE, amount=advance, date=advance_on))
            if action_status in REPORTED:
                payments.append(
                    Payment(
                        line=line,
                        kind=Payment.Kind.BALANCE,
                        amount=line.decided_amount - advance,
                        date=max(advance_on, min(datetime.date(line.envelope.year + 1, 9, 1), today)),
                    )
                )
        add(Payment, [p for p in payments if p.amount > 0])
        # The envelopes' cached totals, which the bulk inserts bypass: refreshed by the
        # one function that maintains them, for this chunk's envelopes only.
        refresh_envelope_totals([envelope.pk for envelope in envelopes])

        # Bilans of the reported and closed actions.
        reports, counts_rows = [], []
        for action in actions:
            if action.status in REPORTED:
                reports.append(
                    ActionReport(
                        action=action,
                        carried_out="Séances réalisées.",
                        results="Résultats observés.",
                        submitted_at=aware(action.end_date + datetime.timedelta(days=30)),
                    )
                )
        reports = add(ActionReport, reports)
        for report in reports:
            for band in report.action.age_bands:
                girls = rng.randrange(0, 40)
                boys = rng.randrange(0, 40)
                counts_rows.append(
                    BeneficiaryCount(
                        report=report, age_band=band, girls=girls, boys=boys, living_in_qpv=(girls + boys) * 3 // 4
                    )
                )
        add(BeneficiaryCount, counts_rows)

        return counts

    # --- Meetings and COPIL decisions ----------------------------------------------------
    def _meetings(self, cites, actions, plan, coordinator_of, agglo_of, add):
        """Per cité and year: a comité technique, a spring COPIL that programmes or rejects
        the proposals (some deferred to the autumn COPIL in past years), and an autumn
        COPIL — ahead of us in the current year, with the proposals under instruction on
        its agenda, undecided. Returns ``{action id: Decided}`` for the decided ones."""
        rng, now, last = self.rng, self.now, self.years[-1]
        meetings, slots = [], {}
        for cite in cites:
            for year in self.years:
                spring = aware(datetime.date(year, 4, 10), 14)
                autumn = aware(datetime.date(year, 11, 20), 14)
                if year == last:  # decisions of the current year are in the past, the next COPIL ahead
                    spring = max(min(spring, now - datetime.timedelta(days=5)), aware(datetime.date(year, 1, 2), 14))
                    autumn = now + datetime.timedelta(days=15)
                slots[(cite.pk, year)] = (
                    Meeting(
                        cite=cite,
                        kind=Meeting.Kind.COPIL,
                        title=f"COPIL de programmation {year}",
                        starts_at=spring,
                        place="Mairie",
                        chair="Préfet délégué et maire",
                    ),
                    Meeting(
                        cite=cite,
                        kind=Meeting.Kind.COPIL,
                        title=f"COPIL bilan {year}",
                        starts_at=autumn,
                        place="Préfecture",
                    ),
                )
                meetings += [
                    *slots[(cite.pk, year)],
                    Meeting(
                        cite=cite,
                        kind=Meeting.Kind.TECHNICAL,
                        title=f"Comité technique {year}",
                        starts_at=aware(datetime.date(year, 3, 20), 10),
                    ),
                ]
        add(Meeting, meetings)

        items, decided, tally, programming = [], {}, {}, []

        def put(meeting, action, decision, comment=""):
            counts = tally.setdefault(meeting, {})
            counts[decision] = counts.get(decision, 0) + 1
            order = sum(counts.values())
            items.append(
                AgendaItem(
                    meeting=meeting,
                    action=action,
                    title=str(action)[:250],
                    order=order,
                    decision=decision,
                    decision_comment=comment,
                )
            )

        D = AgendaItem.Decision
        for action, _charges, anct, agglo, _own in plan:
            spring, autumn = slots[(action.cite_id, action.year)]
            if action.status in DECIDED_BY_COPIL:
                meeting = spring
                if action.year != last and rng.random() < DEFERRED_SHARE:
                    put(spring, action, D.DEFERRED, rng.choice(DEFERRAL_REASONS))
                    meeting = autumn
                if action.status == S.REJECTED:
                    decision, comment = D.REJECTED, f"Non retenue : {rng.choice(REJECTION_REASONS)}"
                else:
                    decision = D.PROGRAMMED
                    comment = (
                        f"Programmée : {format_euros(anct + agglo)} décidés (ANCT {format_euros(anct)}, "
                        f"{agglo_of[action.cite_id].name} {format_euros(agglo)})."
                    )
                put(meeting, action, decision, comment)
                decided[action.pk] = Decided(meeting, timezone.localtime(meeting.starts_at).date(), decision)
                if decision == D.PROGRAMMED:
                    programming.append(
                        ProgrammingDecision(
                            action=action,
                            meeting=meeting,
                            decided_on=decided[action.pk].on,
                            recorded_by=coordinator_of[action.cite_id],
                        )
                    )
            elif action.status == S.CHANGES_REQUESTED:
                put(spring, action, D.DEFERRED, DEFERRAL_REASONS[-1])
            elif action.status == S.IN_REVIEW:
                if rng.random() < 0.3:
                    put(spring, action, D.DEFERRED, rng.choice(DEFERRAL_REASONS[:2]))
                if autumn.starts_at > now:
                    put(autumn, action, D.PENDING)
        add(AgendaItem, items)
        add(ProgrammingDecision, programming)

        # Minutes and the record of who entered the decisions, on the meetings that decided.
        labels = {D.PROGRAMMED: "programmée(s)", D.REJECTED: "non retenue(s)", D.DEFERRED: "ajournée(s)"}
        held = []
        for meeting, counts in tally.items():
            if meeting.starts_at > now:
                continue
            meeting.minutes = "Décisions : " + ", ".join(
                f"{counts[key]} {label}" for key, label in labels.items() if counts.get(key)
            )
            meeting.decisions_recorded_at = min(meeting.starts_at + datetime.timedelta(hours=3), now)
            meeting.decisions_recorded_by = coordinator_of[meeting.cite_id]
            # Validated (and the porteurs notified) the next morning, once the meeting was held.
            meeting.decisions_validated_at = min(meeting.starts_at + datetime.timedelta(hours=19), now)
            meeting.decisions_validated_by = meeting.decisions_recorded_by
            held.append(meeting)
        Meeting.objects.bulk_update(
            held,
            [
                "minutes",
                "decisions_recorded_at",
                "decisions_recorded_by",
                "decisions_validated_at",
                "decisions_validated_by",
            ],
            batch_size=BATCH,
        )
        return decided
