"""The national view (admin): régions, départements and cités, and their exports."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cites.models import Cite
from core.permissions import ensure_allowed
from core.spreadsheets import csv_response, xlsx_response
from pilotage import stats
from pilotage.forms import YearSwitcherForm

from .common import _chart, _figures, _year, _years_around
from .tables import cite_table, departement_table, region_table


def _national(request):
    ensure_allowed(request.scope.is_admin, "La vue nationale est réservée à l'équipe nationale.")
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
