"""A funding line's life: the declared table :data:`TRANSITIONS`, the role check, and
:func:`move`, through which every status change goes."""

from dataclasses import dataclass

from core.permissions import NotAllowed
from financements import permissions
from financements.models import LineStatus, LineTransition
from financements.permissions import COORDINATION

from .errors import FundingError

S = LineStatus


@dataclass(frozen=True)
class Rule:
    sources: tuple
    target: str
    roles: frozenset
    label: str  # the button or screen, in French
    comment_required: bool = False
    event: str = ""  # e-mail notification template, if any (none yet for money)
    # Offered by the « Changer le statut » form (change_status); the others have their own
    # screen, because they carry data: an amount, a legal act, a payment, a titre de recette.
    on_status_form: bool = False


MANAGERS = frozenset({COORDINATION})

TRANSITIONS = {
    # Amounts screen, programming table, COPIL decisions (set_amounts_bulk).
    "decide": Rule((S.REQUESTED, S.REJECTED), S.DECIDED, MANAGERS, "Décider le montant"),
    "reject": Rule((S.REQUESTED, S.DECIDED), S.REJECTED, MANAGERS, "Refuser le financement", on_status_form=True),
    "reopen": Rule((S.DECIDED, S.REJECTED), S.REQUESTED, MANAGERS, "Revenir à « Demandé »", on_status_form=True),
    # Legal act screen (record_legal_act).
    "commit": Rule((S.DECIDED,), S.COMMITTED, MANAGERS, "Enregistrer l'acte juridique"),
    # Payment screen (record_payment): when the payments reach the decided amount.
    "pay": Rule((S.COMMITTED,), S.PAID, MANAGERS, "Enregistrer un versement"),
    "justify": Rule((S.COMMITTED, S.PAID), S.JUSTIFIED, MANAGERS, "Valider le bilan (justifié)", on_status_form=True),
    # The bilan shows less spent than paid: the porteur owes ``amount_to_recover``.
    "claim": Rule(
        (S.COMMITTED, S.PAID, S.JUSTIFIED), S.TO_RECOVER, MANAGERS, "Demander un reversement", on_status_form=True
    ),
    # Nothing will be given back after all (error, remise gracieuse): say why.
    "waive": Rule(
        (S.TO_RECOVER,),
        S.JUSTIFIED,
        MANAGERS,
        "Renoncer au reversement",
        comment_required=True,
        on_status_form=True,
    ),
    # Recovery screen (record_recovery): the titre de recette is paid.
    "recover": Rule((S.TO_RECOVER,), S.RECOVERED, MANAGERS, "Enregistrer le reversement"),
    "cancel": Rule(
        (S.REQUESTED, S.DECIDED, S.COMMITTED), S.CANCELLED, MANAGERS, "Annuler la ligne", on_status_form=True
    ),
}

# status → the statuses the « Changer le statut » form offers (derived from the table).
STATUS_CHANGES = {
    status: tuple(rule.target for rule in TRANSITIONS.values() if rule.on_status_form and status in rule.sources)
    for status in LineStatus
}


def rule_for(source, target):
    """The name of the transition from ``source`` to ``target``, or None."""
    for name, rule in TRANSITIONS.items():
        if source in rule.sources and rule.target == target:
            return name
    return None


def allowed_transitions(line, user):
    """Names of the steps ``user`` may take now on ``line`` (no query: reads the scope)."""
    roles = permissions.funding_roles(user, line.action.cite)
    return [name for name, rule in TRANSITIONS.items() if line.status in rule.sources and rule.roles & roles]


def check_role(by, cite, roles, label):
    """``by=None`` is the system (demo loads, imports): always allowed."""
    if by is not None and not roles & permissions.funding_roles(by, cite):
        raise NotAllowed(f"Votre rôle ne permet pas cette opération : « {label} ».")


def move(row, target, *, by, comment=""):
    """Move a locked line to ``target`` along its declared transition, after checking the
    state, the role and the comment. Returns the unsaved :class:`LineTransition` that
    :func:`~financements.services.rows.save_line` writes with the line."""
    name = rule_for(row.status, target)
    if name is None:
        raise FundingError(
            f"Une ligne au statut « {row.get_status_display()} » ne peut pas passer au statut "
            f"« {LineStatus(target).label} »."
        )
    rule = TRANSITIONS[name]
    check_role(by, row.action.cite, rule.roles, rule.label)
    comment = (comment or "").strip()
    if rule.comment_required and not comment:
        raise FundingError(f"Un commentaire est obligatoire pour « {rule.label} ».")
    transition = LineTransition(line=row, from_status=row.status, to_status=target, actor=by, comment=comment)
    row.status = target
    return transition
