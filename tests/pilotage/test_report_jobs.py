"""Durable report jobs (issue 13): a request is answered and kept whatever the broker's
state, the sweep sends what the broker never got and reclaims the reports of dead
workers, the third interrupted run fails the report, a queued report can be cancelled,
and the time limits sit under the broker's visibility timeout.

Celery is eager here (the sweep's dispatch runs the task in-process) except where a test
points the app at a closed port (a broker that is down) or starts the real worker."""

from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from core.tasks import send_queued_mail
from pilotage import jobs, tasks
from pilotage.models import Report
from pilotage.reports import BUILDERS
from pilotage.services import request_report
from portail.celery import app as celery_app
from tests.brokers import broker_down

from .test_real_worker import wait_until_finished


def later(delta=jobs.DISPATCH_GRACE):
    return timezone.now() + delta + timedelta(seconds=1)


def make_stale(report):
    """The worker running it died: no heartbeat since before the stall limit."""
    silent_since = timezone.now() - jobs.stall_limit() - timedelta(seconds=5)
    Report.objects.filter(pk=report.pk).update(updated_at=silent_since)


@pytest.fixture
def action(make_proposal):
    return make_proposal(anct="5000.00")


def generate_url(world):
    return reverse("pilotage:report_generate", args=[world.a.cite.pk])


# --- Broker unreachable ------------------------------------------------------------------
def test_broker_down_the_request_is_queued_and_the_sweep_sends_it_once_the_broker_is_back(
    world, login, django_capture_on_commit_callbacks, mailoutbox
):
    client = login(world.a.coordinator)
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(generate_url(world), {"kind": "evaluation", "year": "2026"})
    list_url = reverse("pilotage:report_list", args=[world.a.cite.pk])
    assert response.status_code == 302 and response.url == list_url
    assert ["en file d'attente" in str(message) for message in get_messages(response.wsgi_request)] == [True]
    report = Report.objects.get()
    assert (report.status, report.dispatched_at, report.attempts) == (Report.Status.QUEUED, None, 0)
    page = client.get(list_url).content.decode()
    assert "En file d&#x27;attente – 0 %" in page and "Annuler la génération" in page

    # The broker is back (eager). Within the first minute the sweep leaves the request alone.
    assert jobs.sweep()["dispatched"] == 0
    assert jobs.sweep(now=later())["dispatched"] == 1
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error
    assert report.attempts == 1 and report.dispatched_at is not None and report.task_id
    send_queued_mail()  # the mail queued with the result, sent by the mail sweep
    assert [message.to for message in mailoutbox] == [[world.a.coordinator.email]]
    assert mailoutbox[0].subject.startswith("Votre rapport est prêt")
    assert report.page_url in mailoutbox[0].body
    assert jobs.sweep(now=later())["dispatched"] == 0  # done: never sent again


def test_a_sweep_while_the_broker_is_still_down_keeps_the_requests_queued(world, django_capture_on_commit_callbacks):
    with broker_down():
        with django_capture_on_commit_callbacks(execute=True):
            first = request_report(Report.Kind.EVALUATION, world.a.cite, 2026, world.a.coordinator)
            second = request_report(Report.Kind.FINANCIAL_STATEMENT, world.a.cite, 2026, world.a.coordinator)
        counts = jobs.sweep(now=later())
    assert counts["dispatched"] == 0 and counts["waiting"] == 2
    for report in (first, second):
        report.refresh_from_db()
        assert (report.status, report.dispatched_at) == (Report.Status.QUEUED, None)
    assert jobs.sweep(now=later())["dispatched"] == 2  # the broker is back
    assert set(Report.objects.values_list("status", flat=True)) == {Report.Status.DONE}


# --- Dead workers ------------------------------------------------------------------------
def test_a_dead_workers_report_is_reclaimed_by_the_sweep_and_produced(world, action, mailoutbox):
    report = Report.objects.create(
        kind=Report.Kind.ACTION_SHEET, cite=world.a.cite, year=2026, action=action, requested_by=world.a.partner
    )
    assert jobs.claim(report.pk, "message-of-the-dead-worker") is not None
    make_stale(report)
    alive = Report.objects.create(kind=Report.Kind.EVALUATION, cite=world.a.cite, year=2026)
    assert jobs.claim(alive.pk, "message-of-a-busy-worker") is not None  # heartbeat just now

    counts = jobs.sweep()
    assert (counts["requeued"], counts["dispatched"], counts["failed"]) == (1, 1, 0)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error
    assert report.attempts == 2 and report.task_id != "message-of-the-dead-worker"
    send_queued_mail()
    assert [message.to for message in mailoutbox] == [[world.a.partner.email]]
    alive.refresh_from_db()
    assert alive.status == Report.Status.RUNNING  # a worker still on it: left alone

    # The dead worker's message, redelivered late, does nothing.
    produced = report.file.name
    assert tasks.generate_report.apply((report.pk,), task_id="message-of-the-dead-worker").get() == "done"
    report.refresh_from_db()
    assert report.file.name == produced and report.attempts == 2


