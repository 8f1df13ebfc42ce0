"""Dashboards: the coordinator's home (one cité, one year), the préfecture's side-by-side
view of its départements, the partner's home and the national view (admin).

Every figure comes from :mod:`pilotage.stats` over ``visible_to(user)`` querysets; the
number of queries of each page is fixed (tests assert it at two data sizes). A cité or a
département outside the user's scope, passed in the querystring, answers 404 (the cité
through :func:`accounts.scope.get_visible_or_404`); a page meant for another role
answers 403.

- :mod:`.cite`: a cité's dashboard; :mod:`.prefecture`: the préfecture's comparison;
  :mod:`.national`: the national view; :mod:`.partner`: the partner's home;
  :mod:`.tables`: the figures as spreadsheet tables; :mod:`.common`: shared helpers.
"""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from .cite import cite_dashboard, cite_figures
from .national import national_dashboard, national_export
from .partner import partner_home
from .prefecture import prefecture_dashboard, prefecture_export

__all__ = [
    "cite_dashboard",
    "cite_figures",
    "home",
    "national_dashboard",
    "national_export",
    "partner_home",
    "prefecture_dashboard",
    "prefecture_export",
]


@require_GET
def home(request):
    """The landing page after login, by role: a coordinator's or a pilot's cité dashboard,
    the préfecture's comparison, the national view, or the partner's home."""
    scope = request.scope
    if scope.cite_ids:
        return cite_dashboard(request)
    if scope.departements:
        return redirect("pilotage:dashboard_prefecture")
    if scope.is_admin:
        return redirect("pilotage:dashboard_national")
    if scope.organisations:
        return partner_home(request)
    return render(request, "dashboards/no_role.html", {"page_title": "Accueil"})
