"""The proposals list's filters and sort, shared by the list page and its exports so that
both always give the same actions in the same order."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from cites.models import Cite
from core.params import int_param

from .models import Action

SORTS = {
    "reference": ("reference", "id"),
    "titre": ("title", "id"),
    "porteur": ("porteur__name", "id"),
    "depot": ("-submitted_at", "id"),
    "statut": ("status", "id"),
}
DEFAULT_SORT = ("-year", "reference", "id")
ID_FILTERS = ("appel", "axe", "qpv", "porteur")


@dataclass
class ActionFilter:
    base: QuerySet  # every action the user may see (for the filters' choices)
    actions: QuerySet  # filtered and sorted
    cites: list  # [{"pk", "name"}] offered by the « Cité » filter
    cite_pk: int | None  # the chosen cité
    filter_cite: int | None  # the cité whose calls, axes, QPV and porteurs are offered
    selected: dict
    status: str
    sort: str
    mine: bool


def list_cites(request, base):
    """The cités offered by the list's « Cité » filter: every cité for the admin, else the
    cités the user reads plus those of the actions they see as porteur — one query."""
    cites = Cite.objects.order_by("name", "pk")
    if not request.scope.is_admin:
        cites = cites.filter(request.scope.cite_filter() | Q(pk__in=base.values("cite_id")))
    return list(cites.values("pk", "name"))


def filter_actions(request):
    """The actions the user sees in the list, with the querystring's filters and sort
    (404 for a cité outside the user's list)."""
    params = request.GET
    base = Action.objects.visible_to(request.user)
    cites = list_cites(request, base)
    cite_pk = int_param(params, "cite")
    if params.get("cite") and cite_pk not in {cite["pk"] for cite in cites}:
        raise Http404("Cité introuvable.")
    filter_cite = cite_pk or (cites[0]["pk"] if len(cites) == 1 else None)
    actions = base
    if cite_pk:
        actions = actions.filter(cite_id=cite_pk)
    mine = params.get("rapporteur") == "moi"
    if mine:
        actions = actions.filter(reviewers=request.user)
    selected = {name: int_param(params, name) for name in ID_FILTERS}
    if selected["appel"]:
        actions = actions.filter(call_id=selected["appel"])
    if selected["axe"]:
        actions = actions.filter(local_axis_id=selected["axe"])
    if selected["qpv"]:
        actions = actions.filter(priority_areas=selected["qpv"]).distinct()
    if selected["porteur"]:
        actions = actions.filter(porteur_id=selected["porteur"])
    status = params.get("statut", "")
    if status in Action.Status.values:
        actions = actions.filter(status=status)
    sort = params.get("tri", "")
    actions = actions.order_by(*SORTS.get(sort, DEFAULT_SORT))
    return ActionFilter(
        base=base,
        actions=actions,
        cites=cites,
        cite_pk=cite_pk,
        filter_cite=filter_cite,
        selected=selected,
        status=status,
        sort=sort,
        mine=mine,
    )


def export_querystring(request):
    """The list's querystring without the page number (an export has every page)."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
