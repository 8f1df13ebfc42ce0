"""The demo funding: the seeds' envelopes, every money stage, idempotent, invariants held."""

from decimal import Decimal

from django.core.management import call_command
from django.db.models import Sum

from financements.models import DECIDED_STATUSES, Envelope, FundingLine, LineStatus, Payment

D = Decimal


def decided_on(envelope):
    """What an envelope's lines have decided, summed in plain Python from the rows."""
    decided = {"decided", "committed", "paid", "justified", "to_recover", "recovered"}
    return sum((line.decided_amount for line in envelope.lines.all() if line.status in decided), Decimal("0.00"))


def envelope_totals():
    rows = Envelope.objects.values("cite__slug", "year").annotate(total=Sum("amount"))
    return {(row["cite__slug"], row["year"]): row["total"] for row in rows}


def test_demo_envelopes_stages_and_idempotence(db):
    call_command("load_demo", verbosity=0)
    totals = envelope_totals()
    assert {year: totals[("ales-agglomeration", year)] for year in (2025, 2026, 2027)} == dict.fromkeys(
        (2025, 2026, 2027), D("270000")
    )
    assert {totals[("alencon-perseigne", year)] for year in (2022, 2023, 2024)} == {D("215000")}
    assert sum(totals[("valenton", year)] for year in (2022, 2023, 2024)) == D("475000")

    # Every stage of the money, on the demo actions (loaded by the step before ours).
    statuses = set(FundingLine.objects.values_list("status", flat=True))
    assert {LineStatus.REQUESTED, LineStatus.COMMITTED, LineStatus.JUSTIFIED, LineStatus.TO_RECOVER} <= statuses
    kinds = set(Payment.objects.values_list("kind", flat=True))
    assert {Payment.Kind.ADVANCE, Payment.Kind.BALANCE} <= kinds
    balance_due = [
        line
        for line in FundingLine.objects.filter(status=LineStatus.COMMITTED)
        if D(0) < line.paid_amount() < line.decided_amount
    ]
    assert balance_due, "an advance paid, the balance still due"

    # The invariants hold on the demo data.
    for envelope in Envelope.objects.all():
        assert decided_on(envelope) <= envelope.amount
    for line in FundingLine.objects.all():
        if line.status in DECIDED_STATUSES:
            assert line.paid_amount() <= line.decided_amount
            assert line.envelope is None or line.envelope.funder_id == line.funder_id

    counts = (Envelope.objects.count(), FundingLine.objects.count(), Payment.objects.count())
    history = (Envelope.history.count(), FundingLine.history.count(), Payment.history.count())
    call_command("load_demo", verbosity=0)
    assert (Envelope.objects.count(), FundingLine.objects.count(), Payment.objects.count()) == counts
    assert (Envelope.history.count(), FundingLine.history.count(), Payment.history.count()) == history
