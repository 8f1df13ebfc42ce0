"""Pure permission predicates on already-scoped objects (no query: they read the scope).

The object always comes from ``accounts.scope.get_visible_or_404`` (404 outside the
scope); these predicates decide the role (403 inside the scope), with their refusal.
"""

from accounts.models import Role
from accounts.scope import Scope
from core.permissions import refusal

PORTEUR = "porteur"
COORDINATION = "coordination"


def workflow_roles(user, action):
    """The roles the user holds on this action for the state machine."""
    scope = Scope.for_user(user)
    roles = set()
    if action.porteur_id in scope.organisations:
        roles.add(PORTEUR)
    if scope.can_manage_cite(action.cite):
        roles.add(COORDINATION)
    return roles


@refusal("Seul le porteur de projet modifie sa proposition.")
def is_porteur(user, action):
    return action.porteur_id in Scope.for_user(user).organisations


def is_cite_staff(user, action):
    """Admin, coordinator, pilot or préfecture agent reading the action's cité."""
    return Scope.for_user(user).can_read_cite(action.cite)


def can_manage_calls(user, cite):
    return Scope.for_user(user).can_manage_cite(cite)


def can_create_proposal(user):
    return bool(Scope.for_user(user).organisations)


def can_edit_action(user, action):
    """Only the porteur edits, and only a draft or a proposal sent back for changes."""
    return is_porteur(user, action) and action.is_editable


def can_instruct(user, action):
    return Scope.for_user(user).can_manage_cite(action.cite)


def can_see_opinions(user, action):
    """Opinions and internal notes: cité staff only, never the porteur."""
    return is_cite_staff(user, action)


def can_give_opinion(user, action):
    roles = Scope.for_user(user).roles_for_cite(action.cite)
    return bool(roles & {"admin", Role.COORDINATOR, Role.PILOT, Role.PREFECTURE}) and (
        action.status != action.Status.DRAFT
    )


def can_add_note(user, action):
    return is_cite_staff(user, action)


def can_read_messages(user, action):
    return is_porteur(user, action) or is_cite_staff(user, action)


def can_post_message(user, action):
    """The thread is between the coordination and the porteur."""
    return action.status != action.Status.DRAFT and (is_porteur(user, action) or can_instruct(user, action))


def is_instructing(user, action):
    """Admin, or the coordination or a pilot of the action's cité (not the préfecture)."""
    return bool(Scope.for_user(user).roles_for_cite(action.cite) & {"admin", Role.COORDINATOR, Role.PILOT})


@refusal("Les pièces jointes sont réservées au porteur et à l'instruction.")
def can_read_attachments(user, action):
    """Statutes, RIB, accounts: the porteur and the instruction of the cité only."""
    return is_porteur(user, action) or is_instructing(user, action)


def can_manage_attachments(user, action):
    return can_edit_action(user, action)


def can_allow_early_bilan(user, action):
    """Letting a bilan be transmitted before the end of the action: the coordination of
    the cité (coordinator or admin)."""
    return Scope.for_user(user).can_manage_cite(action.cite)
