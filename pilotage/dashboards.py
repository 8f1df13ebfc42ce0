"""Dashboards: the coordinator's home (one cité, one year), the préfecture's side-by-side
view of its départements, the partner's home and the national view (admin).

Every figure comes from :mod:`pilotage.stats` over ``visible_to(user)`` querysets; the
number of queries of each page is fixed (tests assert it at two data sizes). A cité or a
département outside the user's scope, passed in the querystring, answers 404; a page meant
for another role answers 403.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.departements import departement_name
from actions.models import Action, Call, Opinion
from cites.models import Cite
from core.params import MIN_YEAR, int_param, is_portal_year
from core.spreadsheets import Money, csv_response, xlsx_response
from financements.models import Envelope, FundingLine

from . import stats
from .forms import YearSwitcherForm
from .models import Meeting, Report

S = Action.Status
ACTION_ITEMS_LIMIT = 5
CLOSING_SOON = datetime.timedelta(days=14)
PARTNER_PAGE_SIZE = 25


# --- Helpers -----------------------------------------------------------------------------
def _year(request):
    year = int_param(request.GET, "annee")
    if is_portal_year(year):
        return year
    return timezone.localdate().year


def _years_around(year, first=None):
    """The years offered by the switcher: the label's years, the current one, the chosen one."""
    current = timezone.localdate().year
    start = min(first or current - 4, year, current - 4)
    return list(range(max(start, MIN_YEAR), max(current, year) + 2))


def _chart(chart_id, kind, labels, datasets, *, unit="", stacked=False):
    """What ``static/js/charts.js`` draws: floats for the canvas (the table next to it
    shows the exact amounts)."""
    return {
        "id": chart_id,
        "type": kind,
        "unit": unit,
        "stacked": stacked,
        "labels": labels,
        "datasets": [{"label": label, "data": [stats.as_float(value) for value in data]} for label, data in datasets],
    }


# --- Home --------------------------------------------------------------------------------
@require_GET
def home(request):
    """The landing page after login, by role: a coordinator's or a pilot's cité dashboard,
    the préfecture's comparison, the national view, or the partner's home."""
    scope = request.scope
    if scope.cite_ids:
        return cite_dashboard(request)
    if scope.departements:
        return redirect("dashboards:prefecture")
    if scope.is_admin:
        return redirect("dashboards:national")
    if scope.organisations:
        return partner_home(request)
    return render(request, "dashboards/no_role.html", {"page_title": "Accueil"})


# --- Coordinator -------------------------------------------------------------------------
def _default_cite(request, cites):
    scope = request.scope
    for ids in (scope.coordinator_cites, scope.pilot_cites):
        for cite in cites:
            if cite["pk"] in ids:
                return cite["pk"]
    return cites[0]["pk"] if cites else None


def _todo(request, cite):
    """What needs action now in the cité (every year): lists of at most five actions and
    the full counts — a fixed number of queries."""
    user = request.user
    today = timezone.localdate()
    mine = Opinion.objects.filter(action=OuterRef("pk"), author=user)
    any_opinion = Opinion.objects.filter(action=OuterRef("pk"))
    resubmitted = Q(transitions__from_status=S.CHANGES_REQUESTED, transitions__to_status=S.IN_REVIEW)
    actions = (
        Action.objects.visible_to(user)
        .filter(cite=cite)
        .annotate(has_my_opinion=Exists(mine), has_opinion=Exists(any_opinion))
    )
    manages = request.scope.can_manage_cite(cite)
    # A coordinator waits for anyone's avis; a troïka member or the préfecture for their own.
    awaiting = Q(status=S.IN_REVIEW, has_opinion=False) if manages else Q(status=S.IN_REVIEW, has_my_opinion=False)
    bilan_due = Q(status__in=(S.PROGRAMMED, S.IN_PROGRESS), end_date__lt=today) & (
        Q(report__isnull=True) | Q(report__submitted_at__isnull=True)
    )
    answered = Q(status=S.IN_REVIEW, pk__in=Action.objects.filter(resubmitted, cite=cite).values("pk"))
    definitions = [
        ("instruct", "Propositions à instruire", Q(status__in=(S.SUBMITTED, S.IN_REVIEW)), "submitted"),
        ("opinions", "Avis attendus" if manages else "Avis attendus de vous", awaiting, "in_review"),
        ("answered", "Compléments reçus à examiner", answered, "in_review"),
        ("bilans", "Bilans attendus (action terminée)", bilan_due, "in_progress"),
    ]
    counts = actions.aggregate(**{key: Count("pk", filter=condition) for key, _, condition, _ in definitions})
    todo = []
    for key, title, condition, status in definitions:
        items = actions.filter(condition).select_related("porteur").order_by("end_date", "reference", "pk")
        todo.append(
            {
                "key": key,
                "title": title,
                "count": counts[key],
                "items": list(items[:ACTION_ITEMS_LIMIT]),
                "url": f"{reverse('actions:list')}?statut={status}",
            }
        )
    return todo


