"""The ledger: the one place that answers money questions.

Every surface that shows money — the financial overview, the programming table, the
dashboards, the PDF reports, the exports, the partner's pages — asks this module, so that
two pages showing the same figure get it from the same function.

The figures of a set of funding lines (:class:`Figures`):

- *requested*: requested amounts, cancelled lines excluded;
- *proposed*: proposed amounts (the instruction's), cancelled lines excluded;
- *decided*: decided amounts of the lines whose decision stands
  (:data:`~financements.models.DECIDED_STATUSES`: decided, committed, paid, justified, to
  recover, recovered);
- *committed*: the decided amounts of the lines with a legal act;
- *justified*: the decided amounts of the lines whose bilan was accepted;
- *paid*: the payments;
- *to_recover*: what porteurs must give back (lines « à reverser »), *recovered*: what
  they gave back (lines « reversé »); the decided amount stays the decision, these are
  shown beside it;
- *remaining* and *consumption rate*: the envelope less, or divided by, the decided money
  drawn on envelopes (``drawn``).

Money outside any envelope (a CAF or a département co-funding an action with no envelope
in the portal) is real: it counts in its funder's totals and in every total, in a « hors
enveloppe » row, and never in an envelope's consumption.

Every function runs a fixed number of queries whatever the number of rows. The stored
totals of the envelopes (``stored_decided``, ``stored_paid``) are this ledger's cache for
the pages that cover many cités; :func:`financements.services.refresh_envelope_totals` is
the one place that refreshes them.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from actions.models import SUBSIDY_ACCOUNT, BudgetLine
from cites.models import ConventionCommitment, LocalAxis

from .models import (
    COMMITTED_STATUSES,
    DECIDED_STATUSES,
    MONEY_FIELD,
    ZERO,
    Envelope,
    FundingLine,
    LineStatus,
    Payment,
    Programme,
    money_sum,
    rate,
)

OUTSIDE = "Hors enveloppe"
NO_ENVELOPE = "Aucune enveloppe"
AMOUNTS = ("requested", "proposed", "decided", "committed", "paid", "justified", "to_recover", "recovered")

# What each figure sums over a funding line: (amount field, condition on the line).
_LINE_FIGURES = {
    "requested": ("requested_amount", ~Q(status=LineStatus.CANCELLED)),
    "proposed": ("proposed_amount", ~Q(status=LineStatus.CANCELLED)),
    "decided": ("decided_amount", Q(status__in=DECIDED_STATUSES)),
    "committed": ("decided_amount", Q(status__in=COMMITTED_STATUSES)),
    "justified": ("decided_amount", Q(status=LineStatus.JUSTIFIED)),
    "to_recover": ("amount_to_recover", Q(status=LineStatus.TO_RECOVER)),
    "recovered": ("amount_to_recover", Q(status=LineStatus.RECOVERED)),
}

# The ways the ledger groups lines: name → path from a funding line.
KEYS = {
    "funder": "funder_id",
    "envelope": "envelope_id",
    "objective": "action__national_objective",
    "action": "action_id",
    "cite": "action__cite_id",
    "year": "action__year",
    "departement": "action__cite__departement",
}


@dataclass
class Figures:
    """Money of a set of funding lines; ``envelope`` is what is available to decide
    (``None`` where no envelope applies: money outside envelopes, an action)."""

    requested: Decimal = ZERO
    proposed: Decimal = ZERO
    decided: Decimal = ZERO
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    justified: Decimal = ZERO
    to_recover: Decimal = ZERO
    recovered: Decimal = ZERO
    envelope: Decimal | None = None
    drawn: Decimal = ZERO  # the part of ``decided`` drawn on envelopes

    def add(self, other):
        self.drawn += other.drawn
        for name in AMOUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.envelope is not None:
            self.envelope = (self.envelope or ZERO) + other.envelope
        return self

    @property
    def remaining(self):
        """Left to decide on the envelope (``None`` without envelope); money outside
        envelopes never uses an envelope."""
        return None if self.envelope is None else self.envelope - self.drawn

    @property
    def consumption_rate(self):
        return rate(self.drawn, self.envelope)

    @property
    def payment_rate(self):
        return rate(self.paid, self.decided)


@dataclass
class Row(Figures):
    """A labelled line of a money table: one envelope, one funder's money outside
    envelopes, one funder, one objective, one cité…"""

    label: str = ""
    programme: str = ""
    key: object = None
    funder_id: int | None = None
    envelope_obj: Envelope | None = None
    commitment: Decimal | None = None
    outside: Figures | None = None  # a funder row: its part outside any envelope
    is_p147: bool = False


def total(rows, label="Total"):
    """The sum of rows (envelopes included when some row has one)."""
    result = Row(label=label)
    for row in rows:
        result.add(row)
    commitments = [row.commitment for row in rows if getattr(row, "commitment", None) is not None]
    result.commitment = sum(commitments, ZERO) if commitments else None
    return result


# --- The one aggregation -----------------------------------------------------------------
def lines_for(cite=None, year=None, lines=None):
    """Funding lines of a cité and/or a year, from ``lines`` (a scoped queryset) or all."""
    queryset = FundingLine.objects.all() if lines is None else lines
    if cite is not None:
        queryset = queryset.filter(action__cite=cite)
    if year is not None:
        queryset = queryset.filter(action__year=year)
    return queryset


def figures_by(lines, *keys):
    """``{key: Figures}`` of ``lines`` grouped by the named keys (see :data:`KEYS`; a
    tuple key when several are named; no key: one entry under ``None``) — two queries."""
    paths = [KEYS[name] for name in keys]
    annotations = {
        name: money_sum(amount_field, filter=condition) for name, (amount_field, condition) in _LINE_FIGURES.items()
    }
    result = defaultdict(Figures)

    def key_of(row, prefix=""):
        values = tuple(row[f"{prefix}{path}"] for path in paths)
        return values[0] if len(values) == 1 else (values or None)

    if paths:
        grouped = lines.order_by().values(*paths).annotate(**annotations)
    else:
        grouped = [lines.aggregate(**annotations)]
    for row in grouped:
        target = result[key_of(row)]
        for name in _LINE_FIGURES:
            setattr(target, name, row[name])
    payments = Payment.objects.filter(line__in=lines.order_by().values("pk"))
    payment_paths = [f"line__{path}" for path in paths]
    if paths:
        paid = payments.order_by().values(*payment_paths).annotate(total=money_sum("amount"))
    else:
        paid = [payments.aggregate(total=money_sum("amount"))]
    for row in paid:
        result[key_of(row, "line__")].paid = row["total"]
    return dict(result)


def decided_total(lines):
    """The decided money of these lines — one aggregate (the services read it under their
    locks to keep an envelope within its amount)."""
    amount_field, condition = _LINE_FIGURES["decided"]
    return lines.aggregate(total=money_sum(amount_field, filter=condition))["total"]


def paid_by_line(line_ids):
    """``{line_id: paid}`` of these lines (absent: nothing paid) — one query."""
    rows = Payment.objects.filter(line_id__in=list(line_ids)).order_by().values("line_id")
    return {row["line_id"]: row["total"] for row in rows.annotate(total=money_sum("amount"))}


def figures(lines):
    """The figures of all these lines together — two queries."""
    return figures_by(lines).get(None, Figures())


# --- A cité and a year -------------------------------------------------------------------
def envelope_rows(cite, year, lines=None):
    """One row per envelope of the cité and year (funder, programme), then one
    « hors enveloppe » row per funder with money outside any envelope — six queries.
    (Lines on an envelope of the cité and year are the cité-year's lines: services check
    that a line's envelope is its action's cité and year.)"""
    envelopes = list(
        Envelope.objects.for_cite_year(cite, year).select_related("funder").order_by("funder__name", "programme", "pk")
    )
    lines = lines_for(cite, year, lines)
    by_envelope = for_envelopes(envelopes)
    outside = figures_by(lines.filter(envelope__isnull=True), "funder")
    rows = [by_envelope[envelope.pk] for envelope in envelopes]
    if outside:
        names = _funder_names(outside)
        for funder_id, money in sorted(outside.items(), key=lambda item: (names[item[0]], item[0])):
            row = Row(label=names[funder_id], programme=OUTSIDE, key=("outside", funder_id), funder_id=funder_id)
            rows.append(row.add(money))
    return rows


def for_envelopes(envelopes):
    """``{envelope_id: Row}`` of these envelopes (their amount and the money drawn on
    them) — two queries plus the envelopes'."""
    envelopes = list(envelopes)
    by_envelope = figures_by(FundingLine.objects.filter(envelope__in=[env.pk for env in envelopes]), "envelope")
    result = {}
    for envelope in envelopes:
        row = Row(
            label=str(envelope.funder_id and envelope.funder.name),
            programme=envelope.get_programme_display(),
            key=envelope.pk,
            funder_id=envelope.funder_id,
            envelope_obj=envelope,
            is_p147=envelope.programme == Programme.P147,
        )
        row.add(by_envelope.get(envelope.pk, Figures()))
        row.envelope = envelope.amount
        row.drawn = row.decided
        result[envelope.pk] = row
    return result


