"""End to end with a real Celery worker (not eager): « Générer » → queued → done →
download, and the figures read back from the PDF."""

import time

import pytest
from django.urls import reverse

from pilotage.models import Report

from .conftest import pdf_text, squash


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
    make_proposal(status="programmed", anct="40000.00", agglo="10000.00", title="Coup de pouce lecture")
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
    assert "ANCT – programme 147 175 000,00 € 40 000,00 €" in text
    assert "Coup de pouce" in text and "Programmée 51 000,00 € 50 000,00 €" in text