def test_a_run_given_up_on_neither_runs_again_nor_overwrites_the_newer_run(world, action):
    """A worker presumed dead (silent past the stall limit) that was only slow: its writes
    go nowhere once the sweep handed the report to another message."""
    report = Report.objects.create(kind=Report.Kind.ACTION_SHEET, cite=world.a.cite, year=2026, action=action)
    assert jobs.claim(report.pk, "slow-run") is not None
    make_stale(report)
    assert jobs.sweep()["dispatched"] == 1  # produced again under a new message (eager)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE and report.task_id != "slow-run"
    assert jobs.heartbeat(report.pk, "slow-run", 90) == 0
    assert jobs.finish(report.pk, "slow-run", size=1, page_count=1) is False
    assert jobs.claim(report.pk, "slow-run") is None
    report.refresh_from_db()
    assert report.status == Report.Status.DONE and report.size > 1


def test_a_running_report_is_taken_again_only_by_its_own_message(world):
    report = Report.objects.create(kind=Report.Kind.EVALUATION, cite=world.a.cite, year=2026)
    assert jobs.claim(report.pk, "first") is not None
    assert tasks.generate_report.apply((report.pk,), task_id="duplicate").get() == Report.Status.RUNNING
    report.refresh_from_db()
    assert (report.status, report.task_id, report.attempts) == (Report.Status.RUNNING, "first", 1)
    # The same message redelivered (its worker died): a new attempt, produced.
    assert tasks.generate_report.apply((report.pk,), task_id="first").get() == Report.Status.DONE
    report.refresh_from_db()
    assert report.attempts == 2


def test_the_third_interrupted_run_fails_the_report_with_a_french_reason(
    world, login, django_capture_on_commit_callbacks
):
    with broker_down():
        with django_capture_on_commit_callbacks(execute=True):
            report = request_report(Report.Kind.EVALUATION, world.a.cite, 2026, world.a.coordinator)
        for attempt in (1, 2, 3):
            report.refresh_from_db()
            # A worker takes the message the report records, then dies mid-render.
            assert jobs.claim(report.pk, report.task_id).attempts == attempt
            if attempt == 2:
                row = login(world.a.coordinator).get(reverse("pilotage:report_status", args=[report.pk]))
                assert "Nouvelle tentative (2 sur 3) après une interruption." in row.content.decode()
            make_stale(report)
            counts = jobs.sweep()
            assert counts["requeued" if attempt < 3 else "failed"] == 1
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.error == jobs.interrupted_reason()
    assert "interrompue 3 fois" in report.error
    page = login(world.a.coordinator).get(reverse("pilotage:report_list", args=[world.a.cite.pk]))
    assert "Échec" in page.content.decode() and "interrompue 3 fois" in page.content.decode()
    assert jobs.sweep(now=later(timedelta(hours=2)))["dispatched"] == 0  # never sent again


def test_a_message_redelivered_after_the_third_killed_run_fails_the_report(world):
    report = Report.objects.create(kind=Report.Kind.EVALUATION, cite=world.a.cite, year=2026)
    for _ in range(3):  # each run killed its pool child; the broker redelivers the message at once
        assert jobs.claim(report.pk, "message") is not None
    assert tasks.generate_report.apply((report.pk,), task_id="message").get() == Report.Status.FAILED
    report.refresh_from_db()
    assert report.attempts == 4 and "interrompue 3 fois" in report.error and not report.file


def test_the_soft_time_limit_queues_the_report_again_for_the_sweep(world, monkeypatch):
    report = Report.objects.create(kind=Report.Kind.EVALUATION, cite=world.a.cite, year=2026)
    original = BUILDERS[Report.Kind.EVALUATION]

    def too_long(report):
        raise SoftTimeLimitExceeded()

    monkeypatch.setitem(BUILDERS, Report.Kind.EVALUATION, too_long)
    assert tasks.generate_report.apply((report.pk,), task_id="slow").get() == Report.Status.QUEUED
    report.refresh_from_db()
    assert (report.status, report.dispatched_at, report.attempts) == (Report.Status.QUEUED, None, 1)
    monkeypatch.setitem(BUILDERS, Report.Kind.EVALUATION, original)
    assert jobs.sweep(now=later())["dispatched"] == 1
    report.refresh_from_db()
    assert report.status == Report.Status.DONE and report.attempts == 2