def _funder_names(by_funder):
    from cites.models import Organisation

    return dict(Organisation.objects.filter(pk__in=list(by_funder)).values_list("pk", "name"))


def commitments(cite, year):
    """The convention's yearly commitments per funder: ``{funder_id: (name, amount)}``."""
    return {
        row["funder_id"]: (row["funder__name"], row["total"])
        for row in ConventionCommitment.objects.filter(convention__cite=cite, year=year)
        .values("funder_id", "funder__name")
        .annotate(total=money_sum("amount"))
        .order_by("funder__name")
    }


def funder_rows(cite, year, lines=None, rows=None):
    """One row per funder: the sum of its envelopes (``None`` without any), its money
    inside and outside envelopes, its convention commitment; ordered by envelope then
    name. ``rows``: :func:`envelope_rows` already read."""
    rows = envelope_rows(cite, year, lines) if rows is None else rows
    committed = commitments(cite, year)
    funders = {}
    for row in rows:
        entry = funders.setdefault(row.funder_id, Row(label=row.label, key=row.funder_id, funder_id=row.funder_id))
        entry.add(row)
        if row.programme == OUTSIDE:
            entry.outside = Figures().add(row)
        else:
            entry.programme = ", ".join(filter(None, [entry.programme, row.programme]))
        entry.is_p147 = entry.is_p147 or row.is_p147
    for funder_id, (name, amount) in committed.items():
        entry = funders.setdefault(
            funder_id, Row(label=name, key=funder_id, funder_id=funder_id, programme=NO_ENVELOPE)
        )
        entry.commitment = amount
    return sorted(funders.values(), key=lambda row: (-(row.envelope or ZERO), row.label, row.funder_id))


