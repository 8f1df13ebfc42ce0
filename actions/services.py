"""The workflow of an action: one state machine, and the operations that write.

Every transition is a function taking the action and the acting user. It checks who may
do it from which state, runs in one transaction with the action row locked, records a
:class:`~actions.models.Transition` (actor, time, comment) and queues the e-mail
notifications once the transaction commits. A refused transition raises
:class:`TransitionError` with a French message and changes nothing; a role that may not
act raises :class:`core.permissions.NotAllowed` (403, like every service).
"""

from contextlib import contextmanager
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.db import serialised
from core.errors import OperationRefused
from core.permissions import NotAllowed

from . import notifications, permissions
from .models import Action, BeneficiaryCount, Bilan, Message, Opinion, ReferenceCounter, Transition
from .permissions import COORDINATION, PORTEUR

S = Action.Status


class TransitionError(OperationRefused):
    """A workflow step that cannot happen (wrong state, incomplete proposal…)."""


class ConflictError(Exception):
    """Someone else saved the proposal since the form was opened."""


@dataclass(frozen=True)
class Rule:
    sources: tuple
    target: str
    roles: frozenset
    label: str  # the button, in French
    comment_required: bool = False
    event: str = ""  # e-mail notification template, if any


TRANSITIONS = {
    "submit": Rule((S.DRAFT,), S.SUBMITTED, frozenset({PORTEUR}), "Déposer la proposition", event="submitted"),
    "start_review": Rule((S.SUBMITTED,), S.IN_REVIEW, frozenset({COORDINATION}), "Commencer l'instruction"),
    "request_changes": Rule(
        (S.SUBMITTED, S.IN_REVIEW),
        S.CHANGES_REQUESTED,
        frozenset({COORDINATION}),
        "Demander des compléments",
        comment_required=True,
        event="changes_requested",
    ),
    "resubmit": Rule(
        (S.CHANGES_REQUESTED,), S.IN_REVIEW, frozenset({PORTEUR}), "Renvoyer la proposition", event="resubmitted"
    ),
    "programme": Rule((S.IN_REVIEW,), S.PROGRAMMED, frozenset({COORDINATION}), "Programmer", event="decision"),
    "reject": Rule(
        (S.SUBMITTED, S.IN_REVIEW),
        S.REJECTED,
        frozenset({COORDINATION}),
        "Ne pas retenir",
        comment_required=True,
        event="decision",
    ),
    "withdraw": Rule(
        (S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.PROGRAMMED),
        S.WITHDRAWN,
        frozenset({PORTEUR}),
        "Retirer la proposition",
        event="withdrawn",
    ),
    "start": Rule((S.PROGRAMMED,), S.IN_PROGRESS, frozenset({PORTEUR, COORDINATION}), "Démarrer l'action"),
    # Taken from the bilan screen (actions:bilan), once the bilan is complete.
    "report": Rule((S.IN_PROGRESS,), S.REPORTED, frozenset({PORTEUR}), "Transmettre le bilan", event="reported"),
    "close": Rule(
        (S.REPORTED,), S.CLOSED, frozenset({COORDINATION}), "Valider le bilan et clôturer l'action", event="closed"
    ),
}

# Steps offered as buttons on the action page (the others have their own screens:
# « Programmer » records the money decided and the decision, in ``pilotage``).
BUTTON_TRANSITIONS = (
    "start_review",
    "request_changes",
    "resubmit",
    "reject",
    "withdraw",
    "start",
    "close",
)


def allowed_transitions(action, user):
    """Names of the steps this user may take now (no query: reads the scope)."""
    roles = permissions.workflow_roles(user, action)
    return [name for name, rule in TRANSITIONS.items() if action.status in rule.sources and rule.roles & roles]


def _check_submission(action, when=None):
    problems = action.missing_items()
    if problems:
        raise TransitionError("La proposition ne peut pas encore être déposée.", problems)


def _check_call_open(action, when=None):
    if not action.call_id:
        return
    call = action.call
    # ``when``: a step recorded in the past (``at=``) checks the call as it was then.
    if not (call.is_open if when is None else call.is_published and call.opens_at <= when < call.closes_at):
        raise TransitionError(
            "L'appel à projets est clos : la proposition ne peut plus être déposée. "
            "Le brouillon reste enregistré ; contactez la coordination de la cité."
        )


def _check_porteur_validated(action, when=None):
    from .signup import organisation_awaits_validation

    if organisation_awaits_validation(action.porteur_id):
        raise TransitionError(
            "Votre organisation n'a pas encore été validée par la coordination de la cité : vous pouvez "
            "préparer la proposition, mais pas la déposer avant cette validation."
        )


