"""Pure permission predicates on already-scoped objects (no query: they read the scope)."""

from accounts.scope import Scope
from core.permissions import refusal


@refusal("Seule la coordination de la cité peut modifier ces informations.")
def can_manage_cite(user, cite):
    return Scope.for_user(user).can_manage_cite(cite)


@refusal("Seule la coordination de la cité modifie ses conventions.")
def can_manage_convention(user, convention):
    return Scope.for_user(user).can_manage_cite(convention.cite)


def can_edit_organisation(user, organisation, organisation_cite_ids):
    """Admin; a coordinator of a cité the organisation works in; its own partner staff."""
    scope = Scope.for_user(user)
    return (
        scope.is_admin
        or bool(scope.coordinator_cites & set(organisation_cite_ids))
        or organisation.pk in scope.organisations
    )


def can_create_organisation(user):
    scope = Scope.for_user(user)
    return scope.is_admin or bool(scope.coordinator_cites)


@refusal("Seuls les référents de l'organisation (ou l'administration nationale) gèrent ses membres.")
def can_manage_members(user, membership_or_organisation):
    """Its référents and the national administration; never a cité's coordinator."""
    organisation_id = getattr(membership_or_organisation, "organisation_id", membership_or_organisation.pk)
    return Scope.for_user(user).can_manage_members(organisation_id)
