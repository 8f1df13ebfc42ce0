"""Operations of the steering: requesting reports, preparing a COPIL's agenda, recording
its decisions. Plain functions taking models and the acting user (never ``request``)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from actions import services as action_services
from actions.models import Action
from financements import services as funding_services
from financements.models import FundingLine

from .models import AgendaItem, Meeting, Report


class DecisionError(Exception):
    """The COPIL decisions could not be applied; nothing was changed."""

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


# --- Reports -----------------------------------------------------------------------------
def request_report(kind, cite, year, by, meeting=None, action=None):
    """Create a new version of a report (status « en file d'attente ») and queue its
    generation once the transaction commits. Returns the report at once."""
    from .tasks import generate_report

    if kind in Report.MEETING_KINDS and meeting is None:
        raise ValueError("A COPIL report needs its meeting.")
    if kind == Report.Kind.ACTION_SHEET and action is None:
        raise ValueError("An action sheet needs its action.")
    with transaction.atomic():
        previous = Report.objects.filter(kind=kind, cite=cite, year=year, meeting=meeting, action=action).aggregate(
            last=Max("version")
        )["last"]
        report = Report.objects.create(
            kind=kind,
            cite=cite,
            year=year,
            meeting=meeting,
            action=action,
            version=(previous or 0) + 1,
            requested_by=by,
        )
        transaction.on_commit(lambda: generate_report.delay(report.pk))
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


# --- Decisions ---------------------------------------------------------------------------
@dataclass
class Decision:
    """One line of the decision screen: ``amounts`` maps account-74 budget line ids to
    the decided amount."""

    item: AgendaItem
    decision: str
    comment: str = ""
    amounts: dict = field(default_factory=dict)


def record_decisions(meeting, decisions, *, by):
    """Apply the COPIL's decisions in one transaction, or none of them.

    Programmed: the action moves to « programmée » (through the action state machine),
    its funding lines are created from its budget when missing and receive the decided
    amounts, checked against the envelopes by :mod:`financements.services`. Rejected:
    the action moves to « non retenue » and its requested lines are refused. Deferred: the
    action stays under instruction. Raises :class:`DecisionError` listing every problem.
    """
    D = AgendaItem.Decision
    if not meeting.is_copil:
        raise DecisionError("Seul un COPIL décide de la programmation.")
    problems = []
    amounts = []
    try:
        with transaction.atomic():
            Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
            for decision in decisions:
                item, action = decision.item, decision.item.action
                if action is None or decision.decision == D.PENDING:
                    continue
                try:
                    if decision.decision == D.PROGRAMMED:
                        if action.status != Action.Status.PROGRAMMED:
                            action_services.programme_action(action, by=by, comment=decision.comment)
                        funding_services.create_lines_from_budget(action, by=by)
                        lines = {
                            line.budget_line_id: line
                            for line in FundingLine.objects.filter(action=action).select_related("funder")
                        }
                        for budget_line_id, amount in decision.amounts.items():
                            line = lines.get(budget_line_id)
                            if line is not None and amount is not None:
                                amounts.append((line, Decimal(amount)))
                    elif decision.decision == D.REJECTED:
                        action_services.reject_action(action, by=by, comment=decision.comment)
                        for line in FundingLine.objects.filter(action=action, status=FundingLine.Status.REQUESTED):
                            amounts.append((line, Decimal("0")))
                    elif decision.decision == D.DEFERRED and action.status != Action.Status.IN_REVIEW:
                        problems.append(
                            f"{action} : une action ajournée doit être en instruction "
                            f"(statut actuel : « {action.get_status_display()} »)."
                        )
                except action_services.TransitionError as error:
                    problems.append(f"{action} : {error.message}")
                item.decision = decision.decision
                item.decision_comment = decision.comment
                item.save(update_fields=["decision", "decision_comment", "updated_at"])
            if problems:
                raise DecisionError("Aucune décision n'a été enregistrée.", problems)
            if amounts:
                funding_services.decide_lines_bulk(amounts, by=by)
            Meeting.objects.filter(pk=meeting.pk).update(
                decisions_recorded_at=timezone.now(), decisions_recorded_by=by, updated_at=timezone.now()
            )
    except funding_services.FundingError as error:
        raise DecisionError("Aucune décision n'a été enregistrée.", [error.message, *error.problems]) from error
    return decisions
