"""The beat schedule (settings.CELERY_BEAT_SCHEDULE) and the sweeps it runs."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts import tasks as account_tasks
from accounts.models import Invitation, Role
from core import tasks
from portail.celery import app as celery_app

DAY = timedelta(days=1)


def test_every_scheduled_task_is_a_registered_task():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {"mail-sweep", "mail-cleanup", "sessions-purge", "invitations-purge"} <= set(schedule)
    assert schedule["mail-sweep"]["schedule"] <= 60  # a mail the broker missed waits a minute at most
    celery_app.loader.import_default_modules()  # what a worker does at start (autodiscovery)
    unknown = {name: entry["task"] for name, entry in schedule.items() if entry["task"] not in celery_app.tasks}
    assert unknown == {}


@pytest.mark.django_db
def test_expired_sessions_are_purged():
    expired, alive = SessionStore(), SessionStore()
    expired.set_expiry(-60)
    expired.create()
    alive.create()
    tasks.clear_expired_sessions()
    assert list(Session.objects.values_list("session_key", flat=True)) == [alive.session_key]


@pytest.mark.django_db
def test_invitations_expired_long_ago_are_purged(world, settings):
    settings.INVITATION_KEEP_DAYS = 30
    now = timezone.now()

    def invitation(email, expires_at, accepted=False):
        return Invitation.create_with_token(
            email=email,
            role=Role.PILOT,
            cite=world.a.cite,
            invited_by=world.a.coordinator,
            expires_at=expires_at,
            accepted_at=now - 40 * DAY if accepted else None,
        )[0]

    invitation("perimee@example.org", now - 31 * DAY)
    invitation("recemment.perimee@example.org", now - 29 * DAY)
    invitation("en.cours@example.org", now + 3 * DAY)
    invitation("acceptee@example.org", now - 60 * DAY, accepted=True)
    assert account_tasks.purge_expired_invitations() == 1
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "acceptee@example.org",
        "en.cours@example.org",
        "recemment.perimee@example.org",
    ]
