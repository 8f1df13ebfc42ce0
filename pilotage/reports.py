"""What goes into each report: data gathered with a bounded number of queries, whatever
the number of actions, then handed to a template under ``templates/pdf/``.

Money comes from the ledger (:mod:`financements.ledger`), as on every other surface; the
budgets' account-74 lines give what the proposals ask before any funding line exists.
"""

from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import Prefetch, Sum
from django.utils import timezone

from actions.models import SUBSIDY_ACCOUNT, Action, AgeBand, BeneficiaryCount, BudgetLine, Opinion, Transition
from cites.models import LocalAxis
from financements import ledger
from financements.models import DECIDED_STATUSES, FundingLine, LineStatus, Payment

from .models import AgendaItem, Attendee, Report

ZERO = Decimal("0.00")
S = Action.Status
RETAINED = Action.RETAINED_STATUSES
UNDER_REVIEW = Action.UNDER_REVIEW_STATUSES
STATUS_GROUPS = [
    ("Déposées", None),
    ("En instruction", UNDER_REVIEW),
    ("Retenues", RETAINED),
    ("Non retenues", (S.REJECTED,)),
    ("Retirées", (S.WITHDRAWN,)),
]
OBJECTIVES = list(LocalAxis.NationalObjective.choices)


class ReportDataError(Exception):
    """The report cannot be built from the data (message in French, shown to the user)."""


def _percent(part, whole):
    if not whole:
        return 0.0
    return round(float(part) * 100 / float(whole), 1)


# --- Actions with everything a sheet needs -----------------------------------------------
def with_sheet_data(queryset):
    """Actions with their budget, indicators, timeline, funding lines and perimeter
    prefetched: a fixed number of queries for any number of actions."""
    return queryset.select_related("cite", "porteur", "local_axis", "call").prefetch_related(
        "partners",
        "priority_areas",
        "schools",
        "indicators",
        Prefetch(
            "budget_lines", queryset=BudgetLine.objects.select_related("funder").order_by("side", "account", "id")
        ),
        Prefetch("transitions", queryset=Transition.objects.select_related("actor").order_by("created_at", "id")),
        Prefetch("funding_lines", queryset=FundingLine.objects.select_related("funder").order_by("funder__name", "id")),
        Prefetch("opinions", queryset=Opinion.objects.order_by("created_at", "id")),
    )


def sheet(action):
    """The figures of one fiche action, computed from prefetched rows."""
    charges = [line for line in action.budget_lines.all() if line.side == BudgetLine.Side.CHARGE]
    produits = [line for line in action.budget_lines.all() if line.side == BudgetLine.Side.PRODUIT]
    charges_total = sum((line.amount_planned for line in charges), ZERO)
    produits_total = sum((line.amount_planned for line in produits), ZERO)
    subsidies = [line for line in produits if line.account == SUBSIDY_ACCOUNT]
    verdicts = Counter(opinion.get_verdict_display() for opinion in action.opinions.all())
    return {
        "action": action,
        "charges": charges,
        "produits": produits,
        "charges_total": charges_total,
        "produits_total": produits_total,
        "balanced": bool(charges_total) and charges_total == produits_total,
        "subsidies": subsidies,
        "subsidies_total": sum((line.amount_planned for line in subsidies), ZERO),
        "funding_lines": list(action.funding_lines.all()),
        "indicators": list(action.indicators.all()),
        "transitions": list(action.transitions.all()),
        "age_bands": action.age_band_labels(),
        "opinions": sorted(verdicts.items()),
    }


def _requested_by_funder(sheets):
    totals = defaultdict(lambda: ZERO)
    for item in sheets:
        for line in item["subsidies"]:
            totals[line.funder_id] += line.amount_planned
    return totals


# --- Money per funder --------------------------------------------------------------------
def funding_by_funder(cite, year):
    """One row per funder (envelopes, money outside envelopes and convention commitment
    together) and the total row — the ledger's figures, as on the overview page."""
    rows = ledger.funder_rows(cite, year)
    return {"rows": rows, "totals": ledger.total(rows), "has_envelopes": any(row.envelope for row in rows)}


