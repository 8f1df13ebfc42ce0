"""End to end with a real Celery worker (not eager): « Générer » → queued → done →
download, and the figures read back from the PDF."""

import os
import time

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from financements.services import create_lines_from_budget
from pilotage.models import Report
from pilotage.reports import BUILDERS
from pilotage.services import request_report
from portail.celery import app as celery_app

from .conftest import pdf_text, read_report, squash


def wait_until_finished(report, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.is_finished:
            return report
        time.sleep(0.2)
    raise AssertionError(f"report still {report.status} after {timeout} s")


@pytest.mark.django_db(transaction=True)
def test_generate_evaluation_report_with_a_real_worker(
    celery_worker_real, login, world, make_proposal, commitments, funders
):
    action = make_proposal(status="programmed", anct="40000.00", agglo="10000.00", title="Coup de pouce lecture")
    create_lines_from_budget(action, by=None)  # the asks, as programming records them
    client = login(world.a.prefecture)  # the préfecture generates the evaluation reports of its département
    url = reverse("pilotage:report_generate", args=[world.a.cite.pk])
    response = client.post(url, {"kind": "evaluation", "year": "2026"}, headers={"HX-Request": "true"})
    assert response.status_code == 201
    report = Report.objects.get()
    assert report.status in (Report.Status.QUEUED, Report.Status.RUNNING)  # answered at once
    content = response.content.decode()
    assert 'hx-trigger="every 2s"' in content and reverse("pilotage:report_status", args=[report.pk]) in content

    wait_until_finished(report)
    assert report.status == Report.Status.DONE, report.error
    status = client.get(reverse("pilotage:report_status", args=[report.pk])).content.decode()
    assert "hx-trigger" not in status  # polling stops
    assert reverse("pilotage:report_download", args=[report.pk]) in status

    download = client.get(reverse("pilotage:report_download", args=[report.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    text = squash(pdf_text(b"".join(download.streaming_content)))
    assert "Cité éducative A" in text and f"Page 1 / {report.page_count}" in text
    assert "Rapport annuel d'évaluation 2026" in text
    assert "Total 270 000,00 €" in text  # the convention's yearly commitments
    assert "ANCT – programme 147 175 000,00 € 40 000,00 €" in text  # commitment, then asked
    # The title may wrap inside its table cell, between the other columns' text.
    words = text.split()
    assert {"Coup", "pouce", "lecture"} <= set(words)
    assert "Programmée 51 000,00 € 50 000,00 €" in text


def broker_in_use():
    return celery_app.conf.broker_url.split("://", 1)[0]


def other_database_sessions():
    """On PostgreSQL, the sessions on the test database other than ours (the worker's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_on_the_configured_broker_and_database(celery_worker_real, world, make_proposal, funders):
    """CI runs the suite twice: SQLite with a filesystem queue, then PostgreSQL with Redis.
    Both must really be in use here, and the worker thread must not keep a PostgreSQL
    session open once its task is done (it would block dropping the test database)."""
    expected = os.environ.get("CELERY_BROKER_URL") or "filesystem://"
    assert broker_in_use() == expected.split("://", 1)[0]
    assert celery_worker_real.app.connection().transport.driver_type == (
        "redis" if expected.startswith("redis") else "filesystem"
    )
    action = make_proposal(status="programmed", anct="12500.50", title="Atelier numérique")
    report = request_report(Report.Kind.ACTION_SHEET, action.cite, action.year, world.a.partner, action=action)
    wait_until_finished(report)
    assert report.status == Report.Status.DONE, report.error
    assert report.file.name.startswith(f"rapports/{world.a.cite.pk}/2026/")
    assert "12 500,50 €" in squash(pdf_text(read_report(report)))
    if connection.vendor == "postgresql":
        deadline = time.monotonic() + 10
        while other_database_sessions() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert other_database_sessions() == 0


@pytest.mark.django_db(transaction=True)
def test_failure_retry_and_new_version_with_a_real_worker(celery_worker_real, login, world, monkeypatch):
    """A transient database error is retried by the worker (with back-off) and the report
    still ends done; any other error marks it failed with its reason; asking again makes
    a new version, done."""
    calls = []
    original = BUILDERS[Report.Kind.EVALUATION]

    def flaky(report):
        calls.append(report.pk)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return original(report)

    monkeypatch.setitem(BUILDERS, Report.Kind.EVALUATION, flaky)
    client = login(world.a.coordinator)
    url = reverse("pilotage:report_generate", args=[world.a.cite.pk])
    assert client.post(url, {"kind": "evaluation", "year": "2026"}).status_code == 302
    first = Report.objects.get()
    wait_until_finished(first, timeout=90)
    assert first.status == Report.Status.DONE, first.error
    assert calls == [first.pk, first.pk]  # run twice: the retry succeeded

    def broken(report):
        raise RuntimeError("police introuvable")

    monkeypatch.setitem(BUILDERS, Report.Kind.EVALUATION, broken)
    assert client.post(url, {"kind": "evaluation", "year": "2026"}).status_code == 302
    second = Report.objects.get(version=2)
    wait_until_finished(second)
    assert second.status == Report.Status.FAILED and "police introuvable" in second.error
    row = client.get(reverse("pilotage:report_status", args=[second.pk])).content.decode()
    assert "Échec" in row and "police introuvable" in row and "hx-trigger" not in row

    monkeypatch.setitem(BUILDERS, Report.Kind.EVALUATION, original)
    assert client.post(url, {"kind": "evaluation", "year": "2026"}).status_code == 302
    third = Report.objects.get(version=3)
    wait_until_finished(third)
    assert third.status == Report.Status.DONE, third.error
    assert Report.objects.filter(kind=Report.Kind.EVALUATION).count() == 3  # older versions kept
