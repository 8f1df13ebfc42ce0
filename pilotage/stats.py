"""The dashboards' figures: aggregation queries returning plain dicts and lists.

Every function takes querysets the caller has already scoped (``visible_to(user)`` and
then narrowed to a cité, a year, a département…) and runs a FIXED number of queries
(``values().annotate()`` / ``aggregate()``), whatever the number of rows: the dashboards'
query counts do not grow with the data. Nothing here reads ``request``.

Money comes from the ledger (:mod:`financements.ledger`), which defines every money
figure once (decided, paid, to recover, remaining, rates…). Other conventions (the tests
recompute them from the rows):

- *reported beneficiaries*: the counts of **transmitted** bilans only (``submitted_at`` set);
- *QPVs and schools reached*: distinct QPVs / schools named by the actions that were
  programmed (programmed, in progress, bilan transmitted, closed).
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Max, Sum
from django.utils import timezone

from accounts.departements import departement_name, region_of
from actions.models import Action, AgeBand, BeneficiaryCount
from cites.models import LocalAxis
from financements import ledger
from financements.models import ZERO, rate

from .models import Meeting, Report

S = Action.Status
# Actions that were programmed: they count as reaching their QPVs and schools.
PROGRAMMED_STATUSES = Action.RETAINED_STATUSES
# The order in which statuses are shown (the workflow's order).
STATUS_ORDER = [value for value, _ in S.choices]
SEXES = (("girls", "Filles / femmes"), ("boys", "Garçons / hommes"))
SEVERAL_BANDS = "plusieurs"
SEVERAL_BANDS_LABEL = "Plusieurs tranches d'âge"
NO_BAND_LABEL = "Non précisé"


# --- Actions -----------------------------------------------------------------------------
def actions_by_status(actions):
    """``{"rows": [{"status", "label", "count"}…] (every status, workflow order), "total"}``
    — one query."""
    counts = dict(actions.order_by().values_list("status").annotate(n=Count("id")))
    rows = [{"status": value, "label": label, "count": counts.get(value, 0)} for value, label in S.choices]
    return {"rows": rows, "total": sum(row["count"] for row in rows)}


def actions_by_objective(actions):
    """Actions per national objective (1, 2, 3, then « sans objectif »), with the planned
    participants — one query."""
    groups = {
        row["national_objective"]: row
        for row in actions.order_by()
        .values("national_objective")
        .annotate(count=Count("id"), participants=Sum("expected_participants"))
    }
    rows = []
    for value, label in [*LocalAxis.NationalObjective.choices, (None, "Sans objectif national")]:
        group = groups.get(value)
        if value is None and group is None:
            continue
        rows.append(
            {
                "objective": value,
                "label": label,
                "count": group["count"] if group else 0,
                "participants": (group["participants"] or 0) if group else 0,
            }
        )
    return {"rows": rows, "total": sum(row["count"] for row in rows)}


# --- Money -------------------------------------------------------------------------------
def money_by_funder(cite, year, lines=None):
    """Per funder: envelope (sum of its envelopes; ``None`` without), decided, paid,
    to recover, remaining, consumption and payment rates, with the part outside
    envelopes counted in its funder; plus the total row — read from the ledger.

    ``lines``: the user's scoped funding lines (the ledger narrows them to the cité and
    year)."""
    rows = []
    for funder in ledger.funder_rows(cite, year, lines):
        if funder.envelope is None and not any(getattr(funder, name) for name in ledger.AMOUNTS):
            continue  # committed in the convention only: nothing to show here
        outside = funder.outside.decided if funder.outside else ZERO
        rows.append(_money_row(funder, funder.label, funder_id=funder.funder_id, outside=outside))
    total = ledger.total([row["figures"] for row in rows])
    return {"rows": rows, "total": _money_row(total, "Total", outside=sum((row["outside"] for row in rows), ZERO))}


def _money_row(money, label, **extra):
    return {
        "label": label,
        "envelope": money.envelope,
        "decided": money.decided,
        "paid": money.paid,
        "to_recover": money.to_recover,
        "recovered": money.recovered,
        "remaining": money.remaining,
        "consumption_rate": money.consumption_rate,
        "payment_rate": money.payment_rate,
        "figures": money,
        **extra,
    }


def _money_ratios(row):
    row["remaining"] = None if row["envelope"] is None else row["envelope"] - row["decided"]
    row["consumption_rate"] = rate(row["decided"], row["envelope"])
    row["payment_rate"] = rate(row["paid"], row["decided"])
    return row


# --- Beneficiaries -----------------------------------------------------------------------
def beneficiaries(actions):
    """Beneficiaries by age band × sex: planned (the proposals' expected girls and boys)
    and reported (the transmitted bilans) — two queries.

    A proposal names its publics (several age bands) but gives one expected number of
    girls and boys: a proposal aimed at a single age band counts in that band, one aimed
    at several counts in the « plusieurs tranches d'âge » row, never split by guesswork.
    """
    planned = defaultdict(lambda: {"girls": 0, "boys": 0})
    for row in actions.order_by().values("age_bands").annotate(girls=Sum("expected_girls"), boys=Sum("expected_boys")):
        bands = row["age_bands"] or []
        key = bands[0] if len(bands) == 1 else (SEVERAL_BANDS if bands else "")
        planned[key]["girls"] += row["girls"] or 0
        planned[key]["boys"] += row["boys"] or 0

    reported = {
        row["age_band"]: row
        for row in BeneficiaryCount.objects.filter(bilan__action__in=actions.order_by().values("pk"))
        .filter(bilan__submitted_at__isnull=False)
        .order_by()
        .values("age_band")
        .annotate(girls=Sum("girls"), boys=Sum("boys"), qpv=Sum("living_in_qpv"))
    }

    rows = []
    bands = [*AgeBand.choices, (SEVERAL_BANDS, SEVERAL_BANDS_LABEL), ("", NO_BAND_LABEL)]
    for value, label in bands:
        plan = planned.get(value, {"girls": 0, "boys": 0})
        bilan = reported.get(value)
        row = {
            "band": value,
            "label": label,
            "planned_girls": plan["girls"],
            "planned_boys": plan["boys"],
            "reported_girls": bilan["girls"] if bilan else 0,
            "reported_boys": bilan["boys"] if bilan else 0,
            "reported_qpv": bilan["qpv"] if bilan else 0,
        }
        row["planned_total"] = row["planned_girls"] + row["planned_boys"]
        row["reported_total"] = row["reported_girls"] + row["reported_boys"]
        if value in (SEVERAL_BANDS, "") and not row["planned_total"] and not row["reported_total"]:
            continue  # the two catch-all rows only when they hold something
        rows.append(row)
    keys = ("planned_girls", "planned_boys", "planned_total", "reported_girls", "reported_boys", "reported_total")
    total = {key: sum(row[key] for row in rows) for key in (*keys, "reported_qpv")}
    total["label"] = "Total"
    return {"rows": rows, "total": total}


# --- Reach -------------------------------------------------------------------------------
def reach(actions):
    """Distinct QPVs and schools named by the programmed actions — two queries."""
    programmed = actions.filter(status__in=PROGRAMMED_STATUSES).order_by().values("pk")
    qpv_through = Action.priority_areas.through.objects.filter(action__in=programmed)
    school_through = Action.schools.through.objects.filter(action__in=programmed)
    return {
        "priority_areas": qpv_through.aggregate(n=Count("priorityarea_id", distinct=True))["n"],
        "schools": school_through.aggregate(n=Count("school_id", distinct=True))["n"],
    }


# --- Several cités side by side ----------------------------------------------------------
CITE_FIGURES = ("envelope", "decided", "paid", "to_recover", "actions", "programmed", "bilans", "reports")
MONEY_FIGURES = ("envelope", "decided", "paid", "to_recover")


def figures_by_cite(cites, year, *, actions, envelopes, lines, meetings=None, reports=None):
    """One row per cité of ``cites`` (a scoped Cite queryset) for ``year``: envelopes,
    decided, paid (envelope totals plus lines outside any envelope), number of actions
    (proposals, i.e. not drafts), programmed actions, bilans received, last COPIL held,
    annual evaluation reports produced — a fixed number of queries (one per figure).
    ``meetings`` and ``reports`` are optional scoped querysets."""
    cite_ids = cites.order_by().values("pk")
    rows = {
        cite["pk"]: {
            "cite_id": cite["pk"],
            "name": cite["name"],
            "departement": cite["departement"],
            "departement_name": departement_name(cite["departement"]),
            "region": region_of(cite["departement"]) or "Autre",
            "envelope": ZERO,
            "decided": ZERO,
            "paid": ZERO,
            "to_recover": ZERO,
            "actions": 0,
            "programmed": 0,
            "bilans": 0,
            "reports": 0,
            "last_copil": None,
        }
        for cite in cites.order_by("name", "pk").values("pk", "name", "departement")
    }

    def fill(queryset, key_field, **annotations):
        for row in queryset.order_by().values(key_field).annotate(**annotations):
            target = rows.get(row[key_field])
            if target is not None:
                for name in annotations:
                    target[name] = row[name] if row[name] is not None else target[name]

    # Money from the ledger: the envelopes' cache (stored totals) plus the money outside
    # envelopes, in a fixed number of queries for any number of cités.
    for cite_id, money in ledger.cite_figures(cite_ids, year, lines=lines, envelopes=envelopes).items():
        target = rows.get(cite_id)
        if target is not None:
            target["envelope"] = money.envelope or ZERO
            target["decided"] = money.decided
            target["paid"] = money.paid
            target["to_recover"] = money.to_recover
    # Proposals and programmed actions: one count per (cité, status), read from the
    # index actions_action(year, cite_id, status) alone (no join, no heap for the admin);
    # the bilans received: an inner join on the transmitted bilans only, instead of a
    # LEFT JOIN of every action of the year on its bilan.
    proposals = actions.filter(cite__in=cite_ids, year=year).exclude(status=S.DRAFT)
    for row in proposals.order_by().values("cite_id", "status").annotate(n=Count("*")):
        target = rows.get(row["cite_id"])
        if target is not None:
            target["actions"] += row["n"]
            if row["status"] in PROGRAMMED_STATUSES:
                target["programmed"] += row["n"]
    fill(proposals.filter(bilan__submitted_at__isnull=False), "cite_id", bilans=Count("*"))
    if meetings is not None:
        fill(
            meetings.filter(cite__in=cite_ids, kind=Meeting.Kind.COPIL, starts_at__lte=timezone.now()),
            "cite_id",
            last_copil=Max("starts_at"),
        )
    if reports is not None:
        fill(
            reports.filter(cite__in=cite_ids, year=year, kind=Report.Kind.EVALUATION, status=Report.Status.DONE),
            "cite_id",
            reports=Count("id"),
        )

    result = list(rows.values())
    for row in result:
        _cite_ratios(row)
    return result


def _cite_ratios(row):
    row["consumption_rate"] = rate(row["decided"], row["envelope"])
    row["payment_rate"] = rate(row["paid"], row["decided"])
    return row


def group_rows(rows, key, label_key=None):
    """Sum per-cité rows by ``key`` (``"region"``, ``"departement"``) — no query."""
    groups = {}
    for row in rows:
        group = groups.setdefault(
            row[key],
            {
                "key": row[key],
                "label": row[label_key or key],
                "region": row["region"],
                "cites": 0,
                "last_copil": None,
                **{name: (ZERO if name in MONEY_FIGURES else 0) for name in CITE_FIGURES},
            },
        )
        group["cites"] += 1
        for name in CITE_FIGURES:
            group[name] += row[name]
        if row["last_copil"] and (group["last_copil"] is None or row["last_copil"] > group["last_copil"]):
            group["last_copil"] = row["last_copil"]
    result = sorted(groups.values(), key=lambda group: (group["label"], group["key"]))
    for group in result:
        _cite_ratios(group)
    return result


def total_row(rows, label="Total"):
    total = {"label": label, "name": label, "cites": sum(row.get("cites", 1) for row in rows), "last_copil": None}
    for name in CITE_FIGURES:
        total[name] = sum((row[name] for row in rows), ZERO if name in MONEY_FIGURES else 0)
    copils = [row["last_copil"] for row in rows if row["last_copil"]]
    total["last_copil"] = max(copils) if copils else None
    return _cite_ratios(total)


# --- Partner -----------------------------------------------------------------------------
def money_per_action(action_ids, lines=None):
    """``{action_id: Figures}`` (decided, paid…) for these actions, from the ledger — two
    queries (used for one page of a partner's actions)."""
    money = ledger.action_figures(action_ids, lines)
    return defaultdict(ledger.Figures, money)


def as_float(value):
    """For the charts' JSON only (the tables show the exact Decimal)."""
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value
