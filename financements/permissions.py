"""Pure permission predicates on already-scoped objects (no query: they read the scope).

Objects come from ``accounts.scope.get_visible_or_404`` (404 outside the scope); these
predicates decide the role (403 inside the scope), with their refusal. The coordination of a cité (and the national
team) edits money; pilots and the préfecture read; partners read their own actions' lines.
"""

from accounts.scope import Scope
from core.permissions import refusal

# The role that moves funding lines along their life (see services.TRANSITIONS).
COORDINATION = "coordination"

READ_ONLY = "Votre rôle permet de consulter les financements de la cité, pas de les modifier."


@refusal(READ_ONLY)
def can_manage_funding(user, cite):
    return Scope.for_user(user).can_manage_cite(cite)


@refusal(READ_ONLY)
def can_manage_envelope(user, envelope):
    return can_manage_funding(user, envelope.cite)


@refusal(READ_ONLY)
def can_manage_line(user, line):
    return can_manage_funding(user, line.action.cite)


def funding_roles(user, cite):
    """The roles ``user`` holds on the money of ``cite``, as the transition table names them."""
    return frozenset({COORDINATION}) if can_manage_funding(user, cite) else frozenset()


def is_porteur(user, action):
    return action.porteur_id in Scope.for_user(user).organisations
