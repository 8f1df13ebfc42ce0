"""Access decorators: the role checks made before any object is fetched.

The object is always fetched through :func:`accounts.scope.get_visible_or_404` (404
outside the scope, 403 for the wrong role); these decorators only refuse a whole page to
a kind of user, with the same :class:`core.permissions.NotAllowed` (403).
"""

from functools import wraps

from core.permissions import DEFAULT_REFUSAL, ensure_allowed


def require(predicate, message=DEFAULT_REFUSAL):
    """View decorator: 403 unless ``predicate(request.scope)`` holds."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            ensure_allowed(predicate(request.scope), message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def staff_only(view):
    """Cité management pages: admin, coordinator, pilot or préfecture (not partners)."""
    return require(lambda scope: scope.is_staff_of_some_cite)(view)
