"""Reports on S3-compatible object storage (moto's server on 127.0.0.1): the task (eager
here) writes the PDF into the bucket, and the checked view streams it back."""

import pytest
from django.urls import reverse

from pilotage.models import Report

from .conftest import pdf_text

pytestmark = pytest.mark.heavy  # a moto server: run once, in CI's PostgreSQL pass


def test_a_generated_report_is_written_to_the_bucket_and_downloaded_through_its_view(
    login, world, make_proposal, s3_storage, settings, django_capture_on_commit_callbacks
):
    make_proposal(anct="5000.00")
    client = login(world.a.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("pilotage:report_generate", args=[world.a.cite.pk]), {"kind": "evaluation", "year": "2026"}
        )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.status == Report.Status.DONE, report.error
    assert s3_storage.keys() == [report.file.name]
    assert report.file.name.startswith(f"rapports/{world.a.cite.pk}/2026/")
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*"))

    response = client.get(reverse("pilotage:report_download", args=[report.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-") and len(body) == report.size
    assert "Cité éducative A" in pdf_text(body)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{report.filename}"'
    assert response["Cache-Control"] == "private, no-store"
    assert login(world.b.coordinator).get(reverse("pilotage:report_download", args=[report.pk])).status_code == 404
