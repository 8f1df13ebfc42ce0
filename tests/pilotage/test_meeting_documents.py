"""Meeting documents: PDF, ODT or DOCX by content, 10 MB at most, stored under MEDIA_ROOT
and served only through the checked view."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core import uploads
from pilotage.models import MeetingDocument

from .factories import MeetingFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 40


def zip_bytes(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


ODT_BYTES = zip_bytes({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<office/>"})
ODS_BYTES = zip_bytes({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<office/>"})
DOCX_BYTES = zip_bytes({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
XLSX_BYTES = zip_bytes({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})


@pytest.fixture
def meeting(world):
    return MeetingFactory(cite=world.a.cite, title="COPIL de juin")


def upload(client, meeting, name, content, title="Document"):
    file = SimpleUploadedFile(name, content, content_type="application/pdf")  # the browser's claim is ignored
    return client.post(reverse("pilotage:meeting_document_upload", args=[meeting.pk]), {"title": title, "file": file})


@pytest.mark.parametrize(
    ("name", "content", "content_type", "extension"),
    [
        ("diaporama.pdf", PDF_BYTES, "application/pdf", ".pdf"),
        ("releve.odt", ODT_BYTES, "application/vnd.oasis.opendocument.text", ".odt"),
        (
            "compte-rendu.docx",
            DOCX_BYTES,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ".docx",
        ),
        ("sans-extension", PDF_BYTES, "application/pdf", ".pdf"),  # the content decides
    ],
)
def test_the_coordinator_uploads_then_staff_download(
    login, world, meeting, settings, name, content, content_type, extension
):
    client = login(world.a.coordinator)
    response = upload(client, meeting, name, content, title="Diaporama du COPIL")
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    document = MeetingDocument.objects.get(meeting=meeting)
    assert (document.title, document.original_name, document.size) == ("Diaporama du COPIL", name, len(content))
    assert (document.content_type, document.extension, document.uploaded_by) == (
        content_type,
        extension,
        world.a.coordinator,
    )
    # Stored under MEDIA_ROOT with a random name, in the folder of the cité and meeting.
    path = settings.MEDIA_ROOT / document.file.name
    assert path.read_bytes() == content
    assert document.file.name.startswith(f"reunions/{world.a.cite.pk}/{meeting.pk}/") and name not in document.file.name
    assert document.file.name.endswith(extension)

    page = client.get(meeting.get_absolute_url()).content.decode()
    download_url = reverse("pilotage:meeting_document_download", args=[meeting.pk, document.pk])
    assert "Diaporama du COPIL" in page and download_url in page and "/media-non-servi/" not in page
    for reader in (world.a.coordinator, world.a.pilot, world.a.prefecture, world.admin):
        response = login(reader).get(download_url)
        assert response.status_code == 200
        assert response["Content-Type"] == content_type and response["Cache-Control"] == "private, no-store"
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content) == content


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("image.pdf", PNG_BYTES),  # accepted for action attachments, not here
        ("tableau.docx", XLSX_BYTES),
        ("tableur.odt", ODS_BYTES),
        ("programme.pdf", EXE_BYTES),
        ("page.pdf", b"<html><script>alert(1)</script>"),
    ],
)
def test_other_contents_are_refused_whatever_the_extension(login, world, meeting, name, content):
    response = upload(login(world.a.coordinator), meeting, name, content)
    assert response.status_code == 422
    assert "PDF, ODT ou DOCX" in response.content.decode()
    assert not MeetingDocument.objects.exists()


def test_ten_megabytes_at_most(login, world, meeting):
    client = login(world.a.coordinator)
    big = PDF_BYTES + b"0" * (uploads.max_bytes() + 1 - len(PDF_BYTES))
    response = upload(client, meeting, "gros.pdf", big)
    assert response.status_code == 422 and "la limite est de 10\u00a0Mo." in response.content.decode()
    assert not MeetingDocument.objects.exists()
    exactly = PDF_BYTES + b"0" * (uploads.max_bytes() - len(PDF_BYTES))
    assert upload(client, meeting, "juste.pdf", exactly).status_code == 302
    assert MeetingDocument.objects.get().size == uploads.max_bytes()


def test_a_title_is_required(login, world, meeting):
    response = upload(login(world.a.coordinator), meeting, "doc.pdf", PDF_BYTES, title="")
    assert response.status_code == 422 and not MeetingDocument.objects.exists()


def test_only_the_coordination_uploads(login, world, meeting):
    for uploader, expected in (
        (world.a.pilot, 403),
        (world.a.prefecture, 403),
        (world.a.partner, 404),
        (world.b.coordinator, 404),
    ):
        assert upload(login(uploader), meeting, "doc.pdf", PDF_BYTES).status_code == expected
    assert not MeetingDocument.objects.exists()
    assert login(world.a.pilot).get(meeting.get_absolute_url()).content.decode().count('enctype="multipart') == 0


def test_removing_deletes_the_row_then_the_file(login, world, meeting, settings, django_capture_on_commit_callbacks):
    client = login(world.a.coordinator)
    upload(client, meeting, "doc.pdf", PDF_BYTES)
    document = MeetingDocument.objects.get()
    path = settings.MEDIA_ROOT / document.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("pilotage:meeting_document_delete", args=[meeting.pk, document.pk]))
    assert response.status_code == 302
    assert not MeetingDocument.objects.exists() and not path.exists()
    download = client.get(reverse("pilotage:meeting_document_download", args=[meeting.pk, document.pk]))
    assert download.status_code == 404


def test_a_missing_file_is_a_404(login, world, meeting, settings):
    client = login(world.a.coordinator)
    upload(client, meeting, "doc.pdf", PDF_BYTES)
    document = MeetingDocument.objects.get()
    (settings.MEDIA_ROOT / document.file.name).unlink()
    url = reverse("pilotage:meeting_document_download", args=[meeting.pk, document.pk])
    assert client.get(url).status_code == 404