def cite_figures(actions, cite, year, lines):
    """The key figures and the charts of one cité and year (``actions`` and ``lines``:
    the user's scoped querysets)."""
    by_status = stats.actions_by_status(actions)
    by_status["rows"] = [row for row in by_status["rows"] if row["status"] != S.DRAFT]
    by_objective = stats.actions_by_objective(actions)
    money = stats.money_by_funder(cite, year, lines)
    people = stats.beneficiaries(actions)
    reached = stats.reach(actions)
    charts = {
        "status": _chart(
            "chart-status",
            "bar",
            [row["label"] for row in by_status["rows"]],
            [("Actions", [row["count"] for row in by_status["rows"]])],
        ),
        "objective": _chart(
            "chart-objective",
            "bar",
            [row["label"] for row in by_objective["rows"]],
            [("Actions", [row["count"] for row in by_objective["rows"]])],
        ),
        "money": _chart(
            "chart-money",
            "bar",
            [row["label"] for row in money["rows"]],
            [
                ("Enveloppe", [row["envelope"] or 0 for row in money["rows"]]),
                ("Décidé", [row["decided"] for row in money["rows"]]),
                ("Versé", [row["paid"] for row in money["rows"]]),
            ],
            unit="euros",
        ),
        "beneficiaries": _chart(
            "chart-beneficiaries",
            "bar",
            [row["label"] for row in people["rows"]],
            [
                ("Filles prévues", [row["planned_girls"] for row in people["rows"]]),
                ("Garçons prévus", [row["planned_boys"] for row in people["rows"]]),
                ("Filles (bilans)", [row["reported_girls"] for row in people["rows"]]),
                ("Garçons (bilans)", [row["reported_boys"] for row in people["rows"]]),
            ],
        ),
    }
    return {
        "by_status": by_status,
        "by_objective": by_objective,
        "money": money,
        "beneficiaries": people,
        "reach": reached,
        "charts": charts,
    }


@require_GET
def cite_dashboard(request):
    user = request.user
    cites = list(Cite.objects.visible_to(user).order_by("name", "pk").values("pk", "name"))
    cite_pk = int_param(request.GET, "cite")
    if request.GET.get("cite") and cite_pk is None:
        raise Http404("Cité introuvable.")
    if cite_pk is None:
        cite_pk = _default_cite(request, cites)
        if cite_pk is None:
            raise Http404("Aucune cité éducative dans votre périmètre.")
    cite = get_object_or_404(Cite.objects.visible_to(user), pk=cite_pk)
    year = _year(request)
    now = timezone.now()

    # Proposals only: a draft belongs to its porteur (the admin, who reads drafts, sees
    # the same figures as the coordination).
    actions = Action.objects.visible_to(user).proposals().filter(cite=cite, year=year)
    figures = cite_figures(actions, cite, year, FundingLine.objects.visible_to(user))
    meetings = list(
        Meeting.objects.visible_to(user).filter(cite=cite, starts_at__gte=now).order_by("starts_at", "pk")[:3]
    )
    calls = [
        {"call": call, "is_open": call.opens_at <= now, "closing_soon": call.closes_at - now <= CLOSING_SOON}
        for call in Call.objects.visible_to(user).filter(cite=cite, closes_at__gt=now).order_by("closes_at", "pk")[:5]
    ]
    return render(
        request,
        "dashboards/cite.html",
        {
            "cite": cite,
            "year": year,
            "switcher": YearSwitcherForm(
                path=request.path, years=_years_around(year, cite.label_start.year), year=year, cites=cites, cite=cite
            ),
            "todo": _todo(request, cite),
            "meetings": meetings,
            "calls": calls,
            "can_manage": request.scope.can_manage_cite(cite),
            "page_title": f"Tableau de bord – {cite.name} – {year}",
            **figures,
        },
    )


