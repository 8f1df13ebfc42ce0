"""The decision notices to the porteurs, queued in the transaction that records or
validates the decision (core.mail)."""

from actions.models import Action
from actions.notifications import action_url, porteur_emails
from cites.models import Organisation
from core.mail import queue_mail
from financements import ledger
from financements.models import FundingLine

from .models import AgendaItem, ProgrammingDecision


def notify_decision(action_id, item_id=None, decision_id=None):
    """Tell the porteur the decision on its proposal: a COPIL's (``item_id``: programmed
    with the amounts per funder, rejected or postponed), queued when the coordination
    validates the meeting's decisions; or an out-of-COPIL programming (``decision_id``),
    queued at once. One message per recipient; returns how many were queued."""
    action = Action.objects.select_related("cite", "porteur").filter(pk=action_id).first()
    if action is None:
        return 0
    context = {"action": action, "meeting": None, "decided_on": None, "comment": "", "no_funding_reason": ""}
    if item_id is not None:
        item = AgendaItem.objects.select_related("meeting").filter(pk=item_id, action_id=action_id).first()
        if item is None or not item.decision:
            return 0
        outcome = item.decision
        context.update(meeting=item.meeting, decided_on=item.meeting.starts_at, comment=item.decision_comment)
    elif decision_id is not None:
        decision = ProgrammingDecision.objects.filter(pk=decision_id, action_id=action_id).first()
        if decision is None:
            return 0
        outcome = AgendaItem.Decision.PROGRAMMED
        context.update(
            decided_on=decision.decided_on, comment=decision.reason, no_funding_reason=decision.no_funding_reason
        )
    else:
        raise ValueError("A decision notice needs an agenda item or a programming decision.")
    funding, total = [], None
    if outcome == AgendaItem.Decision.PROGRAMMED:
        by_funder = ledger.figures_by(FundingLine.objects.filter(action=action), "funder")
        names = dict(Organisation.objects.filter(pk__in=list(by_funder)).values_list("pk", "name"))
        funding = sorted(
            ((names.get(funder_id, ""), money.decided) for funder_id, money in by_funder.items() if money.decided),
            key=lambda row: row[0],
        )
        total = sum((amount for _, amount in funding), start=0)
    context.update(
        outcome=outcome,
        outcome_label=AgendaItem.Decision(outcome).label.lower(),
        funding=funding,
        total=total,
        url=action_url(action),
    )
    mails = queue_mail(
        porteur_emails(action),
        "emails/pilotage_decision_subject.txt",
        "emails/pilotage_decision_body.txt",
        context,
    )
    return len(mails)
