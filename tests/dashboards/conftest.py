"""Data for the dashboard tests: ``populate(side, n)`` builds ``n`` actions of a cité of
the role world with every kind of row the dashboards count (statuses, objectives, age
bands, QPVs, schools, envelopes, decided and requested funding lines, payments, transmitted
and unsent bilans, meetings, reports), directly with the ORM — then the envelopes'
maintained totals are recomputed, as after any bulk load that bypasses the services."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from actions.models import Action, BeneficiaryCount, Bilan, BudgetLine, Call, Transition
from cites.models import Organisation
from financements.models import Envelope, FundingLine, LineStatus, Payment, Programme
from financements.services import refresh_envelope_totals
from pilotage.models import Meeting, Report
from tests.factories import OrganisationFactory, PriorityAreaFactory, SchoolFactory

S = Action.Status
YEAR = timezone.localdate().year
STATUSES = [
    S.SUBMITTED, S.IN_REVIEW, S.PROGRAMMED, S.IN_PROGRESS, S.REPORTED,
    S.CLOSED, S.REJECTED, S.CHANGES_REQUESTED, S.IN_PROGRESS, S.DRAFT,
]  # fmt: skip
AGE_BANDS = [["11-15"], ["6-10", "11-15"], [], ["parents"], ["3-5"]]
FUNDED = (S.PROGRAMMED, S.IN_PROGRESS, S.REPORTED, S.CLOSED)


def _funders(cite):
    anct, _ = Organisation.objects.get_or_create(
        name="ANCT – programme 147", defaults={"kind": Organisation.Kind.ETAT, "is_funder": True}
    )
    agglo, _ = Organisation.objects.get_or_create(
        name=f"Agglomération de {cite.name}", defaults={"kind": Organisation.Kind.COLLECTIVITE, "is_funder": True}
    )
    caf, _ = Organisation.objects.get_or_create(
        name="CAF", defaults={"kind": Organisation.Kind.ORGANISME_SOCIAL, "is_funder": True}
    )
    return anct, agglo, caf


@pytest.fixture
def populate(world):
    counters = itertools.count(1)

    def _populate(side="a", n=5, year=YEAR):
        cite_world = getattr(world, side)
        cite = cite_world.cite
        anct, agglo, caf = _funders(cite)
        env_anct, _ = Envelope.objects.get_or_create(
            cite=cite, funder=anct, programme=Programme.P147, year=year, defaults={"amount": Decimal("175000.00")}
        )
        Envelope.objects.get_or_create(
            cite=cite, funder=agglo, programme=Programme.COLLECTIVITE, year=year, defaults={"amount": Decimal("80000")}
        )
        now = timezone.now()
        call, _ = Call.objects.get_or_create(
            cite=cite,
            year=year,
            title=f"Appel {year} {cite.code}",
            defaults={"opens_at": now - datetime.timedelta(days=30), "closes_at": now + datetime.timedelta(days=10)},
        )
        qpvs = [PriorityAreaFactory() for _ in range(2)]
        schools = [SchoolFactory() for _ in range(2)]
        actions = []
        for _ in range(n):
            i = next(counters)
            status = STATUSES[i % len(STATUSES)]
            days = -(1 + i % 4 * 200) if i % 2 else 30
            end = timezone.localdate() + datetime.timedelta(days=days)
            action = Action.objects.create(
                cite=cite,
                call=call,
                year=year,
                porteur=cite_world.organisation if i % 3 else OrganisationFactory(cites=[cite]),
                reference=f"{cite.code}-{year}-{i:04d}",
                title=f"Action {i}",
                status=status,
                national_objective=(i % 4) or None,
                age_bands=AGE_BANDS[i % len(AGE_BANDS)],
                expected_participants=10 + i,
                expected_girls=i,
                expected_boys=10,
                start_date=end - datetime.timedelta(days=60),
                end_date=end,
            )
            BudgetLine.objects.create(
                action=action, side="charge", account="64", label="Animation", amount_planned=Decimal("5000")
            )
            BudgetLine.objects.create(
                action=action, side="produit", account="74", label="ANCT", funder=anct, amount_planned=Decimal("5000")
            )
            if status in FUNDED:
                action.priority_areas.add(qpvs[i % 2])
                action.schools.add(*schools[: 1 + i % 2])
                line = FundingLine.objects.create(
                    action=action,
                    funder=anct,
                    envelope=env_anct,
                    requested_amount=Decimal("5000"),
                    decided_amount=Decimal(1000 + 37 * i) + Decimal("0.50"),
                    status=LineStatus.COMMITTED if i % 2 else LineStatus.DECIDED,
                )
                outside = FundingLine.objects.create(  # a line outside any envelope
                    action=action,
                    funder=caf,
                    requested_amount=Decimal("300"),
                    decided_amount=Decimal("250.25"),
                    status=LineStatus.DECIDED,
                )
                FundingLine.objects.create(action=action, funder=agglo, requested_amount=Decimal("700"))
                if status != S.PROGRAMMED:
                    Payment.objects.create(
                        line=line, kind="advance", amount=Decimal(500 + i), date=datetime.date(year, 3, 1)
                    )
                    Payment.objects.create(
                        line=outside, kind="advance", amount=Decimal("100.10"), date=datetime.date(year, 4, 1)
                    )
            if status in (S.REPORTED, S.CLOSED, S.IN_PROGRESS):
                bilan = Bilan.objects.create(
                    action=action,
                    carried_out="Fait.",
                    results="Résultats.",
                    submitted_at=now if status != S.IN_PROGRESS else None,
                )
                BeneficiaryCount.objects.create(bilan=bilan, age_band="11-15", girls=3 + i, boys=4, living_in_qpv=2)
                BeneficiaryCount.objects.create(bilan=bilan, age_band="parents", girls=2, boys=1 + i, living_in_qpv=1)
            if status == S.IN_REVIEW and i % 2:
                Transition.objects.create(action=action, from_status=S.CHANGES_REQUESTED, to_status=S.IN_REVIEW)
            actions.append(action)
        Meeting.objects.create(
            cite=cite, title=f"COPIL passé {next(counters)}", starts_at=now - datetime.timedelta(days=20)
        )
        Meeting.objects.create(
            cite=cite, title=f"COPIL à venir {next(counters)}", starts_at=now + datetime.timedelta(days=20)
        )
        Report.objects.create(kind=Report.Kind.EVALUATION, cite=cite, year=year, status=Report.Status.DONE)
        Report.objects.create(kind=Report.Kind.EVALUATION, cite=cite, year=year, status=Report.Status.FAILED)
        refresh_envelope_totals()
        return actions

    return _populate
