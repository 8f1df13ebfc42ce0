"""The one fetch entry point, ``accounts.scope.get_visible_or_404``: 404 outside the scope
(or no such object), 403 (``NotAllowed``) for the wrong role, never a 403 that reveals an
object the user may not see."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from accounts.scope import get_visible_or_404
from cites import permissions
from cites.models import Cite, Convention
from core.permissions import NotAllowed, ensure_allowed
from tests.factories import ConventionFactory


def test_returns_the_visible_object_for_a_user_or_a_request(world):
    request = RequestFactory().get("/")
    request.user = world.a.pilot
    assert get_visible_or_404(world.a.pilot, Cite, pk=world.a.cite.pk) == world.a.cite
    assert get_visible_or_404(request, Cite.objects.select_related("lead_school"), pk=world.a.cite.pk) == world.a.cite


def test_outside_the_scope_or_missing_is_a_404(world):
    for user, pk in ((world.a.coordinator, world.b.cite.pk), (world.a.partner, world.a.cite.pk), (world.admin, 0)):
        with pytest.raises(Http404):
            get_visible_or_404(user, Cite, pk=pk)


def test_a_queryset_is_narrowed_by_the_scope_too(world):
    """A queryset handed in (here every cité) never widens what the user sees."""
    with pytest.raises(Http404):
        get_visible_or_404(world.a.coordinator, Cite.objects.all(), pk=world.b.cite.pk)


def test_the_wrong_role_is_a_403_with_the_predicate_refusal(world):
    convention = ConventionFactory(cite=world.a.cite)
    with pytest.raises(NotAllowed, match="Seule la coordination de la cité modifie ses conventions."):
        get_visible_or_404(world.a.pilot, Convention, pk=convention.pk, allowed=permissions.can_manage_convention)
    with pytest.raises(PermissionDenied, match="Autre refus"):
        get_visible_or_404(
            world.a.pilot,
            Convention,
            pk=convention.pk,
            allowed=permissions.can_manage_convention,
            refusal="Autre refus",
        )
    assert (
        get_visible_or_404(world.a.coordinator, Convention, pk=convention.pk, allowed=permissions.can_manage_convention)
        == convention
    )


def test_outside_the_scope_the_role_is_never_checked(world):
    """404 first: a coordinator of cité B learns nothing of cité A's convention."""
    convention = ConventionFactory(cite=world.a.cite)
    with pytest.raises(Http404):
        get_visible_or_404(world.b.coordinator, Convention, pk=convention.pk, allowed=lambda user, obj: False)


def test_not_allowed_is_the_403_of_django():
    assert issubclass(NotAllowed, PermissionDenied)
    ensure_allowed(True, "jamais")
    with pytest.raises(NotAllowed, match="Refusé.") as refused:
        ensure_allowed(False, "Refusé.")
    assert refused.value.message == "Refusé."