def next_reference(cite, year):
    """``CODE-YEAR-NNN``, the next number of the cité for the year.

    The counter row is locked until the surrounding transaction ends, so two submissions
    at the same time get two numbers; the unique constraint on the reference backs it.
    """
    try:
        with transaction.atomic():
            ReferenceCounter.objects.get_or_create(cite=cite, year=year)
    except IntegrityError:  # created by a concurrent transaction in the meantime
        pass
    counter = ReferenceCounter.objects.select_for_update().get(cite=cite, year=year)
    counter.last_number = F("last_number") + 1
    counter.save(update_fields=["last_number"])
    counter.refresh_from_db(fields=["last_number"])
    return f"{cite.code}-{year}-{counter.last_number:03d}"


def _step_time(at):
    """When the step happens: now, or ``at``, a past moment the step is recorded at
    (loads of past data: the demo's timelines, imports). A future ``at`` is refused."""
    if at is None:
        return timezone.now()
    if at > timezone.now():
        raise TransitionError("Une étape du parcours ne peut pas être datée dans le futur.")
    return at


def _transition(action, name, *, by, comment="", checks=(), notify=True, at=None):
    """``notify=False``: the caller sends the notice itself (a COPIL's decisions leave
    when the coordinator validates the meeting, with the amounts).

    ``at``: record a step that happened in the past, at that moment: the checks are those
    of that day (call open, bilan transmissible), the dates written (transition,
    submission, bilan) are ``at``, and nobody is notified of a past step."""
    rule = TRANSITIONS[name]
    comment = (comment or "").strip()
    when = _step_time(at)
    with transaction.atomic():
        locked = Action.objects.select_for_update(of=("self",)).select_related("cite", "call").get(pk=action.pk)
        if not rule.roles & permissions.workflow_roles(by, locked):
            raise NotAllowed(f"Votre rôle ne permet pas cette opération : « {rule.label} ».")
        if locked.status not in rule.sources:
            raise TransitionError(
                f"Opération impossible : « {rule.label} » n'est pas possible pour une action "
                f"au statut « {locked.get_status_display()} »."
            )
        if rule.comment_required and not comment:
            raise TransitionError(f"Un commentaire est obligatoire pour « {rule.label} ».")
        for check in checks:
            check(locked, at)
        from_status = locked.status
        locked.status = rule.target
        locked.version += 1
        fields = ["status", "version", "updated_at"]
        if name == "submit":
            locked.submitted_at = when
            fields.append("submitted_at")
            if not locked.reference:
                locked.reference = next_reference(locked.cite, locked.year)
                fields.append("reference")
        locked.save(update_fields=fields)
        if name == "report":
            Bilan.objects.filter(action=locked).update(submitted_at=when, submitted_by=by)
        transition = Transition.objects.create(
            action=locked, from_status=from_status, to_status=locked.status, actor=by, comment=comment
        )
        if at is not None:  # ``created_at`` is auto_now_add: the past moment is written after
            Transition.objects.filter(pk=transition.pk).update(created_at=when)
            transition.created_at = when
        if rule.event and notify and at is None:
            notifications.notify_action(rule.event, locked, transition=transition)
    for field in ("status", "version", "reference", "submitted_at", "updated_at"):
        setattr(action, field, getattr(locked, field))
    return transition


# --- The transitions ---------------------------------------------------------------------
@serialised
def submit_action(action, *, by, comment="", at=None):
    """First submission: the call must be open, the proposal complete and balanced."""
    return _transition(
        action,
        "submit",
        by=by,
        comment=comment,
        checks=(_check_call_open, _check_porteur_validated, _check_submission),
        at=at,
    )


def start_review(action, *, by, comment="", at=None):
    return _transition(action, "start_review", by=by, comment=comment, at=at)


def request_changes(action, *, by, comment, at=None):
    return _transition(action, "request_changes", by=by, comment=comment, at=at)


def resubmit_action(action, *, by, comment="", at=None):
    """The porteur answers a change request (allowed after the call closed)."""
    return _transition(action, "resubmit", by=by, comment=comment, checks=(_check_submission,), at=at)


def programme_action(action, *, by, comment="", notify=True, at=None):
    """Only the status: the money decided and the decision are recorded by
    :mod:`pilotage.services`, which calls this with ``notify=False``."""
    return _transition(action, "programme", by=by, comment=comment, notify=notify, at=at)


def reject_action(action, *, by, comment, notify=True, at=None):
    return _transition(action, "reject", by=by, comment=comment, notify=notify, at=at)


def withdraw_action(action, *, by, comment="", at=None):
    return _transition(action, "withdraw", by=by, comment=comment, at=at)


