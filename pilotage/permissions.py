"""Pure permission predicates on already-scoped objects (no query: they read the scope).

Objects come from ``accounts.scope.get_visible_or_404`` (404 outside the scope); these
decide the role (403 inside the scope), with their refusal.
"""

from accounts.scope import Scope
from core.permissions import refusal

from .models import Report

CITE_KINDS = (
    Report.Kind.EVALUATION,
    Report.Kind.FINANCIAL_STATEMENT,
    Report.Kind.COPIL_DOSSIER,
    Report.Kind.COPIL_MINUTES,
)


def generable_kinds(user, cite):
    """The cité-level report kinds this user may generate: all of them for the
    coordination, the evaluation report for the préfecture of the département."""
    scope = Scope.for_user(user)
    if scope.can_manage_cite(cite):
        return list(CITE_KINDS)
    if cite.departement in scope.departements:
        return [Report.Kind.EVALUATION]
    return []


def can_generate(user, cite, kind):
    return kind in generable_kinds(user, cite)


def can_generate_action_sheet(user, action):
    """The coordination of the action's cité, or the porteur (partners: their own actions)."""
    scope = Scope.for_user(user)
    return scope.can_manage_cite(action.cite) or action.porteur_id in scope.organisations


@refusal("Seuls le demandeur du rapport et la coordination de la cité annulent sa génération.")
def can_cancel_report(user, report):
    """Cancelling a queued report: whoever asked for it, or the coordination of its cité."""
    return report.requested_by_id == user.pk or Scope.for_user(user).can_manage_cite(report.cite)


def can_manage_meetings(user, cite):
    return Scope.for_user(user).can_manage_cite(cite)


@refusal("Seule la coordination de la cité gère ses réunions.")
def can_manage_meeting(user, meeting):
    """Editing a meeting (form, attendees, agenda, decisions): the coordination of its cité."""
    return can_manage_meetings(user, meeting.cite)


def can_manage_meeting_documents(user, meeting):
    """Adding or removing a meeting's documents: the coordination of its cité."""
    return can_manage_meetings(user, meeting.cite)


@refusal("Seule la coordination de la cité programme une action.")
def can_programme(user, action):
    """Programming an action (in or outside a COPIL): the coordination of its cité."""
    return Scope.for_user(user).can_manage_cite(action.cite)