# --- Key figures of a year ---------------------------------------------------------------
def key_figures(cite, year, actions):
    """``actions``: the year's proposals (not drafts), as sheets."""
    retained = [item for item in actions if item["action"].status in RETAINED]
    qpvs = {area.pk for item in retained for area in item["action"].priority_areas.all()}
    schools = {school.pk for item in retained for school in item["action"].schools.all()}
    return {
        "year": year,
        "proposals": len(actions),
        "retained": len(retained),
        "rejected": sum(1 for item in actions if item["action"].status == S.REJECTED),
        "budget": sum((item["charges_total"] for item in retained), ZERO),
        "subsidies": sum((item["subsidies_total"] for item in retained), ZERO),
        "participants": sum(item["action"].expected_participants or 0 for item in retained),
        "girls": sum(item["action"].expected_girls or 0 for item in retained),
        "boys": sum(item["action"].expected_boys or 0 for item in retained),
        "qpvs": len(qpvs),
        "schools": len(schools),
    }


def _year_sheets(cite, year):
    queryset = Action.objects.filter(cite=cite, year=year).proposals().order_by("national_objective", "reference", "id")
    return [sheet(action) for action in with_sheet_data(queryset)]


def _by_objective_and_status(sheets):
    table = []
    for value, label in [*OBJECTIVES, (None, "Sans objectif national")]:
        mine = [item["action"] for item in sheets if item["action"].national_objective == value]
        if value is None and not mine:
            continue
        counts = [
            len(mine) if statuses is None else sum(1 for action in mine if action.status in statuses)
            for _, statuses in STATUS_GROUPS
        ]
        table.append({"label": label, "counts": counts})
    totals = [sum(row["counts"][i] for row in table) for i in range(len(STATUS_GROUPS))]
    return {"headers": [label for label, _ in STATUS_GROUPS], "rows": table, "totals": totals}


def _money_by_axis(cite, year, sheets):
    """Per national objective: the budgets and subsidies asked by the retained actions
    (``sheets``), and the money decided (the ledger)."""
    decided = {row.key: row.decided for row in ledger.objective_rows(cite, year)}
    rows = []
    for value, label in [*OBJECTIVES, (None, "Sans objectif national")]:
        mine = [item for item in sheets if item["action"].national_objective == value]
        if value is None and not mine and value not in decided:
            continue
        rows.append(
            {
                "label": label,
                "budget": sum((item["charges_total"] for item in mine), ZERO),
                "requested": sum((item["subsidies_total"] for item in mine), ZERO),
                "decided": decided.get(value, ZERO),
            }
        )
    return rows


def _beneficiaries(cite, year, sheets):
    """Per age band: the actions planning to reach it, and the beneficiaries the
    transmitted bilans report (girls, boys, living in a QPV); a bilan saved but not
    transmitted counts nowhere. Counts only, never names."""
    bands = Counter(code for item in sheets for code in item["action"].age_bands)
    reported = {
        row["age_band"]: row
        for row in BeneficiaryCount.objects.filter(
            bilan__action__cite=cite, bilan__action__year=year, bilan__submitted_at__isnull=False
        )
        .values("age_band")
        .annotate(girls=Sum("girls"), boys=Sum("boys"), qpv=Sum("living_in_qpv"))
        .order_by()
    }
    rows = []
    for code, label in AgeBand.choices:
        row = reported.get(code, {})
        girls, boys, qpv = row.get("girls") or 0, row.get("boys") or 0, row.get("qpv") or 0
        rows.append(
            {
                "label": label,
                "actions": bands.get(code, 0),
                "girls": girls,
                "boys": boys,
                "total": girls + boys,
                "qpv": qpv,
            }
        )
    totals = {key: sum(row[key] for row in rows) for key in ("girls", "boys", "total", "qpv")}
    return {"rows": rows, "totals": totals}


def _chart(rows, value_key, label_key="label"):
    """Rows with their bar width (percent of the largest), for the SVG charts."""
    largest = max((float(row[value_key]) for row in rows), default=0)
    return [
        {"label": row[label_key], "value": row[value_key], "width": _percent(row[value_key], largest)} for row in rows
    ]


# --- Contexts per kind -------------------------------------------------------------------
def action_sheet_context(report):
    action = with_sheet_data(Action.objects.filter(pk=report.action_id)).first()
    if action is None:
        raise ReportDataError("L'action de cette fiche n'existe plus.")
    return "pdf/action_sheet.html", {
        "cite": action.cite,
        "title": f"Fiche action {action.reference or ''}".strip(),
        "sheet": sheet(action),
    }