def start_action(action, *, by, comment="", at=None):
    return _transition(action, "start", by=by, comment=comment, at=at)


def _check_bilan(action, when=None):
    bilan = Bilan.objects.filter(action=action).first()
    if bilan is None:
        raise TransitionError("Le bilan ne peut pas encore être transmis : il n'est pas rempli.")
    problems = bilan.missing_items()
    if problems:
        raise TransitionError("Le bilan ne peut pas encore être transmis.", problems)
    opens_on = action.bilan_opens_on(timezone.localdate(when) if when else None)
    if opens_on:
        raise TransitionError(bilan_opens_message(opens_on))


def bilan_opens_message(opens_on):
    from core.formatting import format_date_fr

    return (
        f"Le bilan pourra être transmis à partir du {format_date_fr(opens_on)}, date de fin de l'action, "
        "sauf si la coordination de la cité autorise un bilan anticipé."
    )


EARLY_BILAN_STATUSES = (S.PROGRAMMED, S.IN_PROGRESS)


def allow_early_bilan(action, *, by):
    """The coordination of the cité lets the porteur transmit the bilan before the end
    date of the action (an action stopped early, a bilan needed for a COPIL…); records who
    and when."""
    with transaction.atomic():
        locked = Action.objects.select_for_update(of=("self",)).select_related("cite").get(pk=action.pk)
        if not permissions.can_allow_early_bilan(by, locked):
            raise NotAllowed("Seule la coordination de la cité autorise un bilan anticipé.")
        if locked.status not in EARLY_BILAN_STATUSES:
            raise TransitionError(
                "Un bilan anticipé s'autorise pour une action programmée ou en cours ; "
                f"celle-ci est au statut « {locked.get_status_display()} »."
            )
        if not locked.early_bilan_allowed:
            locked.early_bilan_allowed = True
            locked.early_bilan_allowed_by = by
            locked.early_bilan_allowed_at = timezone.now()
            locked.save(update_fields=["early_bilan_allowed", "early_bilan_allowed_by", "early_bilan_allowed_at"])
    for field in ("early_bilan_allowed", "early_bilan_allowed_by", "early_bilan_allowed_at"):
        setattr(action, field, getattr(locked, field))
    return action


def report_action(action, *, by, comment="", at=None):
    """The porteur transmits a complete bilan: the action becomes ``reported``."""
    return _transition(action, "report", by=by, comment=comment, checks=(_check_bilan,), at=at)


def close_action(action, *, by, comment="", at=None):
    return _transition(action, "close", by=by, comment=comment, at=at)


TRANSITION_FUNCTIONS = {
    "submit": submit_action,
    "start_review": start_review,
    "request_changes": request_changes,
    "resubmit": resubmit_action,
    "programme": programme_action,
    "reject": reject_action,
    "withdraw": withdraw_action,
    "start": start_action,
    "report": report_action,
    "close": close_action,
}


def apply_transition(action, name, *, by, comment="", at=None):
    if name not in TRANSITION_FUNCTIONS:
        raise TransitionError("Opération inconnue.")
    return TRANSITION_FUNCTIONS[name](action, by=by, comment=comment, at=at)


# --- Edits guarded by the version (optimistic locking) -----------------------------------
@contextmanager
def _proposal_edit(action, *, by, expected_version):
    """Lock the action for an edit of its proposal by ``by``: the porteur only, while it
    is editable and nobody saved it since ``expected_version`` was read; the version is
    bumped once the edit is written. Raises :class:`ConflictError` (nothing written)."""
    with transaction.atomic():
        locked = Action.objects.select_for_update().get(pk=action.pk)
        if not permissions.is_porteur(by, locked):
            raise NotAllowed("Seul le porteur de projet modifie sa proposition.")
        if locked.version != expected_version:
            raise ConflictError(
                "Cette proposition a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. "
                "Vos saisies n'ont pas été enregistrées : elles sont conservées ci-dessous. "
                "Rechargez la page pour voir la version actuelle, puis reportez vos modifications."
            )
        if not locked.is_editable:
            raise ConflictError(f"Cette proposition n'est plus modifiable (statut « {locked.get_status_display()} »).")
        yield
        Action.objects.filter(pk=action.pk).update(version=F("version") + 1, updated_at=timezone.now())
    action.version = expected_version + 1


def save_fiche(action, *, by, expected_version, relations):
    """Write the fiche action as typed: ``action`` holds the new field values and
    ``relations`` the new many-to-many ones (field name → objects)."""
    with _proposal_edit(action, by=by, expected_version=expected_version):
        action.save()
        for name, objects in relations.items():
            getattr(action, name).set(objects)