# --- Préfecture --------------------------------------------------------------------------
SORTS = {
    "nom": "name",
    "departement": "departement",
    "enveloppe": "envelope",
    "decide": "decided",
    "taux": "consumption_rate",
    "verse": "paid",
    "actions": "actions",
    "programmees": "programmed",
    "bilans": "bilans",
    "copil": "last_copil",
    "rapports": "reports",
}
COLUMNS = [
    ("nom", "Cité éducative"),
    ("departement", "Département"),
    ("enveloppe", "Enveloppes"),
    ("decide", "Décidé"),
    ("taux", "Consommation"),
    ("verse", "Versé"),
    ("actions", "Propositions"),
    ("programmees", "Programmées"),
    ("bilans", "Bilans reçus"),
    ("copil", "Dernier COPIL"),
    ("rapports", "Rapports d'évaluation"),
]


def _sorted(rows, request):
    sort = request.GET.get("tri", "nom")
    if sort not in SORTS:
        sort = "nom"
    descending = request.GET.get("ordre") == "desc"
    field = SORTS[sort]
    present = [row for row in rows if row[field] is not None]
    missing = [row for row in rows if row[field] is None]
    present.sort(key=lambda row: (row[field], row["name"]), reverse=descending)
    return present + missing, sort, descending


def _columns(request, sort, descending):
    columns = []
    for key, label in COLUMNS:
        query = request.GET.copy()
        query["tri"] = key
        query["ordre"] = "asc" if key == sort and descending else ("desc" if key == sort else "asc")
        query.pop("page", None)
        columns.append(
            {
                "key": key,
                "label": label,
                "url": f"?{query.urlencode()}",
                "aria_sort": ("descending" if descending else "ascending") if key == sort else "",
            }
        )
    return columns


def _figures(user, cites, year):
    return stats.figures_by_cite(
        cites,
        year,
        actions=Action.objects.visible_to(user),
        envelopes=Envelope.objects.visible_to(user),
        lines=FundingLine.objects.visible_to(user),
        meetings=Meeting.objects.visible_to(user),
        reports=Report.objects.visible_to(user),
    )


def _prefecture_scope(request):
    """The départements the page may show and the selected ones (403 / 404)."""
    scope = request.scope
    if not (scope.departements or scope.is_admin):
        raise PermissionDenied("Cette page est réservée aux services de l'État.")
    if scope.is_admin:
        available = sorted(set(Cite.objects.order_by().values_list("departement", flat=True)))
    else:
        available = sorted(scope.departements)
    chosen = request.GET.get("departement", "")
    if chosen and chosen not in available:
        raise Http404("Département hors de votre périmètre.")
    selected = [chosen] if chosen else available
    return available, chosen, selected


def _prefecture_rows(request):
    available, chosen, selected = _prefecture_scope(request)
    year = _year(request)
    cites = Cite.objects.visible_to(request.user).filter(departement__in=selected)
    rows = _figures(request.user, cites, year)
    return available, chosen, year, rows


@require_GET
def prefecture_dashboard(request):
    available, chosen, year, rows = _prefecture_rows(request)
    rows, sort, descending = _sorted(rows, request)
    query = request.GET.copy()
    query.pop("tri", None)
    query.pop("ordre", None)
    return render(
        request,
        "dashboards/prefecture.html",
        {
            "rows": rows,
            "total": stats.total_row(rows),
            "year": year,
            "switcher": YearSwitcherForm(
                path=request.path,
                years=_years_around(year),
                year=year,
                departements=[(code, departement_name(code)) for code in available],
                departement=chosen,
            ),
            "columns": _columns(request, sort, descending),
            "export_query": request.GET.urlencode(),
            "page_title": f"Cités éducatives de vos départements – {year}",
        },
    )


# --- Exports -----------------------------------------------------------------------------
FIGURE_HEADERS = [
    "Enveloppes (€)", "Décidé (€)", "Consommation (%)", "Versé (€)", "Propositions", "Programmées",
    "Bilans reçus", "Dernier COPIL", "Rapports d'évaluation",
]  # fmt: skip


def _figure_cells(row):
    return [
        Money(row["envelope"]),
        Money(row["decided"]),
        row["consumption_rate"],
        Money(row["paid"]),
        row["actions"],
        row["programmed"],
        row["bilans"],
        row["last_copil"],
        row["reports"],
    ]


def cite_table(rows):
    headers = ["Cité éducative", "Département", "Région", *FIGURE_HEADERS]
    return headers, [
        [row["name"], f"{row['departement']} – {row['departement_name']}", row["region"], *_figure_cells(row)]
        for row in rows
    ]


def departement_table(groups):
    headers = ["Département", "Région", "Cités", *FIGURE_HEADERS]
    return headers, [
        [f"{group['key']} – {group['label']}", group["region"], group["cites"], *_figure_cells(group)]
        for group in groups
    ]


def region_table(groups):
    headers = ["Région", "Cités", *FIGURE_HEADERS]
    return headers, [[group["label"], group["cites"], *_figure_cells(group)] for group in groups]


