"""The one refusal of the portal: « your role does not allow this » (403).

Services raise :class:`NotAllowed` when the acting user's role does not allow an
operation; views raise it through :func:`ensure_allowed` (or the decorators of
:mod:`accounts.decorators`). It is a ``PermissionDenied``, so Django answers it with the
French 403 page (``templates/403.html``) wherever it is raised: no view converts it.
Outside the user's scope the answer is 404, never this (see ``accounts.scope``).
"""

from django.core.exceptions import PermissionDenied

DEFAULT_REFUSAL = "Votre rôle ne permet pas cette opération."


class NotAllowed(PermissionDenied):
    """The user sees the object but their role does not allow this operation (403)."""

    def __init__(self, message=DEFAULT_REFUSAL):
        super().__init__(message)
        self.message = message


def refusal(message):
    """Decorator naming the French refusal of a permission predicate ``(user, obj)``: the
    message :func:`accounts.scope.get_visible_or_404` gives when the predicate is false."""

    def decorator(predicate):
        predicate.refusal = message
        return predicate

    return decorator


def ensure_allowed(allowed, message=DEFAULT_REFUSAL):
    """Raise :class:`NotAllowed` with ``message`` unless ``allowed`` is true."""
    if not allowed:
        raise NotAllowed(message)