def save_rows(action, *, by, expected_version, saved=(), deleted=()):
    """Write the proposal's budget or indicator rows: ``saved`` (new or changed rows of
    this action) and ``deleted``, all or nothing."""
    with _proposal_edit(action, by=by, expected_version=expected_version):
        for row in deleted:
            row.delete()
        for row in saved:
            row.action = action
            row.save()


@contextmanager
def _porteur_lock(action, *, by, editable, refusal):
    """Lock the action for a write of its porteur: ``editable(locked)`` returns the
    message refusing it (:class:`TransitionError`) or an empty string."""
    with transaction.atomic():
        locked = Action.objects.select_for_update().get(pk=action.pk)
        if not permissions.is_porteur(by, locked):
            raise NotAllowed(refusal)
        message = editable(locked)
        if message:
            raise TransitionError(message)
        yield locked


def _bilan_refusal(locked):
    if locked.status != S.IN_PROGRESS:
        return f"Le bilan n'est plus modifiable : l'action est au statut « {locked.get_status_display()} »."
    return ""


def _proposal_refusal(locked):
    if not locked.is_editable:
        return f"Cette proposition n'est plus modifiable (statut « {locked.get_status_display()} »)."
    return ""


def save_bilan(action, *, by, bilan, beneficiaries, rows):
    """Write the bilan as typed, if ``by`` is the porteur and the action is still in
    progress (the action row stays locked meanwhile, so a bilan cannot change once
    transmitted): ``bilan`` (an :class:`Bilan`, maybe new), ``beneficiaries``
    (age band → counts, or None to clear the band) and ``rows`` (indicator results and
    actual budget amounts of this action typed without error). Returns the bilan."""
    with _porteur_lock(action, by=by, editable=_bilan_refusal, refusal="Seul le porteur de projet remplit le bilan."):
        existing = None if bilan.pk else Bilan.objects.filter(action=action).first()
        if existing is not None:  # created meanwhile from another tab (the action row is locked now)
            bilan.pk, bilan.created_at, bilan._state.adding = existing.pk, existing.created_at, False
        bilan.action = action
        bilan.save()
        for band, counts in beneficiaries.items():
            if counts and any(counts.values()):
                BeneficiaryCount.objects.update_or_create(bilan=bilan, age_band=band, defaults=counts)
            else:
                BeneficiaryCount.objects.filter(bilan=bilan, age_band=band).delete()
        for row in rows:
            if row.action_id != action.pk:
                raise TransitionError("Une ligne du bilan n'appartient pas à cette action.")
            row.save()
    return bilan


def add_attachment(action, *, by, attachment, upload, file_type):
    """Join a document (``upload``, recognised as ``file_type`` by its content) to the
    proposal, while the porteur may still edit it."""
    refusal = "Seul le porteur de projet modifie sa proposition."
    with _porteur_lock(action, by=by, editable=_proposal_refusal, refusal=refusal):
        attachment.action = action
        attachment.take_upload(upload, file_type, by=by)
        attachment.save()
    return attachment


def delete_attachment(attachment, *, by):
    """Remove a document of the proposal (the file goes once the transaction commits)."""
    refusal = "Seul le porteur de projet modifie sa proposition."
    with _porteur_lock(attachment.action, by=by, editable=_proposal_refusal, refusal=refusal):
        attachment.delete()
        # robust: a file left behind when the storage is down is logged, not an error for the user
        transaction.on_commit(lambda: attachment.file.delete(save=False), robust=True)


def assign_reviewers(action, *, by, reviewers):
    """The coordination names the pilots who instruct the proposal (replaces the list)."""
    if not permissions.can_instruct(by, action):
        raise NotAllowed("Seule la coordination de la cité désigne les rapporteurs.")
    with transaction.atomic():
        action.reviewers.set(reviewers)


# --- Opinions and messages ---------------------------------------------------------------
def give_opinion(action, *, by, verdict, comment=""):
    """Create or replace the user's avis on the action."""
    if not permissions.can_give_opinion(by, action):
        raise NotAllowed("Votre rôle ne permet pas de donner un avis sur cette action.")
    opinion, _ = Opinion.objects.update_or_create(
        action=action, author=by, defaults={"verdict": verdict, "comment": comment.strip()}
    )
    return opinion


def post_message(action, *, by, text):
    """Add a message to the coordination ↔ porteur thread and notify the other side."""
    if not permissions.can_post_message(by, action):
        raise NotAllowed("Votre rôle ne permet pas d'écrire dans ce fil de discussion.")
    with transaction.atomic():
        message = Message.objects.create(
            action=action, author=by, text=text.strip(), from_porteur=permissions.is_porteur(by, action)
        )
        notifications.notify_action("message", action, message=message)
    return message