def test_smtp_down_the_report_is_done_all_the_same(world, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(Report.Kind.EVALUATION, world.a.cite, 2026, world.a.coordinator)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error


# --- Cancel ------------------------------------------------------------------------------
def test_the_requester_cancels_a_queued_report_and_no_sweep_produces_it(
    world, login, django_capture_on_commit_callbacks
):
    client = login(world.a.prefecture)  # the préfecture asks for the evaluation report
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        client.post(generate_url(world), {"kind": "evaluation", "year": "2026"})
    report = Report.objects.get()
    cancel_url = reverse("pilotage:report_cancel", args=[report.pk])
    page = client.get(reverse("pilotage:report_list", args=[world.a.cite.pk])).content.decode()
    assert f'action="{cancel_url}"' in page and 'hx-confirm="Annuler la génération de ce rapport' in page

    assert login(world.b.coordinator).post(cancel_url).status_code == 404  # another cité
    assert login(world.a.pilot).post(cancel_url).status_code == 403  # sees it, neither requester nor coordination
    pilot = login(world.a.pilot)
    assert cancel_url not in pilot.get(reverse("pilotage:report_list", args=[world.a.cite.pk])).content.decode()
    assert pilot.get(cancel_url).status_code == 405  # a GET never cancels

    client = login(world.a.prefecture)
    response = client.post(cancel_url)
    assert response.status_code == 302 and response.url == report.page_url
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "La génération du rapport est annulée : il ne sera pas produit."
    ]
    report.refresh_from_db()
    assert report.status == Report.Status.CANCELLED and report.cancelled_by == world.a.prefecture

    assert jobs.sweep(now=later(timedelta(hours=2)))["dispatched"] == 0
    assert tasks.generate_report.apply((report.pk,), task_id=report.task_id).get() == Report.Status.CANCELLED
    report.refresh_from_db()
    assert report.status == Report.Status.CANCELLED and not report.file
    page = client.post(cancel_url, follow=True).content.decode()  # twice: refused, in French
    assert "plus en file d&#x27;attente" in page and "Génération annulée par" in page


def test_the_coordination_cancels_from_the_row_and_a_running_report_cannot_be(
    world, login, action, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        running = request_report(Report.Kind.ACTION_SHEET, world.a.cite, 2026, world.a.partner, action=action)
        jobs.claim(running.pk, "busy")
        # Another year's sheet: the same one would be the running report again (de-duplicated).
        queued = request_report(Report.Kind.ACTION_SHEET, world.a.cite, 2025, world.a.partner, action=action)
    client = login(world.a.coordinator)
    row = client.post(reverse("pilotage:report_cancel", args=[queued.pk]), headers={"HX-Request": "true"})
    assert row.status_code == 200 and "Annulé" in row.content.decode() and "hx-trigger" not in row.content.decode()
    response = client.post(reverse("pilotage:report_cancel", args=[running.pk]), follow=True)
    assert "ne peut plus être annulée" in response.content.decode()
    running.refresh_from_db()
    assert running.status == Report.Status.RUNNING


# --- Settings ----------------------------------------------------------------------------
def test_time_limits_sit_under_the_visibility_timeout_and_the_sweep_is_scheduled(settings):
    soft, hard = settings.CELERY_TASK_SOFT_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > hard > soft > 0
    assert (celery_app.conf.task_soft_time_limit, celery_app.conf.task_time_limit) == (soft, hard)
    assert jobs.stall_limit() > timedelta(seconds=hard)
    assert celery_app.conf.task_publish_retry_policy["max_retries"] <= 1
    assert celery_app.conf.broker_connection_timeout <= 2
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {"task": "pilotage.tasks.sweep_reports", "schedule": 60.0} in schedule.values()


# --- Real worker (filesystem queue on SQLite, Redis on PostgreSQL) -------------------------
@pytest.mark.django_db(transaction=True)
def test_the_sweep_hands_undispatched_and_dead_workers_reports_to_a_real_worker(celery_worker_real, world, action):
    stalled = Report.objects.create(
        kind=Report.Kind.ACTION_SHEET, cite=world.a.cite, year=2026, action=action, requested_by=world.a.partner
    )
    never_sent = Report.objects.create(kind=Report.Kind.EVALUATION, cite=world.a.cite, year=2026)
    assert jobs.claim(stalled.pk, "message-of-the-dead-worker") is not None
    make_stale(stalled)
    counts = jobs.sweep(now=later())
    assert (counts["requeued"], counts["dispatched"]) == (1, 2)
    for report, attempts in ((stalled, 2), (never_sent, 1)):
        wait_until_finished(report)
        assert report.status == Report.Status.DONE, report.error
        assert report.attempts == attempts
