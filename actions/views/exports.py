"""Exports of the proposals list, filtered exactly as on screen (CSV and XLSX)."""

from django.http import Http404
from django.views.decorators.http import require_GET

from actions import exports
from actions.filters import filter_actions

RESPONSES = {"csv": exports.csv_response, "xlsx": exports.xlsx_response}


@require_GET
def action_export(request, fmt):
    """Every action of the filtered list (not only the page shown), in the list's order.
    A partner gets its organisations' actions only; nobody gets anything outside their
    scope (``Action.objects.visible_to``)."""
    if fmt not in RESPONSES:
        raise Http404("Format d'export inconnu.")
    actions = filter_actions(request).qs
    headers, rows = exports.table(actions, with_reviewers=not request.scope.is_partner_only)
    return RESPONSES[fmt](headers, rows)
