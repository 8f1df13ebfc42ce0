"""Operations of the steering: requesting reports, preparing a COPIL's agenda, recording
its decisions (or an action's programming outside any COPIL) and notifying them. Plain
functions taking models and the acting user (never ``request``).

A decision carries money: programming an action records, in the same transaction as the
status change, the amount decided per funder on its funding lines (created from the
budget's account-74 asks), checked against the envelopes by :mod:`financements.services`.

Meetings decide when they are held: what is typed before the meeting's date is a draft
on the agenda items (no status, no money). Once the meeting is held, recording applies
the decisions, all or nothing; the porteurs hear of them (every outcome, with the
amounts) when the coordination validates the meeting's decisions. A decision taken
outside any COPIL is immediate: its notice leaves as soon as it is committed.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from actions import services as action_services
from actions.models import Action
from core.db import serialised
from core.errors import OperationRefused
from core.formatting import format_date_fr
from core.permissions import NotAllowed
from financements import services as funding_services
from financements.models import FundingLine

from . import jobs, notifications, permissions
from .models import AgendaItem, Meeting, ProgrammingDecision, Report


class DecisionError(OperationRefused):
    """The decisions could not be recorded; nothing was changed."""


# --- Reports -----------------------------------------------------------------------------
class ReportError(OperationRefused):
    """The report job could not be changed (no longer queued)."""


class ReportRequestRefused(ReportError):
    """Too many report requests from one user in a short time."""


ALREADY_PENDING = "Un rapport identique est déjà en cours de génération : il apparaît dans la liste ci-dessous."


def _refuse_if_too_many(by, now):
    """At most ``REPORT_REQUESTS_LIMIT`` requests per user in ``REPORT_REQUESTS_WINDOW``:
    each one costs a worker minutes of PDF rendering."""
    limit, window = settings.REPORT_REQUESTS_LIMIT, settings.REPORT_REQUESTS_WINDOW
    if by is None or Report.objects.filter(requested_by=by, created_at__gte=now - window).count() < limit:
        return
    minutes = int(window.total_seconds() // 60)
    raise ReportRequestRefused(
        f"Vous avez demandé {limit} rapports ces {minutes} dernières minutes : c'est le maximum. "
        "Attendez que les rapports en cours soient prêts, puis réessayez dans quelques minutes."
    )


@serialised
def request_report(kind, cite, year, by, meeting=None, action=None):
    """Create a new version of a report (status « en file d'attente ») and hand it to the
    broker once the transaction commits. Returns the report at once, whatever the
    broker's state: a request the broker did not get is sent by the sweep
    (:mod:`pilotage.jobs`).

    An identical request (same kind, cité, year, meeting and action, by anyone) still
    queued or running is returned instead of a new version, with ``already_pending``
    true: the second click, or a colleague's, waits for the same PDF. Raises
    :class:`ReportRequestRefused` beyond the per-user rate limit. The cité's row is
    locked for the check, so two identical requests at once make one report."""
    if kind in Report.MEETING_KINDS and meeting is None:
        raise ValueError("A COPIL report needs its meeting.")
    if kind == Report.Kind.ACTION_SHEET and action is None:
        raise ValueError("An action sheet needs its action.")
    now = timezone.now()
    # Identical requests at once wait on the cité's row, then see each other's report.
    list(type(cite).objects.select_for_update().filter(pk=cite.pk).values_list("pk", flat=True))
    same = Report.objects.filter(kind=kind, cite=cite, year=year, meeting=meeting, action=action)
    pending = same.filter(status__in=(Report.Status.QUEUED, Report.Status.RUNNING)).order_by("-created_at").first()
    if pending is not None:
        pending.already_pending = True
        return pending
    _refuse_if_too_many(by, now)
    previous = same.aggregate(last=Max("version"))["last"]
    report = Report.objects.create(
        kind=kind,
        cite=cite,
        year=year,
        meeting=meeting,
        action=action,
        version=(previous or 0) + 1,
        requested_by=by,
    )
    report.already_pending = False
    transaction.on_commit(lambda: jobs.dispatch(report.pk))
    return report


def cancel_report(report, *, by):
    """Cancel a queued report (its requester or the cité's coordination): no run will
    produce it. A report already running or finished is refused."""
    if not permissions.can_cancel_report(by, report):
        raise NotAllowed(permissions.can_cancel_report.refusal)
    now = timezone.now()
    cancelled = Report.objects.filter(pk=report.pk, status=Report.Status.QUEUED).update(
        status=Report.Status.CANCELLED, cancelled_by=by, finished_at=now, updated_at=now
    )
    if not cancelled:
        raise ReportError("Ce rapport n'est plus en file d'attente : sa génération ne peut plus être annulée.")
    report.refresh_from_db()
    return report


# --- Agenda ------------------------------------------------------------------------------
def add_to_agenda(meeting, actions, *, by=None):
    """Put proposals under instruction on the meeting's agenda (those already on it are
    skipped). Returns the created items."""
    created = []
    with transaction.atomic():
        present = set(meeting.agenda_items.exclude(action=None).values_list("action_id", flat=True))
        order = meeting.agenda_items.aggregate(last=Max("order"))["last"] or 0
        for action in actions:
            if action.pk in present or action.cite_id != meeting.cite_id or action.status != Action.Status.IN_REVIEW:
                continue
            order += 1
            created.append(
                AgendaItem.objects.create(meeting=meeting, action=action, title=str(action)[:250], order=order)
            )
    return created


# --- Meeting documents -------------------------------------------------------------------
def add_meeting_document(meeting, *, by, document, upload, file_type):
    """Add a document (``upload``, recognised as ``file_type`` by its content) to a
    meeting: the coordination of its cité only."""
    if not permissions.can_manage_meeting_documents(by, meeting):
        raise NotAllowed("Seule la coordination de la cité dépose les documents de ses réunions.")
    document.meeting = meeting
    document.take_upload(upload, file_type, by=by)
    document.save()
    return document


def delete_meeting_document(document, *, by):
    """Remove a meeting's document (the file goes once the transaction commits)."""
    if not permissions.can_manage_meeting_documents(by, document.meeting):
        raise NotAllowed("Seule la coordination de la cité retire les documents de ses réunions.")
    with transaction.atomic():
        document.delete()
        # robust: a file left behind when the storage is down is logged, not an error for the user
        transaction.on_commit(lambda: document.file.delete(save=False), robust=True)


# --- Decisions ---------------------------------------------------------------------------
@dataclass
class Decision:
    """One line of the decision screen: ``amounts`` maps account-74 budget line ids to
    the decided amount."""

    item: AgendaItem
    decision: str
    comment: str = ""
    amounts: dict = field(default_factory=dict)

    @property
    def total(self):
        return sum((Decimal(amount) for amount in self.amounts.values() if amount is not None), Decimal("0"))


def _check_manages(by, cite):
    if not permissions.can_manage_meetings(by, cite):
        raise NotAllowed("Seule la coordination de la cité enregistre les décisions de programmation.")


def _notify(action_id, **ids):
    """Queue the porteur's notice in the current transaction (sent once it commits)."""
    notifications.notify_decision(action_id, **ids)


def _past_or_now(at):
    """Now, or ``at``: a past moment a decision is recorded at (never the future)."""
    if at is None:
        return timezone.now()
    if at > timezone.now():
        raise DecisionError("Une décision ne peut pas être enregistrée à une date future.")
    return at


def _held(meeting, at):
    """Whether the meeting was held now, or by ``at`` for a decision recorded in the past."""
    return meeting.is_held if at is None else meeting.starts_at <= at


def _cents(amount):
    return str(Decimal(amount).quantize(Decimal("0.01")))


def record_decisions(meeting, decisions, *, by, at=None):
    """Record the COPIL's decisions; returns True when they were applied, False when
    they were kept as a draft.

    Before the meeting is held (``starts_at`` in the future), the decisions are a draft on
    the agenda items: neither the actions nor any money change, nobody is notified.

    Once it is held, they are applied in one transaction, or none of them. Programmed: the
    action moves to « programmée » (through the action state machine), its funding lines
    are created from its budget when missing and receive the decided amounts, checked
    against the envelopes by :mod:`financements.services`; with no money at all, the
    comment (the reason) is required. Rejected: the action moves to « non retenue » and
    its requested lines are refused. Deferred: the action stays under instruction. The
    transitions send no e-mail: :func:`validate_decisions` notifies the porteurs. Raises
    :class:`DecisionError` listing every problem.

    ``at``: decisions taken in the past (loads of past data, the demo), recorded as of that
    moment: the meeting must have been held by then, the actions' steps are dated ``at``
    (see :func:`actions.services._transition`) and so is the recording.
    """
    when = _past_or_now(at)
    if not meeting.is_copil:
        raise DecisionError("Seul un COPIL décide de la programmation.")
    _check_manages(by, meeting.cite)
    try:
        with transaction.atomic():
            locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
            if locked.decisions_validated_at:
                raise DecisionError(
                    "Les décisions de ce COPIL ont déjà été validées et notifiées aux porteurs : "
                    "elles ne se modifient plus."
                )
            if not _held(locked, at):
                _save_draft(decisions)
                return False
            amounts = _apply_decisions(locked, decisions, by=by, at=at)
            if amounts:
                funding_services.decide_lines_bulk(amounts, by=by)
            Meeting.objects.filter(pk=meeting.pk).update(
                decisions_recorded_at=when, decisions_recorded_by=by, updated_at=timezone.now()
            )
    except funding_services.FundingError as error:
        raise DecisionError("Aucune décision n'a été enregistrée.", [error.message, *error.problems]) from error
    return True


class _Refused(Exception):
    """One decision cannot be applied: listed with the other decisions' problems."""


def _apply_decisions(meeting, decisions, *, by, at=None):
    """Apply the decisions of a held (and locked) COPIL to their actions and agenda items;
    returns the ``(line, amount)`` pairs to decide, or raises :class:`DecisionError`
    listing every problem."""
    D = AgendaItem.Decision
    problems = []
    amounts = []
    for decision in decisions:
        action = decision.item.action
        if action is None or decision.decision == D.PENDING:
            continue
        if decision.decision == D.PROGRAMMED and decision.total == 0 and not decision.comment:
            problems.append(f"{action} : programmée sans financement : motivez la décision (commentaire).")
            continue
        try:
            amounts += _apply_decision(decision, meeting, by=by, at=at)
        except action_services.TransitionError as error:
            problems.append(f"{action} : {error.message}")
        except _Refused as refused:
            problems.append(f"{action} : {refused}")
        _record_on_item(decision)
    if problems:
        raise DecisionError("Aucune décision n'a été enregistrée.", problems)
    return amounts


def _apply_decision(decision, meeting, *, by, at=None):
    """Move one action as its COPIL decided; returns the ``(line, amount)`` pairs to decide."""
    D = AgendaItem.Decision
    action = decision.item.action
    if decision.decision == D.PROGRAMMED:
        return _programme(decision, meeting, by=by, at=at)
    if decision.decision == D.REJECTED:
        if action.status != Action.Status.REJECTED:
            action_services.reject_action(action, by=by, comment=decision.comment, notify=False, at=at)
        requested = FundingLine.objects.filter(action=action, status=FundingLine.Status.REQUESTED)
        return [(line, Decimal("0")) for line in requested]
    if decision.decision == D.DEFERRED and action.status != Action.Status.IN_REVIEW:
        raise _Refused(
            f"une action ajournée doit être en instruction (statut actuel : « {action.get_status_display()} »)."
        )
    return []


def _programme(decision, meeting, *, by, at=None):
    """Programme the action (without e-mail), create its funding lines from its budget
    when missing and record the programming decision; returns the decided amounts."""
    action = decision.item.action
    if action.status != Action.Status.PROGRAMMED:
        action_services.programme_action(action, by=by, comment=decision.comment, notify=False, at=at)
    funding_services.create_lines_from_budget(action, by=by)
    lines = {line.budget_line_id: line for line in FundingLine.objects.filter(action=action).select_related("funder")}
    amounts = []
    for budget_line_id, amount in decision.amounts.items():
        line = lines.get(budget_line_id)
        if line is not None and amount is not None:
            amounts.append((line, Decimal(amount)))
    ProgrammingDecision.objects.update_or_create(
        action=action,
        meeting=meeting,
        defaults={
            "decided_on": timezone.localdate(meeting.starts_at),
            "reason": decision.comment,
            "no_funding_reason": decision.comment if decision.total == 0 else "",
            "recorded_by": by,
        },
    )
    return amounts


def _record_on_item(decision):
    """The agenda item keeps the decision and loses its draft."""
    item = decision.item
    item.decision = decision.decision
    item.decision_comment = decision.comment
    item.draft_decision, item.draft_comment, item.draft_amounts = "", "", {}
    item.save(
        update_fields=["decision", "decision_comment", "draft_decision", "draft_comment", "draft_amounts", "updated_at"]
    )


def _save_draft(decisions):
    D = AgendaItem.Decision
    for decision in decisions:
        item = decision.item
        if item.action is None:
            continue
        item.draft_decision = decision.decision
        item.draft_comment = decision.comment
        item.draft_amounts = (
            {str(pk): _cents(amount) for pk, amount in decision.amounts.items() if amount is not None}
            if decision.decision == D.PROGRAMMED
            else {}
        )
        item.save(update_fields=["draft_decision", "draft_comment", "draft_amounts", "updated_at"])


def validate_decisions(meeting, *, by, at=None):
    """The coordination validates the decisions of a held COPIL: one e-mail per decided
    proposal (programmed with the amounts per funder, rejected, postponed) is queued once
    the transaction commits; records who and when. Once only. Returns the number of
    proposals notified.

    ``at``: decisions validated in the past (the demo), recorded as of then; the porteurs
    heard of them at the time, so nothing is queued."""
    when = _past_or_now(at)
    if not meeting.is_copil:
        raise DecisionError("Seul un COPIL décide de la programmation.")
    _check_manages(by, meeting.cite)
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.decisions_validated_at:
            raise DecisionError(
                f"Les décisions de ce COPIL ont déjà été validées et notifiées, "
                f"le {format_date_fr(locked.decisions_validated_at, with_time=True)}."
            )
        if not _held(locked, at):
            raise DecisionError(
                f"Le COPIL n'a pas encore eu lieu ({format_date_fr(locked.starts_at, with_time=True)}) : "
                "ses décisions se valident une fois qu'il s'est tenu et qu'elles sont enregistrées."
            )
        if not locked.decisions_recorded_at:
            raise DecisionError("Enregistrez d'abord les décisions du COPIL : elles n'ont pas encore été appliquées.")
        items = list(
            locked.agenda_items.exclude(action=None)
            .exclude(decision="")
            .order_by("order", "id")
            .values_list("pk", "action_id")
        )
        Meeting.objects.filter(pk=locked.pk).update(
            decisions_validated_at=when, decisions_validated_by=by, updated_at=timezone.now()
        )
        for item_id, action_id in items if at is None else ():
            _notify(action_id, item_id=item_id)
    meeting.decisions_validated_at, meeting.decisions_validated_by = when, by
    return len(items)


@serialised
def programme_out_of_copil(action, *, by, decided_on, reason, amounts, no_funding_reason=""):
    """Programme an action outside any COPIL: an explicit decision of the coordination,
    with its date and reason, recorded as such (:class:`ProgrammingDecision` without a
    meeting). In one transaction: the status change, the funding lines created from the
    budget with the decided amounts (``amounts``: ``{budget_line_id: Decimal}``, checked
    against the envelopes) and the decision. With no money at all, ``no_funding_reason``
    is required. The porteur's e-mail, with the amounts, leaves once it commits.
    Raises :class:`~core.permissions.NotAllowed` (wrong role) or :class:`DecisionError`."""
    if not permissions.can_programme(by, action):
        raise NotAllowed("Seule la coordination de la cité programme une action.")
    reason, no_funding_reason = (reason or "").strip(), (no_funding_reason or "").strip()
    problems = []
    if not reason:
        problems.append("Indiquez le motif de la programmation hors COPIL.")
    if decided_on is None or decided_on > timezone.localdate():
        problems.append("La date de la décision ne peut pas être dans le futur.")
    total = sum((Decimal(amount) for amount in amounts.values() if amount is not None), Decimal("0"))
    if total == 0 and not no_funding_reason:
        problems.append("Programmation sans financement : indiquez-en le motif.")
    if problems:
        raise DecisionError("La programmation n'a pas été enregistrée.", problems)
    comment = f"Programmation hors COPIL (décision du {format_date_fr(decided_on)}) : {reason}"
    if total == 0:
        comment += f"\nSans financement : {no_funding_reason}"
    try:
        with transaction.atomic():
            action_services.programme_action(action, by=by, comment=comment, notify=False)
            funding_services.create_lines_from_budget(action, by=by)
            lines = {line.budget_line_id: line for line in FundingLine.objects.filter(action=action)}
            decided = [
                (lines[budget_line_id], Decimal(amount))
                for budget_line_id, amount in amounts.items()
                if budget_line_id in lines and amount is not None
            ]
            if decided:
                funding_services.decide_lines_bulk(decided, by=by)
            decision = ProgrammingDecision.objects.create(
                action=action,
                meeting=None,
                decided_on=decided_on,
                reason=reason,
                no_funding_reason=no_funding_reason if total == 0 else "",
                recorded_by=by,
            )
            _notify(action.pk, decision_id=decision.pk)
    except NotAllowed:
        action.refresh_from_db()
        raise
    except (action_services.TransitionError, funding_services.FundingError) as error:
        action.refresh_from_db()
        raise DecisionError("La programmation n'a pas été enregistrée.", [error.message, *error.problems]) from error
    return decision
