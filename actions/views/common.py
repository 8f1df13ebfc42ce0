"""Helpers shared by the action views: breadcrumbs, and the querysets the views hand to
:func:`accounts.scope.get_visible_or_404` (404 outside the scope, 403 for the wrong role).
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from actions.models import Action

PAGE_SIZE = 25

# An action page's action with what its page shows (narrowed by visible_to at each fetch).
ACTIONS = Action.objects.select_related("cite", "call", "porteur", "local_axis")


def _crumbs(*extra):
    return [("Actions", reverse("actions:list")), *extra]


def _not_editable(request, action):
    messages.error(request, f"Cette proposition n'est plus modifiable (statut « {action.get_status_display()} »).")
    return redirect(action)


def _edit_crumbs(action):
    return _crumbs((action.title, action.get_absolute_url()))
