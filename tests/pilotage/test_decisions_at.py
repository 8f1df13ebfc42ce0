"""``at=`` on the COPIL services: decisions of a past meeting recorded and validated as of
then (the demo's COPILs): the actions' steps are dated then, nobody is notified."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from actions.models import Action
from financements.models import FundingLine, LineStatus
from pilotage import services
from pilotage.models import AgendaItem

from .factories import MeetingFactory

pytestmark = pytest.mark.django_db
D = AgendaItem.Decision


@pytest.fixture
def past_copil(world, make_proposal, envelopes):
    held = timezone.now() - datetime.timedelta(days=30)
    meeting = MeetingFactory(cite=world.a.cite, title="COPIL de programmation", starts_at=held)
    kept = make_proposal(anct="1000.00", title="Ateliers lecture")
    refused = make_proposal(anct="500.00", title="Sorties")
    services.add_to_agenda(meeting, [kept, refused])
    items = {item.action_id: item for item in meeting.agenda_items.all()}
    line = kept.budget_lines.get(account="74")
    decisions = [
        services.Decision(items[kept.pk], D.PROGRAMMED, "Adoptée.", {line.pk: Decimal("1000.00")}),
        services.Decision(items[refused.pk], D.REJECTED, "Hors des priorités."),
    ]
    return meeting, kept, refused, decisions


def test_decisions_recorded_and_validated_in_the_past(world, past_copil, django_capture_on_commit_callbacks):
    meeting, kept, refused, decisions = past_copil
    end = meeting.starts_at + datetime.timedelta(hours=3)
    next_morning = meeting.starts_at + datetime.timedelta(hours=18)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.record_decisions(meeting, decisions, by=world.a.coordinator, at=end) is True
        assert services.validate_decisions(meeting, by=world.a.coordinator, at=next_morning) == 2

    assert callbacks == [] and mail.outbox == []
    meeting.refresh_from_db()
    assert (meeting.decisions_recorded_at, meeting.decisions_validated_at) == (end, next_morning)
    for action, status in ((kept, Action.Status.PROGRAMMED), (refused, Action.Status.REJECTED)):
        action.refresh_from_db()
        assert action.status == status
        assert action.transitions.get(to_status=status).created_at == end
    decision = kept.programming_decisions.get()
    assert (decision.meeting, decision.decided_on) == (meeting, timezone.localdate(meeting.starts_at))
    line = FundingLine.objects.get(action=kept)
    assert (line.status, line.decided_amount) == (LineStatus.DECIDED, Decimal("1000.00"))


def test_before_the_meeting_the_decisions_stay_a_draft(world, past_copil):
    meeting, kept, _, decisions = past_copil
    before = meeting.starts_at - datetime.timedelta(days=1)
    assert services.record_decisions(meeting, decisions, by=world.a.coordinator, at=before) is False
    kept.refresh_from_db()
    assert kept.status == Action.Status.IN_REVIEW and not kept.transitions.filter(to_status="programmed").exists()


def test_no_decision_in_the_future(world, past_copil):
    meeting, _, _, decisions = past_copil
    with pytest.raises(services.DecisionError, match="future"):
        services.record_decisions(
            meeting, decisions, by=world.a.coordinator, at=timezone.now() + datetime.timedelta(days=1)
        )
