"""``load_demo`` goes through the domain services: every status the demo reached is a
step of its state machine dated in the demo's past, every decision is a COPIL's, and the
ledger's figures for the demo are the sums of its rows."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from actions import services as workflow
from actions.models import Action, Transition
from cites.models import Cite
from financements import ledger
from financements import services as money
from financements.models import Envelope, FundingLine, LineTransition, Payment
from pilotage.models import AgendaItem, ProgrammingDecision

pytestmark = pytest.mark.django_db
S = Action.Status
ZERO = Decimal("0")
# Written out, not imported: the production groups are part of what is checked.
DECIDED = {"decided", "committed", "paid", "justified", "to_recover", "recovered"}


def load_demo():
    call_command("load_demo", verbosity=0)


def trails():
    return {
        action.pk: [(t.from_status, t.to_status, t.created_at) for t in action.transitions.order_by("created_at", "id")]
        for action in Action.objects.all()
    }


def check_decisions_are_the_copils():
    """Every programming and every rejection is the decision of a COPIL of the action's
    cité, recorded when the action moved, on the meeting's day."""
    for step in Transition.objects.filter(to_status__in=[S.PROGRAMMED, S.REJECTED]).select_related("action"):
        action = step.action
        decision = AgendaItem.Decision.PROGRAMMED if step.to_status == S.PROGRAMMED else AgendaItem.Decision.REJECTED
        item = AgendaItem.objects.select_related("meeting").get(action=action)
        meeting = item.meeting
        assert (item.decision, meeting.cite_id) == (decision, action.cite_id), action
        assert meeting.decisions_recorded_at == step.created_at, action
        assert meeting.decisions_validated_at > meeting.decisions_recorded_at
        if step.to_status == S.PROGRAMMED:
            programming = ProgrammingDecision.objects.get(action=action)
            assert programming.meeting_id == meeting.pk
            assert programming.decided_on == timezone.localdate(step.created_at), action


def check_statuses_are_steps():
    """Each status reached is a transition of the state machine, in the demo's past, with
    the dates the steps wrote (submission, bilan)."""
    for action in Action.objects.exclude(status=S.DRAFT).select_related("bilan"):
        steps = list(action.transitions.order_by("created_at", "id"))
        assert [s.to_status for s in steps][-1] == action.status
        assert all(step.created_at < timezone.now() for step in steps)
        assert action.submitted_at == steps[0].created_at
        reported = [s for s in steps if s.to_status == S.REPORTED]
        if reported:
            assert action.bilan.submitted_at == reported[0].created_at
            assert action.bilan.submitted_by == reported[0].actor


def check_line_histories():
    """Every funding line went through its declared transitions, from « demandé »."""
    for line in FundingLine.objects.all():
        steps = list(LineTransition.objects.filter(line=line).order_by("created_at", "id"))
        status = "requested"
        for step in steps:
            assert step.from_status == status and money.rule_for(step.from_status, step.to_status), line
            status = step.to_status
        assert status == line.status, line
        assert line.history.count() >= len(steps) + 1  # creation, then one history row per move


def check_ledger_is_the_rows():
    """The ledger's envelope rows and the envelopes' stored totals equal plain sums."""
    decided, paid = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
    for line in FundingLine.objects.all():
        if line.status in DECIDED:
            decided[line.envelope_id] += line.decided_amount
        # a demo line with an envelope for its funder, cité and year draws on it
        expected = Envelope.objects.filter(
            cite_id=line.action.cite_id, year=line.action.year, funder_id=line.funder_id
        ).first()
        assert line.envelope_id == (expected.pk if expected else None), line
    for payment in Payment.objects.all():
        paid[payment.line.envelope_id] += payment.amount
    assert sum(decided.values()) > 0 and sum(paid.values()) > 0
    for envelope in Envelope.objects.all():
        assert (envelope.stored_decided, envelope.stored_paid) == (decided[envelope.pk], paid[envelope.pk])
    for cite in Cite.objects.all():
        for year in set(Envelope.objects.filter(cite=cite).values_list("year", flat=True)):
            for row in ledger.envelope_rows(cite, year):
                if row.envelope_obj is not None:
                    pk = row.envelope_obj.pk
                    assert (row.decided, row.paid) == (decided[pk], paid[pk]), row.label


def test_the_demo_goes_through_the_services():
    load_demo()
    check_decisions_are_the_copils()
    check_statuses_are_steps()
    check_line_histories()
    check_ledger_is_the_rows()


def test_rerun_resets_an_action_a_person_moved():
    load_demo()
    before, lines = trails(), FundingLine.objects.count()
    action = Action.objects.filter(cite__slug="ales-agglomeration", status=S.PROGRAMMED).order_by("pk").first()
    coordinator = action.cite.memberships.filter(role="coordinator").first().user
    workflow.start_action(action, by=coordinator)  # a person starts the action from the demo

    load_demo()

    action = Action.objects.get(cite=action.cite, year=action.year, title=action.title)
    assert action.status == S.PROGRAMMED
    assert sorted(trails().values()) == sorted(before.values())
    assert FundingLine.objects.count() == lines
    check_decisions_are_the_copils()
    check_ledger_is_the_rows()
