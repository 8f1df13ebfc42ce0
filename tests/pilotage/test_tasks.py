"""The generation task: statuses, idempotence, failures, versions (Celery eager here;
test_real_worker.py runs a real worker)."""

import os
import subprocess
import sys
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError

from pilotage import tasks
from pilotage.models import Report
from pilotage.services import request_report

from .conftest import pdf_text, read_report
from .factories import MeetingFactory


@pytest.fixture
def action(make_proposal):
    return make_proposal(anct="5000.00")


def test_request_queues_after_commit_and_the_task_produces_the_pdf(world, action, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = request_report(Report.Kind.ACTION_SHEET, action.cite, action.year, world.a.partner, action=action)
    assert report.status == Report.Status.QUEUED and report.version == 1
    assert len(callbacks) == 1  # queued only once the transaction commits
    callbacks[0]()
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert report.progress == 100 and report.page_count >= 1
    assert report.size == report.file.size and report.file.name.endswith(".pdf")
    assert report.started_at <= report.finished_at
    assert "5 000,00 €" in pdf_text(read_report(report))


def test_a_done_report_is_not_generated_again(world, action, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(Report.Kind.ACTION_SHEET, action.cite, action.year, world.a.partner, action=action)
    report.refresh_from_db()
    first_file = report.file.name
    with mock.patch.object(tasks, "render_pdf") as render:
        assert tasks.generate_report(report.pk) == Report.Status.DONE
    render.assert_not_called()
    report.refresh_from_db()
    assert report.file.name == first_file


def test_failure_is_marked_with_a_reason_and_a_new_request_makes_a_new_version(
    world, action, django_capture_on_commit_callbacks
):
    with mock.patch.object(tasks, "render_pdf", side_effect=RuntimeError("police introuvable")):
        with django_capture_on_commit_callbacks(execute=True):
            failed = request_report(
                Report.Kind.ACTION_SHEET, action.cite, action.year, world.a.coordinator, action=action
            )
    failed.refresh_from_db()
    assert failed.status == Report.Status.FAILED
    assert "Erreur inattendue pendant la génération du PDF" in failed.error and "police introuvable" in failed.error
    assert not failed.file
    # Running the task again does not touch a failed report; asking again makes version 2.
    assert tasks.generate_report(failed.pk) == Report.Status.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        again = request_report(Report.Kind.ACTION_SHEET, action.cite, action.year, world.a.coordinator, action=action)
    again.refresh_from_db()
    assert (again.version, again.status) == (2, Report.Status.DONE)
    assert Report.objects.filter(action=action).count() == 2  # the older version is kept


def test_missing_data_fails_with_a_french_reason(world):
    meeting = MeetingFactory(cite=world.a.cite)
    report = Report.objects.create(kind=Report.Kind.COPIL_MINUTES, cite=world.a.cite, year=2026, meeting=None)
    assert tasks.generate_report(report.pk) == Report.Status.FAILED
    report.refresh_from_db()
    assert report.error == "Ce rapport n'est rattaché à aucune réunion."
    assert meeting.pk  # the meeting exists, but the report does not point to it


def test_database_errors_are_retried_with_backoff_then_reported():
    task = tasks.generate_report
    assert task.acks_late is True
    assert OperationalError in task.autoretry_for
    assert task.retry_backoff and task.max_retries == tasks.MAX_RETRIES


def test_exhausted_retries_mark_the_report_failed(world):
    report = Report.objects.create(kind=Report.Kind.EVALUATION, cite=world.a.cite, year=2026)
    tasks.generate_report.on_failure(OperationalError("connexion perdue"), "id", (report.pk,), {}, None)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert "base de données est restée indisponible" in report.error


def test_a_transient_error_is_raised_for_celery_to_retry(world):
    report = Report.objects.create(kind=Report.Kind.EVALUATION, cite=world.a.cite, year=2026)
    with mock.patch.object(tasks, "render_pdf", side_effect=OperationalError("server closed the connection")):
        with pytest.raises(OperationalError):
            tasks.generate_report.run(report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.RUNNING  # picked up again by the retry
    with mock.patch.object(tasks, "render_pdf", return_value=(b"%PDF-1.7 test", 1)):
        assert tasks.generate_report.run(report.pk) == Report.Status.DONE


def test_a_transient_error_closes_the_worker_connection_but_never_a_transaction():
    """The retry must open a fresh connection (the old one may be dead); a connection in
    a transaction (an eager task inside a test or a request) is left alone."""
    in_transaction, idle = mock.Mock(in_atomic_block=True), mock.Mock(in_atomic_block=False)
    with mock.patch.object(tasks, "connections") as connections:
        connections.all.return_value = [in_transaction, idle]
        with mock.patch.object(tasks, "_generate", side_effect=OperationalError("server closed the connection")):
            with pytest.raises(OperationalError):
                tasks.generate_report.run(1)
    idle.close.assert_called_once_with()
    in_transaction.close.assert_not_called()


def test_the_web_side_of_a_report_needs_no_weasyprint():
    """A web machine imports the task to dispatch a report: WeasyPrint (Pango) stays on
    the worker machines (docs/deployment.md, « Ce qu'il faut sur chaque machine »)."""
    code = (
        "import sys, django; django.setup(); import portail.urls, pilotage.jobs, pilotage.tasks, core.tasks; "
        "sys.exit('weasyprint' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portail.settings", "SECRET_KEY": "x"}
    assert subprocess.run([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR).returncode == 0