def objective_rows(cite, year, lines=None):
    """One row per national objective (then « sans objectif national ») — two queries."""
    by_objective = figures_by(lines_for(cite, year, lines), "objective")
    rows = []
    for value, label in [*LocalAxis.NationalObjective.choices, (None, "Sans objectif national")]:
        if value not in by_objective:
            continue
        rows.append(Row(label=label, key=value).add(by_objective[value]))
    return rows


def leverage(rows):
    """Euros decided by other funders per euro decided on programme 147 (``None``
    without money on programme 147), from :func:`envelope_rows`."""
    p147 = sum((row.decided for row in rows if row.is_p147), ZERO)
    if not p147:
        return None, p147, ZERO
    others = sum((row.decided for row in rows), ZERO) - p147
    return (others / p147).quantize(Decimal("0.01")), p147, others


# --- Actions -----------------------------------------------------------------------------
def action_figures(action_ids, lines=None):
    """``{action_id: Figures}`` for these actions (absent: no funding line) — two queries."""
    queryset = FundingLine.objects.all() if lines is None else lines
    return figures_by(queryset.filter(action_id__in=list(action_ids)), "action")


def asked_by_funder(action_ids):
    """What the budgets ask of each funder (account-74 lines): ``{funder_id: amount}``.
    Before programming, an action's asks live in its budget, not yet in funding lines."""
    return {
        row["funder_id"]: row["total"]
        for row in BudgetLine.objects.filter(action_id__in=list(action_ids), account=SUBSIDY_ACCOUNT)
        .order_by()
        .values("funder_id")
        .annotate(total=Sum("amount_planned"))
        if row["funder_id"] is not None
    }


# --- A meeting ---------------------------------------------------------------------------
@dataclass
class MeetingRow:
    """One funder of a COPIL's dossier: what was decided outside the meeting's agenda
    (``before``, of which ``before_outside`` outside any envelope), what the agenda's
    proposals ask (``asked``), what the meeting decided on them (``decided``), and the
    envelope if the proposals are adopted as asked (``after``, ``remaining``). The dossier
    prepares the meeting: generated before or after it, it shows the same figures, and no
    decision counts twice."""

    funder_id: int
    label: str
    envelope: Decimal | None
    before: Decimal = ZERO
    before_outside: Decimal = ZERO
    asked: Decimal = ZERO
    decided: Decimal = ZERO

    @property
    def after(self):
        return self.before + self.asked

    @property
    def remaining(self):
        """Left on the funder's envelopes if the asks are adopted (money outside
        envelopes uses none)."""
        return None if self.envelope is None else self.envelope - self.after + self.before_outside


