"""Random sequences of decisions, legal acts, payments, status changes, recoveries and
bilans: after every step the money invariants hold, and every surface built on the ledger
(overview, dashboard, préfecture row, financial statement, evaluation report, export)
shows what an auditor adds up from the rows."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.models import AgeBand, BeneficiaryCount, Bilan
from cites.models import Cite, Organisation
from financements import exports, services
from financements.models import Envelope, FundingLine, Payment, Programme
from financements.overview import cite_overview
from pilotage import stats
from pilotage.models import Report
from pilotage.reports import evaluation_context, financial_statement_context

from .factories import EnvelopeFactory, funder, make_action

D = Decimal
ZERO = D("0.00")
YEAR = 2026
DECIDED = {"decided", "committed", "paid", "justified", "to_recover", "recovered"}

OPERATIONS = ("decide", "refuse", "act", "pay", "justify", "claim", "recover", "cancel", "bilan", "transmit")
steps = st.lists(
    st.tuples(
        st.sampled_from(OPERATIONS),
        st.integers(min_value=0, max_value=5),  # which line (or action)
        st.integers(min_value=1, max_value=9000),  # euros
    ),
    min_size=1,
    max_size=10,
)


class Rollback(Exception):
    pass


def build(world):
    cite = world.a.cite
    anct = funder("ANCT", cites=[cite])
    men = funder("Éducation nationale", cites=[cite])
    caf = funder("CAF", cites=[cite], kind=Organisation.Kind.ORGANISME_SOCIAL)
    EnvelopeFactory(cite=cite, funder=anct, programme=Programme.P147, amount=D("12000"))
    EnvelopeFactory(cite=cite, funder=men, programme=Programme.P230, amount=D("6000"))
    lines = []
    for number in range(3):
        action = make_action(cite, world.a.organisation, year=YEAR, objective=number + 1)
        for organisation in (anct, men, caf):
            lines.append(
                FundingLine.objects.create(
                    action=action,
                    funder=organisation,
                    envelope=services.find_envelope(cite, YEAR, organisation.pk),
                    requested_amount=D("5000"),
                )
            )
    return cite, lines


def apply(operation, line, euros, by):
    """One step; a refusal (FundingError) changes nothing and is part of the game."""
    amount = D(euros)
    line.refresh_from_db()
    day = datetime.date(YEAR, 3, 1)
    if operation == "decide":
        services.set_amounts(line, decided=amount, by=by)
    elif operation == "refuse":
        services.change_status(line, "rejected", by=by, comment="Hors priorités.")
    elif operation == "act":
        services.record_legal_act(line, act_type="arrete", reference=f"A-{line.pk}", date=day, by=by)
    elif operation == "pay":
        services.record_payment(line, kind="instalment", amount=amount, date=day, by=by)
    elif operation == "justify":
        services.change_status(line, "justified", by=by)
    elif operation == "claim":
        services.change_status(line, "to_recover", amount_to_recover=min(amount, D(500)), by=by)
    elif operation == "recover":
        services.record_recovery(line, date=day, reference=f"TR-{line.pk}", by=by)
    elif operation == "cancel":
        services.change_status(line, "cancelled", by=by, comment="Action annulée.")
    elif operation in ("bilan", "transmit"):
        bilan, _ = Bilan.objects.get_or_create(action=line.action)
        BeneficiaryCount.objects.update_or_create(
            bilan=bilan, age_band=AgeBand.choices[1][0], defaults={"girls": euros % 50, "boys": 3}
        )
        if operation == "transmit":
            Bilan.objects.filter(pk=bilan.pk).update(submitted_at=datetime.datetime(YEAR, 11, 2, tzinfo=datetime.UTC))


def auditor(cite):
    lines = list(FundingLine.objects.filter(action__cite=cite, action__year=YEAR))
    paid = defaultdict(lambda: ZERO)
    for payment in Payment.objects.filter(line__in=lines):
        paid[payment.line_id] += payment.amount
    decided = [line for line in lines if line.status in DECIDED]
    return {
        "envelope": sum((e.amount for e in Envelope.objects.filter(cite=cite, year=YEAR)), ZERO),
        "decided": sum((line.decided_amount for line in decided), ZERO),
        "drawn": sum((line.decided_amount for line in decided if line.envelope_id), ZERO),
        "paid": sum(paid.values(), ZERO),
        "to_recover": sum((line.amount_to_recover for line in lines if line.status == "to_recover"), ZERO),
        "recovered": sum((line.amount_to_recover for line in lines if line.status == "recovered"), ZERO),
        "beneficiaries": sum(
            count.girls + count.boys
            for count in BeneficiaryCount.objects.filter(bilan__action__cite=cite, bilan__submitted_at__isnull=False)
        ),
        "lines": lines,
        "paid_by_line": paid,
    }


def check(cite):
    expected = auditor(cite)
    # Invariants over the rows.
    for envelope in Envelope.objects.filter(cite=cite):
        drawn = sum(
            (
                line.decided_amount
                for line in expected["lines"]
                if line.envelope_id == envelope.pk and line.status in DECIDED
            ),
            ZERO,
        )
        assert drawn <= envelope.amount
        assert (envelope.stored_decided, envelope.stored_paid) == (
            drawn,
            sum(
                (expected["paid_by_line"][line.pk] for line in expected["lines"] if line.envelope_id == envelope.pk),
                ZERO,
            ),
        )
    for line in expected["lines"]:
        line_paid = expected["paid_by_line"][line.pk]
        assert line_paid <= (line.decided_amount or ZERO)
        assert line.amount_to_recover <= line_paid or line.status not in ("to_recover", "recovered")

    # Every surface.
    overview = cite_overview(cite, YEAR).total
    dashboard = stats.money_by_funder(cite, YEAR)["total"]
    [prefecture] = stats.figures_by_cite(
        Cite.objects.filter(pk=cite.pk),
        YEAR,
        actions=cite.actions.all(),
        envelopes=Envelope.objects.all(),
        lines=FundingLine.objects.all(),
    )
    statement = financial_statement_context(Report(kind=Report.Kind.FINANCIAL_STATEMENT, cite=cite, year=YEAR))[1]
    evaluation = evaluation_context(Report(kind=Report.Kind.EVALUATION, cite=cite, year=YEAR))[1]
    _, headers, table = exports.envelope_table(cite, YEAR)
    exported = dict(zip(headers, table[-1], strict=True))
    surfaces = {
        "overview": (overview.decided, overview.paid, overview.to_recover, overview.remaining),
        "dashboard": (dashboard["decided"], dashboard["paid"], dashboard["to_recover"], dashboard["remaining"]),
        "prefecture": (prefecture["decided"], prefecture["paid"], prefecture["to_recover"], None),
        "statement": (
            statement["totals"].decided,
            statement["totals"].paid,
            statement["totals"].to_recover,
            statement["totals"].remaining,
        ),
        "statement_actions": (
            statement["actions_totals"].decided,
            statement["actions_totals"].paid,
            statement["actions_totals"].to_recover,
            None,
        ),
        "evaluation": (
            evaluation["funding"]["totals"].decided,
            evaluation["funding"]["totals"].paid,
            evaluation["funding"]["totals"].to_recover,
            evaluation["funding"]["totals"].remaining,
        ),
        "export": (
            D(str(exported["Décidé"])),
            D(str(exported["Versé"])),
            D(str(exported["À reverser"])),
            D(str(exported["Reste à programmer"])),
        ),
    }
    remaining = expected["envelope"] - expected["drawn"]
    for name, (decided, paid, to_recover, left) in surfaces.items():
        assert (decided, paid, to_recover) == (expected["decided"], expected["paid"], expected["to_recover"]), name
        assert left is None or left == remaining, name
    assert overview.recovered == expected["recovered"]
    assert evaluation["beneficiaries"]["totals"]["total"] == expected["beneficiaries"]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=steps)
def test_every_surface_equals_the_rows_after_every_step(world, sequence):
    try:
        with transaction.atomic():
            cite, lines = build(world)
            by = world.a.coordinator
            for operation, index, euros in sequence:
                line = lines[index % len(lines)]
                try:
                    apply(operation, line, euros, by)
                except services.FundingError:
                    pass
                check(cite)
            raise Rollback
    except Rollback:
        pass
