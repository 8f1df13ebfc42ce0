"""Access decorators and mixins: one permission system for every view.

The object is always fetched from a scoped queryset first (404 outside the scope);
these helpers only add the role check (403 inside the scope, wrong role).
"""

from functools import wraps

from django.core.exceptions import PermissionDenied


def require(predicate):
    """View decorator: 403 unless ``predicate(request.scope)`` holds."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not predicate(request.scope):
                raise PermissionDenied("Votre rôle ne permet pas cette opération.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def staff_only(view):
    """Cité management pages: admin, coordinator, pilot or préfecture (not partners)."""
    return require(lambda scope: scope.is_staff_of_some_cite)(view)


class ScopedObjectMixin:
    """For class-based views: the queryset is ``model.objects.visible_to(user)``."""

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user)