def meeting_rows(meeting):
    """Per funder of the meeting's cité and year (see :class:`MeetingRow`) — a fixed
    number of queries."""
    agenda_ids = list(meeting.agenda_items.exclude(action=None).values_list("action_id", flat=True))
    lines = lines_for(meeting.cite, meeting.year)
    rows = {row.funder_id: row for row in funder_rows(meeting.cite, meeting.year, lines)}
    before = figures_by(lines.exclude(action_id__in=agenda_ids), "funder")
    before_outside = figures_by(lines.exclude(action_id__in=agenda_ids).filter(envelope__isnull=True), "funder")
    decided = figures_by(lines.filter(action_id__in=agenda_ids), "funder")
    asks = asked_by_funder(agenda_ids)
    names = _funder_names({**before, **decided, **asks})
    result = {}

    def entry(funder_id):
        if funder_id not in result:
            row = rows.get(funder_id)
            label = row.label if row else names.get(funder_id, "")
            result[funder_id] = MeetingRow(funder_id, label, row.envelope if row else None)
        return result[funder_id]

    for funder_id, row in rows.items():
        if row.envelope is not None or funder_id in asks:
            entry(funder_id)
    for funder_id, money in before.items():
        entry(funder_id).before = money.decided
    for funder_id, money in before_outside.items():
        entry(funder_id).before_outside = money.decided
    for funder_id, money in decided.items():
        entry(funder_id).decided = money.decided
    for funder_id, amount in asks.items():
        entry(funder_id).asked = amount
    return sorted(result.values(), key=lambda row: (-(row.envelope or ZERO), row.label, row.funder_id))


# --- Several cités -----------------------------------------------------------------------
def cite_figures(cite_ids, year, lines=None, envelopes=None):
    """``{cite_id: Figures}`` (envelope, decided, paid, to recover…) for ``year`` — the
    money drawn on envelopes read from their cache (stored totals), the money outside
    envelopes and the amounts to recover from the lines: four queries for any number of
    cités (the préfecture and national dashboards)."""
    envelopes = Envelope.objects.all() if envelopes is None else envelopes
    lines = FundingLine.objects.all() if lines is None else lines
    result = defaultdict(Figures)
    for row in (
        envelopes.filter(cite__in=cite_ids, year=year)
        .order_by()
        .values("cite_id")
        .annotate(amount=money_sum("amount"), decided=money_sum("stored_decided"), paid=money_sum("stored_paid"))
    ):
        target = result[row["cite_id"]]
        target.envelope = row["amount"]
        target.drawn = row["decided"]
        target.decided += row["decided"]
        target.paid += row["paid"]
    year_lines = lines.filter(action__cite__in=cite_ids, action__year=year)
    for cite_id, money in figures_by(year_lines.filter(envelope__isnull=True), "cite").items():
        target = result[cite_id]
        target.decided += money.decided
        target.paid += money.paid
    recover = year_lines.filter(status__in=(LineStatus.TO_RECOVER, LineStatus.RECOVERED)).order_by()
    for row in recover.values("action__cite_id").annotate(
        to_recover=money_sum("amount_to_recover", filter=Q(status=LineStatus.TO_RECOVER)),
        recovered=money_sum("amount_to_recover", filter=Q(status=LineStatus.RECOVERED)),
    ):
        target = result[row["action__cite_id"]]
        target.to_recover = row["to_recover"]
        target.recovered = row["recovered"]
    return dict(result)


def envelope_totals():
    """The decided and paid sums of the envelope ``OuterRef("pk")``, as expressions for an
    ``UPDATE`` of the envelopes: the source of their cached ``stored_decided`` and
    ``stored_paid`` (see :func:`financements.services.refresh_envelope_totals`)."""
    decided = (
        FundingLine.objects.filter(envelope=OuterRef("pk"), status__in=DECIDED_STATUSES)
        .order_by()
        .values("envelope")
        .annotate(total=Sum("decided_amount"))
        .values("total")
    )
    paid = (
        Payment.objects.filter(line__envelope=OuterRef("pk"))
        .order_by()
        .values("line__envelope")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    zero = Value(ZERO, output_field=MONEY_FIELD)
    return {
        "stored_decided": Coalesce(Subquery(decided, output_field=MONEY_FIELD), zero, output_field=MONEY_FIELD),
        "stored_paid": Coalesce(Subquery(paid, output_field=MONEY_FIELD), zero, output_field=MONEY_FIELD),
    }
