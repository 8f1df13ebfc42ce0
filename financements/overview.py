"""The financial overview of a cité for a year, in a fixed number of queries.

Every figure is a database aggregate (one query per table, whatever the number of
actions); the totals are sums over the rows shown, so the page adds up.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from cites.models import ConventionCommitment, LocalAxis

from .models import (
    COMMITTED_STATUSES,
    DECIDED_STATUSES,
    ZERO,
    Envelope,
    FundingLine,
    LineStatus,
    Payment,
    Programme,
    money_sum,
    rate,
)

FIGURES = ("commitment", "amount", "requested", "decided", "committed", "paid", "justified")


@dataclass
class Row:
    label: str
    programme: str = ""
    funder_id: int | None = None
    envelope: Envelope | None = None
    commitment: Decimal | None = None
    amount: Decimal | None = None  # the envelope; None for lines outside any envelope
    requested: Decimal = ZERO
    decided: Decimal = ZERO
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    justified: Decimal = ZERO
    is_p147: bool = False

    @property
    def remaining(self):
        return None if self.amount is None else self.amount - self.decided

    @property
    def consumption_rate(self):
        return rate(self.decided, self.amount)

    @property
    def commitment_gap(self):
        """Envelope minus convention commitment (shown on the funder's first row)."""
        if self.commitment is None or self.amount is None:
            return None
        return self.amount - self.commitment


@dataclass
class Overview:
    rows: list = field(default_factory=list)
    objectives: list = field(default_factory=list)
    commitments: list = field(default_factory=list)
    total: Row | None = None
    p147_decided: Decimal = ZERO
    other_decided: Decimal = ZERO

    @property
    def leverage(self):
        """Euros decided by other funders per euro decided on programme 147."""
        if not self.p147_decided:
            return None
        return (self.other_decided / self.p147_decided).quantize(Decimal("0.01"))


def _line_sums(prefix=""):
    return {
        "requested": money_sum(f"{prefix}requested_amount", filter=~Q(**{f"{prefix}status": LineStatus.CANCELLED})),
        "decided": money_sum(f"{prefix}decided_amount", filter=Q(**{f"{prefix}status__in": DECIDED_STATUSES})),
        "committed": money_sum(f"{prefix}decided_amount", filter=Q(**{f"{prefix}status__in": COMMITTED_STATUSES})),
        "justified": money_sum(f"{prefix}decided_amount", filter=Q(**{f"{prefix}status": LineStatus.JUSTIFIED})),
    }


def total_of(rows, label="Total"):
    total = Row(label=label)
    for name in FIGURES:
        values = [getattr(row, name) for row in rows if getattr(row, name) is not None]
        setattr(total, name, sum(values, ZERO) if values else None)
    return total


def cite_overview(cite, year):
    """Rows per funder and programme (envelopes, then lines outside any envelope), per
    national objective, convention commitments, totals and co-funding leverage."""
    envelopes = list(
        Envelope.objects.for_cite_year(cite, year)
        .with_totals()
        .select_related("funder")
        .order_by("funder__name", "programme", "pk")
    )
    commitments = {
        row["funder_id"]: row
        for row in ConventionCommitment.objects.filter(convention__cite=cite, year=year)
        .values("funder_id", "funder__name")
        .annotate(total=money_sum("amount"))
        .order_by("funder__name")
    }
    lines = FundingLine.objects.for_cite_year(cite, year)
    outside = list(
        lines.filter(envelope__isnull=True)
        .values("funder_id", "funder__name")
        .annotate(**_line_sums())
        .order_by("funder__name")
    )
    payments = Payment.objects.for_cite_year(cite, year)
    outside_paid = {
        row["line__funder_id"]: row["paid"]
        for row in payments.filter(line__envelope__isnull=True)
        .values("line__funder_id")
        .annotate(paid=money_sum("amount"))
        .order_by()
    }

    overview = Overview()
    seen_funders = set()
    for envelope in envelopes:
        first_of_funder = envelope.funder_id not in seen_funders
        seen_funders.add(envelope.funder_id)
        commitment = commitments.get(envelope.funder_id) if first_of_funder else None
        overview.rows.append(
            Row(
                label=envelope.funder.name,
                programme=envelope.get_programme_display(),
                funder_id=envelope.funder_id,
                envelope=envelope,
                commitment=commitment["total"] if commitment else None,
                amount=envelope.amount,
                requested=envelope.requested_total,
                decided=envelope.decided_total,
                committed=envelope.committed_total,
                paid=envelope.paid_total,
                justified=envelope.justified_total,
                is_p147=envelope.programme == Programme.P147,
            )
        )
    for group in outside:
        first_of_funder = group["funder_id"] not in seen_funders
        seen_funders.add(group["funder_id"])
        commitment = commitments.get(group["funder_id"]) if first_of_funder else None
        overview.rows.append(
            Row(
                label=group["funder__name"],
                programme="Hors enveloppe",
                funder_id=group["funder_id"],
                commitment=commitment["total"] if commitment else None,
                requested=group["requested"],
                decided=group["decided"],
                committed=group["committed"],
                paid=outside_paid.get(group["funder_id"], ZERO),
                justified=group["justified"],
            )
        )
    for funder_id, commitment in commitments.items():
        if funder_id not in seen_funders:  # committed in the convention, no envelope yet
            overview.rows.append(
                Row(
                    label=commitment["funder__name"],
                    programme="Aucune enveloppe",
                    funder_id=funder_id,
                    commitment=commitment["total"],
                )
            )
    overview.total = total_of(overview.rows)
    overview.p147_decided = sum((row.decided for row in overview.rows if row.is_p147), ZERO)
    overview.other_decided = overview.total.decided - overview.p147_decided

    # Convention commitment against envelopes, per funder.
    by_funder = {}
    for row in overview.rows:
        entry = by_funder.setdefault(row.funder_id, {"label": row.label, "commitment": None, "envelopes": ZERO})
        if row.commitment is not None:
            entry["commitment"] = row.commitment
        if row.amount is not None:
            entry["envelopes"] += row.amount
    for entry in by_funder.values():
        commitment = entry["commitment"]
        entry["gap"] = None if commitment is None else entry["envelopes"] - commitment
    overview.commitments = list(by_funder.values())

    # Per national objective.
    objective_paid = {
        row["line__action__national_objective"]: row["paid"]
        for row in payments.values("line__action__national_objective").annotate(paid=money_sum("amount")).order_by()
    }
    labels = dict(LocalAxis.NationalObjective.choices)
    for group in (
        lines.values("action__national_objective").annotate(**_line_sums()).order_by("action__national_objective")
    ):
        objective = group["action__national_objective"]
        overview.objectives.append(
            Row(
                label=labels.get(objective, "Sans objectif national"),
                programme=str(objective or ""),
                requested=group["requested"],
                decided=group["decided"],
                committed=group["committed"],
                paid=objective_paid.get(objective, ZERO),
                justified=group["justified"],
                commitment=None,
                amount=None,
            )
        )
    return overview