def evaluation_context(report):
    cite, year = report.cite, report.year
    current = _year_sheets(cite, year)
    previous = _year_sheets(cite, year - 1)
    retained = [item for item in current if item["action"].status in RETAINED]
    funding = funding_by_funder(cite, year)
    figures = key_figures(cite, year, current)
    figures_before = key_figures(cite, year - 1, previous)
    funding_before = funding_by_funder(cite, year - 1)
    leverage = None
    cite_money = funding["totals"].decided or figures["subsidies"]
    if cite_money:
        leverage = (figures["budget"] / cite_money).quantize(Decimal("0.01"))
    qpvs = sorted(
        {area.pk: area for item in retained for area in item["action"].priority_areas.all()}.values(),
        key=lambda area: area.name,
    )
    schools = sorted(
        {school.pk: school for item in retained for school in item["action"].schools.all()}.values(),
        key=lambda school: school.name,
    )
    indicators = [(item["action"], indicator) for item in retained for indicator in item["indicators"]]
    return "pdf/evaluation.html", {
        "cite": cite,
        "year": year,
        "title": f"Rapport annuel d'évaluation {year}",
        "figures": figures,
        "figures_before": figures_before,
        "by_status": _by_objective_and_status(current),
        "funding": funding,
        "funding_before": funding_before,
        "funding_chart": _chart(
            [{"label": row.label, "value": row.envelope or ZERO} for row in funding["rows"]], "value"
        ),
        "money_by_axis": _money_by_axis(cite, year, retained),
        "leverage": leverage,
        "beneficiaries": _beneficiaries(cite, year, retained),
        "indicators": indicators,
        "qpvs": qpvs,
        "schools": schools,
        "sheets": current,
    }


def _meeting_or_error(report):
    if report.meeting_id is None:
        raise ReportDataError("Ce rapport n'est rattaché à aucune réunion.")
    return report.meeting


def _agenda(meeting):
    items = list(meeting.agenda_items.select_related("action").order_by("order", "id"))
    action_ids = [item.action_id for item in items if item.action_id]
    sheets = {action.pk: sheet(action) for action in with_sheet_data(Action.objects.filter(pk__in=action_ids))}
    return [{"item": item, "sheet": sheets.get(item.action_id)} for item in items]


def _funder_columns(sheets):
    funders = {line.funder_id: line.funder for item in sheets for line in item["subsidies"]}
    for item in sheets:
        for line in item["funding_lines"]:
            funders.setdefault(line.funder_id, line.funder)
    return sorted(funders.values(), key=lambda funder: funder.name)


def _proposed_by_funder(item):
    """The amounts proposed by the instruction (funding lines), per funder; a funder
    without any proposed amount is absent (printed « — »)."""
    proposed = {}
    for line in item["funding_lines"]:
        if line.proposed_amount is None or line.status == LineStatus.CANCELLED:
            continue
        proposed[line.funder_id] = proposed.get(line.funder_id, ZERO) + line.proposed_amount
    return proposed


def _programming_row(entry, funders):
    """One line of the COPIL's programming table: per funder, asked then proposed."""
    item = entry["sheet"]
    asked = _requested_by_funder([item])
    proposed = _proposed_by_funder(item)
    verdicts = Counter(opinion.verdict for opinion in item["action"].opinions.all())
    return {
        "item": entry["item"],
        "sheet": item,
        "asked": [asked.get(funder.pk, ZERO) for funder in funders],
        "proposed": [proposed.get(funder.pk) for funder in funders],
        "amounts": [(asked.get(funder.pk, ZERO), proposed.get(funder.pk)) for funder in funders],
        "opinions": [(label, verdicts.get(value, 0)) for value, label in Opinion.Verdict.choices],
        "opinions_count": sum(verdicts.values()),
    }


def _attendance(meeting):
    attendees = list(meeting.attendees.order_by("category", "name", "id"))
    by_category = []
    for value, label in Attendee.Category.choices:
        mine = [a for a in attendees if a.category == value]
        present = sum(1 for a in mine if a.presence == Attendee.Presence.PRESENT)
        by_category.append({"label": label, "present": present, "excused": len(mine) - present, "people": mine})
    present_total = sum(row["present"] for row in by_category)
    return {
        "attendees": attendees,
        "by_category": by_category,
        "present": present_total,
        "excused": len(attendees) - present_total,
    }


