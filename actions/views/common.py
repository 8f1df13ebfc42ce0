"""Helpers shared by the action views: breadcrumbs and the scoped look-ups
(``Action.objects.visible_to(user)`` first: 404 outside the scope, then the role check).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from actions import permissions
from actions.models import Action

PAGE_SIZE = 25


def _crumbs(*extra):
    return [("Actions", reverse("actions:list")), *extra]


def _visible_action(request, pk):
    return get_object_or_404(
        Action.objects.visible_to(request.user).select_related("cite", "call", "porteur", "local_axis"), pk=pk
    )


def _porteur_action(request, pk):
    """The action, for its porteur only (403 for other roles)."""
    action = _visible_action(request, pk)
    if not permissions.is_porteur(request.user, action):
        raise PermissionDenied("Seul le porteur de projet modifie sa proposition.")
    return action


def _not_editable(request, action):
    messages.error(request, f"Cette proposition n'est plus modifiable (statut « {action.get_status_display()} »).")
    return redirect(action)


def _edit_crumbs(action):
    return _crumbs((action.title, action.get_absolute_url()))
