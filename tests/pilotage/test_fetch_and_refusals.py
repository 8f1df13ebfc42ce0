"""Meeting documents and reports through the one fetch entry point (another meeting's or
cité's → 404) and the services' refusal (wrong role → the French 403 page)."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pilotage.models import MeetingDocument

from .factories import MeetingFactory, ReportFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _document(client, meeting):
    file = SimpleUploadedFile("doc.pdf", PDF_BYTES, content_type="application/pdf")
    client.post(reverse("pilotage:meeting_document_upload", args=[meeting.pk]), {"title": "Relevé", "file": file})
    return MeetingDocument.objects.get(meeting=meeting)


def test_a_document_of_another_meeting_is_a_404(login, world):
    meeting_a = MeetingFactory(cite=world.a.cite)
    meeting_b = MeetingFactory(cite=world.b.cite)
    document_b = _document(login(world.b.coordinator), meeting_b)
    client = login(world.a.coordinator)
    for name in ("pilotage:meeting_document_download", "pilotage:meeting_document_delete"):
        url = reverse(name, args=[meeting_a.pk, document_b.pk])
        response = client.post(url) if name.endswith("delete") else client.get(url)
        assert response.status_code == 404, name
    assert MeetingDocument.objects.filter(pk=document_b.pk).exists()


def test_the_service_refuses_a_pilot_removing_a_document(login, world):
    """The view leaves the role to the service: its NotAllowed is the 403 page."""
    meeting = MeetingFactory(cite=world.a.cite)
    document = _document(login(world.a.coordinator), meeting)
    response = login(world.a.pilot).post(reverse("pilotage:meeting_document_delete", args=[meeting.pk, document.pk]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Accès refusé" in page and "Seule la coordination de la cité retire les documents" in page
    assert MeetingDocument.objects.filter(pk=document.pk).exists()


def test_a_report_of_another_cite_is_a_404(login, world):
    report_b = ReportFactory(cite=world.b.cite)
    client = login(world.a.coordinator)
    assert client.get(reverse("pilotage:report_status", args=[report_b.pk])).status_code == 404
    assert client.get(reverse("pilotage:report_download", args=[report_b.pk])).status_code == 404
    assert login(world.b.coordinator).get(reverse("pilotage:report_status", args=[report_b.pk])).status_code == 200
