"""``at=``: a workflow step recorded at a past moment (loads of past data: the demo's
timelines). Checked as of that moment, dated then, notified to nobody; never future."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from actions import services
from actions.models import Action, Call
from core.permissions import NotAllowed

from .factories import complete_bilan

pytestmark = pytest.mark.django_db
S = Action.Status
DAY = datetime.timedelta(days=1)


def test_steps_recorded_in_the_past_are_dated_then_and_notify_nobody(
    world, make_action, django_capture_on_commit_callbacks
):
    then = timezone.now() - 60 * DAY
    action = make_action()
    # the call was open then, it is closed now: a submission today would be refused
    Call.objects.filter(pk=action.call_id).update(opens_at=then - 10 * DAY, closes_at=then + 10 * DAY)
    action.refresh_from_db()
    with pytest.raises(services.TransitionError, match="appel à projets est clos"):
        services.submit_action(action, by=world.a.partner)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.submit_action(action, by=world.a.partner, at=then)
        services.start_review(action, by=world.a.coordinator, at=then + DAY)
        services.request_changes(action, by=world.a.coordinator, comment="Précisez.", at=then + 2 * DAY)

    assert callbacks == [] and mail.outbox == []
    steps = list(action.transitions.order_by("id").values_list("to_status", "created_at"))
    assert steps == [(S.SUBMITTED, then), (S.IN_REVIEW, then + DAY), (S.CHANGES_REQUESTED, then + 2 * DAY)]
    action.refresh_from_db()
    assert action.status == S.CHANGES_REQUESTED and action.submitted_at == then and action.reference


def test_a_past_submission_is_checked_against_the_call_as_it_was(world, make_action):
    action = make_action()
    before_opening = action.call.opens_at - DAY
    with pytest.raises(services.TransitionError, match="appel à projets est clos"):
        services.submit_action(action, by=world.a.partner, at=before_opening)
    assert not action.transitions.exists()


def test_a_past_bilan_is_checked_as_of_its_date(world, make_action):
    today = timezone.localdate()
    action = make_action(status=S.IN_PROGRESS, start_date=today - 90 * DAY, end_date=today - 10 * DAY)
    complete_bilan(action)
    with pytest.raises(services.TransitionError, match="pourra être transmis"):
        services.report_action(action, by=world.a.partner, at=timezone.now() - 20 * DAY)

    reported_at = timezone.now() - 5 * DAY
    step = services.report_action(action, by=world.a.partner, at=reported_at)

    action.bilan.refresh_from_db()
    assert step.created_at == reported_at and action.transitions.get().created_at == reported_at
    assert (action.bilan.submitted_at, action.bilan.submitted_by) == (reported_at, world.a.partner)


def test_no_step_in_the_future(world, make_action):
    action = make_action()
    with pytest.raises(services.TransitionError, match="futur"):
        services.submit_action(action, by=world.a.partner, at=timezone.now() + DAY)
    action.refresh_from_db()
    assert action.status == S.DRAFT and not action.transitions.exists()


def test_roles_still_apply_to_past_steps(world, make_action):
    action = make_action()
    with pytest.raises(NotAllowed):
        services.submit_action(action, by=world.a.coordinator, at=timezone.now() - DAY)