def copil_dossier_context(report):
    meeting = _meeting_or_error(report)
    agenda = _agenda(meeting)
    sheets = [entry["sheet"] for entry in agenda if entry["sheet"]]
    funders = _funder_columns(sheets)
    programming = [_programming_row(entry, funders) for entry in agenda if entry["sheet"]]
    asked_totals = [sum((row["asked"][i] for row in programming), ZERO) for i in range(len(funders))]
    proposed_totals = [sum((row["proposed"][i] or ZERO for row in programming), ZERO) for i in range(len(funders))]
    funding = funding_by_funder(meeting.cite, meeting.year)
    consumption = ledger.meeting_rows(meeting)
    return "pdf/copil_dossier.html", {
        "cite": meeting.cite,
        "meeting": meeting,
        "title": f"Dossier – {meeting.title}",
        "agenda": agenda,
        "attendance": _attendance(meeting),
        "funders": funders,
        "programming": programming,
        "asked_totals": asked_totals,
        "proposed_totals": proposed_totals,
        "column_totals": list(zip(asked_totals, proposed_totals, strict=True)),
        "asked_total": sum(asked_totals, ZERO),
        "proposed_total": sum(proposed_totals, ZERO),
        "verdicts": [label for _, label in Opinion.Verdict.choices],
        "budget_total": sum((item["charges_total"] for item in sheets), ZERO),
        "consumption": consumption,
        "consumption_totals": {
            name: sum((getattr(row, name) or ZERO for row in consumption), ZERO)
            for name in ("envelope", "before", "asked", "decided", "after")
        },
        "funding": funding,
        "sheets": sheets,
    }


def copil_minutes_context(report):
    meeting = _meeting_or_error(report)
    agenda = _agenda(meeting)
    decisions = []
    money = ledger.action_figures([entry["sheet"]["action"].pk for entry in agenda if entry["sheet"]])
    for entry in agenda:
        if not entry["sheet"]:
            continue
        lines = [line for line in entry["sheet"]["funding_lines"] if line.status in DECIDED_STATUSES]
        decided = money.get(entry["sheet"]["action"].pk, ledger.Figures()).decided
        decisions.append({**entry, "lines": lines, "decided": decided})
    counts = Counter(entry["item"].decision for entry in decisions)
    return "pdf/copil_minutes.html", {
        "cite": meeting.cite,
        "meeting": meeting,
        "title": f"Compte rendu – {meeting.title}",
        "agenda": agenda,
        "attendance": _attendance(meeting),
        "decisions": decisions,
        "decision_counts": [(label, counts.get(value, 0)) for value, label in AgendaItem.Decision.choices],
        "decided_total": sum((entry["decided"] for entry in decisions), ZERO),
        "funding": funding_by_funder(meeting.cite, meeting.year),
        "generated_at": timezone.now(),
    }


# --- Financial statement -----------------------------------------------------------------
def _line_paid(line):
    return sum((payment.amount for payment in line.payments.all()), ZERO)


def financial_statement_context(report):
    """The cité's financial statement for a year: per envelope (and the money outside
    envelopes, per funder), amount, decided, committed, paid, justified, to recover and
    remaining; per action, its funding lines and payments. A fixed number of queries
    whatever the number of actions."""
    cite, year = report.cite, report.year
    envelope_rows = ledger.envelope_rows(cite, year)
    actions = list(
        Action.objects.filter(cite=cite, year=year, funding_lines__isnull=False)
        .distinct()
        .select_related("porteur")
        .prefetch_related(
            Prefetch(
                "funding_lines",
                queryset=FundingLine.objects.select_related("funder", "envelope")
                .prefetch_related(Prefetch("payments", queryset=Payment.objects.order_by("date", "id")))
                .order_by("funder__name", "id"),
            )
        )
        .order_by("reference", "id")
    )
    money = ledger.action_figures([action.pk for action in actions])
    action_rows = []
    for action in actions:
        lines = list(action.funding_lines.all())
        payments = [(line, payment) for line in lines for payment in line.payments.all()]
        payments.sort(key=lambda pair: (pair[1].date, pair[1].pk))
        action_rows.append(
            {
                "action": action,
                "lines": [{"line": line, "paid": _line_paid(line)} for line in lines],
                "payments": payments,
                "money": money.get(action.pk, ledger.Figures()),
            }
        )
    return "pdf/financial_statement.html", {
        "cite": cite,
        "year": year,
        "title": f"État financier {year}",
        "envelopes": envelope_rows,
        "totals": ledger.total(envelope_rows),
        "actions": action_rows,
        "actions_totals": ledger.total([row["money"] for row in action_rows]),
        "generated_at": timezone.now(),
    }


BUILDERS = {
    Report.Kind.FINANCIAL_STATEMENT: financial_statement_context,
    Report.Kind.ACTION_SHEET: action_sheet_context,
    Report.Kind.EVALUATION: evaluation_context,
    Report.Kind.COPIL_DOSSIER: copil_dossier_context,
    Report.Kind.COPIL_MINUTES: copil_minutes_context,
}