@require_GET
def prefecture_export(request, fmt):
    _, chosen, year, rows = _prefecture_rows(request)
    rows, _, _ = _sorted(rows, request)
    headers, table = cite_table(rows)
    name = f"cites-educatives-{chosen or 'departements'}-{year}"
    if fmt == "xlsx":
        return xlsx_response([(f"Cités {year}", headers, table)], f"{name}.xlsx")
    return csv_response(headers, table, f"{name}.csv")


# --- National ----------------------------------------------------------------------------
def _national(request):
    if not request.scope.is_admin:
        raise PermissionDenied("La vue nationale est réservée à l'équipe nationale.")
    year = _year(request)
    rows = _figures(request.user, Cite.objects.visible_to(request.user), year)
    regions = stats.group_rows(rows, "region")
    departements = stats.group_rows(rows, "departement", "departement_name")
    return year, rows, regions, departements


@require_GET
def national_dashboard(request):
    year, rows, regions, departements = _national(request)
    chart = _chart(
        "chart-regions",
        "bar",
        [group["label"] for group in regions],
        [
            ("Enveloppes", [group["envelope"] for group in regions]),
            ("Décidé", [group["decided"] for group in regions]),
            ("Versé", [group["paid"] for group in regions]),
        ],
        unit="euros",
    )
    return render(
        request,
        "dashboards/national.html",
        {
            "year": year,
            "switcher": YearSwitcherForm(path=request.path, years=_years_around(year), year=year),
            "regions": regions,
            "departements": departements,
            "total": stats.total_row(rows),
            "chart": chart,
            "page_title": f"Vue nationale – {year}",
        },
    )


LEVELS = {"region": "Régions", "departement": "Départements", "cite": "Cités"}


@require_GET
def national_export(request, fmt):
    year, rows, regions, departements = _national(request)
    tables = {
        "region": region_table(regions),
        "departement": departement_table(departements),
        "cite": cite_table(rows),
    }
    if fmt == "xlsx":
        sheets = [(f"{LEVELS[level]} {year}", *tables[level]) for level in LEVELS]
        return xlsx_response(sheets, f"cites-educatives-national-{year}.xlsx")
    level = request.GET.get("niveau", "region")
    if level not in tables:
        raise Http404("Niveau inconnu.")
    return csv_response(*tables[level], f"cites-educatives-{level}s-{year}.csv")


# --- Partner -----------------------------------------------------------------------------
NEXT_STEPS = {
    S.DRAFT: "Compléter et déposer la proposition",
    S.SUBMITTED: "En attente de l'instruction par la coordination",
    S.IN_REVIEW: "En cours d'instruction",
    S.CHANGES_REQUESTED: "Répondre aux demandes de compléments",
    S.PROGRAMMED: "Démarrer l'action",
    S.REJECTED: "Aucune (proposition non retenue)",
    S.WITHDRAWN: "Aucune (proposition retirée)",
    S.IN_PROGRESS: "Transmettre le bilan à la fin de l'action",
    S.REPORTED: "Bilan transmis : clôture par la coordination",
    S.CLOSED: "Aucune (action clôturée)",
}
PARTNER_NEXT_STEP_STATUSES = (S.DRAFT, S.CHANGES_REQUESTED, S.PROGRAMMED, S.IN_PROGRESS)


@require_GET
def partner_home(request):
    scope = request.scope
    if not scope.organisations:
        raise PermissionDenied("Cette page est réservée aux porteurs de projet.")
    user = request.user
    actions = (
        Action.objects.visible_to(user)
        .filter(porteur_id__in=scope.organisations)
        .select_related("cite", "porteur")
        .order_by("-year", "reference", "pk")
    )
    page = Paginator(actions, PARTNER_PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [action.pk for action in page.object_list]
    money = stats.money_per_action(ids, FundingLine.objects.visible_to(user))
    rows = [
        {
            "action": action,
            "next_step": NEXT_STEPS.get(action.status, ""),
            "to_do": action.status in PARTNER_NEXT_STEP_STATUSES,
            "decided": money[action.pk].decided,
            "paid": money[action.pk].paid,
            "to_recover": money[action.pk].to_recover,
        }
        for action in page.object_list
    ]
    calls = list(
        Call.objects.open_now()
        .filter(cite__organisations__in=scope.organisations)
        .distinct()
        .select_related("cite")
        .order_by("closes_at", "pk")[:10]
    )
    return render(
        request,
        "dashboards/partner.html",
        {
            "rows": rows,
            "page_obj": page,
            "calls": calls,
            "page_title": "Mes actions et appels à projets",
        },
    )
