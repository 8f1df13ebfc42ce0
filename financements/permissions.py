"""Pure permission predicates on already-scoped objects (no query: they read the scope).

Objects come from ``visible_to(user)`` first (404 outside the scope); these predicates
decide the role (403 inside the scope). The coordination of a cité (and the national
team) edits money; pilots and the préfecture read; partners read their own actions' lines.
"""

from accounts.scope import Scope

# The role that moves funding lines along their life (see services.TRANSITIONS).
COORDINATION = "coordination"


def can_manage_funding(user, cite):
    return Scope.for_user(user).can_manage_cite(cite)


def funding_roles(user, cite):
    """The roles ``user`` holds on the money of ``cite``, as the transition table names them."""
    return frozenset({COORDINATION}) if can_manage_funding(user, cite) else frozenset()


def is_porteur(user, action):
    return action.porteur_id in Scope.for_user(user).organisations
