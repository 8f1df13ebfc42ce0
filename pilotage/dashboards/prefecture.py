"""The préfecture's side-by-side view of the cités of its départements, and its export."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.departements import departement_name
from cites.models import Cite
from core.permissions import ensure_allowed
from core.spreadsheets import csv_response, xlsx_response
from pilotage import stats
from pilotage.forms import YearSwitcherForm

from .common import _figures, _year, _years_around
from .tables import cite_table

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


def _prefecture_scope(request):
    """The départements the page may show and the selected ones (403 / 404)."""
    scope = request.scope
    ensure_allowed(scope.departements or scope.is_admin, "Cette page est réservée aux services de l'État.")
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


@require_GET
def prefecture_export(request, fmt):
    _, chosen, year, rows = _prefecture_rows(request)
    rows, _, _ = _sorted(rows, request)
    headers, table = cite_table(rows)
    name = f"cites-educatives-{chosen or 'departements'}-{year}"
    if fmt == "xlsx":
        return xlsx_response([(f"Cités {year}", headers, table)], f"{name}.xlsx")
    return csv_response(headers, table, f"{name}.csv")
