"""Attachments: accepted by content, at most 10 MB, served only through a checked view."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions.models import Action, Attachment
from core import uploads as files

pytestmark = pytest.mark.django_db
S = Action.Status

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
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
PLAIN_ZIP = zip_bytes({"readme.txt": "bonjour"})
# Word and Excel with macros, as Office writes them: a vbaProject.bin part and a
# macroEnabled content type.
DOCM_BYTES = zip_bytes(
    {
        "[Content_Types].xml": '<Types><Override PartName="/word/document.xml" '
        'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>',
        "word/document.xml": "<w:document/>",
        "word/vbaProject.bin": "Attribute VB_Name",
    }
)
XLSM_BYTES = zip_bytes(
    {
        "[Content_Types].xml": '<Types><Override ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/>'
        "</Types>",
        "xl/workbook.xml": "<workbook/>",
    }
)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF_BYTES, files.PDF),
        (PNG_BYTES, files.PNG),
        (JPEG_BYTES, files.JPEG),
        (ODT_BYTES, files.ODT),
        (ODS_BYTES, files.ODS),
        (DOCX_BYTES, files.DOCX),
        (XLSX_BYTES, files.XLSX),
        (EXE_BYTES, None),
        (PLAIN_ZIP, None),
        (b"PK\x03\x04 pas vraiment un zip", None),
        (b"<html><script>alert(1)</script>", None),
        (b"", None),
    ],
)
def test_the_type_comes_from_the_content(content, expected):
    assert files.detect_type(io.BytesIO(content)) == expected


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def url(action):
    return reverse("actions:attachments", args=[action.pk])


def add(client, action, name, content, kind="statuts"):
    return client.post(url(action), {"kind": kind, "file": upload(name, content)})


def test_the_porteur_joins_documents_of_every_accepted_format(login, world, make_action, settings):
    action = make_action()
    client = login(world.a.partner)
    for name, content in [
        ("statuts.pdf", PDF_BYTES),
        ("rib.png", PNG_BYTES),
        ("photo.jpeg", JPEG_BYTES),
        ("comptes.ods", ODS_BYTES),
        ("projet.odt", ODT_BYTES),
        ("budget.xlsx", XLSX_BYTES),
        ("lettre.docx", DOCX_BYTES),
    ]:
        response = add(client, action, name, content)
        assert response.status_code == 302, name
    stored = list(Attachment.objects.order_by("id").values_list("original_name", "extension", "content_type"))
    assert stored[0] == ("statuts.pdf", ".pdf", "application/pdf")
    assert stored[2][1] == ".jpg"
    attachment = Attachment.objects.first()
    # stored under MEDIA_ROOT with a random name, not the user's one
    path = attachment.file.path
    assert path.startswith(str(settings.MEDIA_ROOT)) and "statuts" not in path
    assert attachment.size == len(PDF_BYTES) and attachment.uploaded_by == world.a.partner


def test_an_exe_renamed_pdf_is_refused_in_french(login, world, make_action):
    action = make_action()
    response = add(login(world.a.partner), action, "statuts.pdf", EXE_BYTES)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Le fichier « statuts.pdf » est refusé : son contenu n&#x27;est pas celui d&#x27;un document" in content
    assert "quelle que soit son extension" in content
    assert not Attachment.objects.exists()


def test_a_file_over_10_mb_is_refused(login, world, make_action):
    action = make_action()
    big = PDF_BYTES + b"0" * (files.max_bytes() + 1 - len(PDF_BYTES))
    response = add(login(world.a.partner), action, "comptes.pdf", big)
    assert response.status_code == 200
    assert "pèse 10\u00a0Mo : la limite est de 10\u00a0Mo." in response.content.decode()
    assert not Attachment.objects.exists()
    exactly = PDF_BYTES + b"0" * (files.max_bytes() - len(PDF_BYTES))
    assert add(login(world.a.partner), action, "comptes.pdf", exactly).status_code == 302


@pytest.fixture
def attached(login, world, make_action):
    """A submitted action of cité A with its RIB, uploaded while it was a draft."""
    action = make_action()
    add(login(world.a.partner), action, "rib.pdf", PDF_BYTES, kind="rib")
    Action.objects.filter(pk=action.pk).update(status=S.IN_REVIEW)
    action.refresh_from_db()
    return action, Attachment.objects.get()


def download_url(action, attachment):
    return reverse("actions:attachment_download", args=[action.pk, attachment.pk])


def test_download_by_the_porteur_and_the_instruction(login, world, attached):
    action, attachment = attached
    for user in (world.a.partner, world.a.coordinator, world.a.pilot, world.admin):
        response = login(user).get(download_url(action, attachment))
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="rib.pdf"'


def test_no_download_outside_the_scope_or_role(login, world, attached, client):
    action, attachment = attached
    for user in (world.b.partner, world.b.coordinator, world.b.pilot):
        assert login(user).get(download_url(action, attachment)).status_code == 404, user
    # a partner organisation of the action is not its porteur: the RIB stays hidden
    action.partners.add(world.b.organisation)
    assert login(world.b.partner).get(download_url(action, attachment)).status_code == 404
    # the préfecture reads the action, but not the porteur's bank details
    assert login(world.a.prefecture).get(download_url(action, attachment)).status_code == 403
    # an attachment id of another action, through an action the user sees
    other = Action.objects.create(
        cite=action.cite, year=2026, porteur=world.a.organisation, title="Autre", status=S.IN_REVIEW
    )
    assert login(world.a.coordinator).get(download_url(other, attachment)).status_code == 404
    client.logout()
    response = client.get(download_url(action, attachment))
    assert response.status_code == 302 and attachment.file.name not in response.url  # to the login page


def test_no_public_media_url(client, attached, settings):
    _action, attachment = attached
    assert client.get(settings.MEDIA_URL + attachment.file.name).status_code == 404


def test_the_detail_page_lists_documents_for_the_instruction_only(login, world, attached):
    action, attachment = attached
    link = download_url(action, attachment)
    assert link in login(world.a.coordinator).get(action.get_absolute_url()).content.decode()
    assert link not in login(world.a.prefecture).get(action.get_absolute_url()).content.decode()


def test_only_the_porteur_manages_and_only_while_editable(login, world, make_action):
    action = make_action()
    assert login(world.a.coordinator).get(url(action)).status_code == 404  # a draft is the porteur's
    assert add(login(world.b.partner), action, "x.pdf", PDF_BYTES).status_code == 404
    Action.objects.filter(pk=action.pk).update(status=S.IN_REVIEW)
    assert add(login(world.a.pilot), action, "x.pdf", PDF_BYTES).status_code == 403
    response = add(login(world.a.partner), action, "x.pdf", PDF_BYTES)
    assert response.status_code == 302 and response.url == action.get_absolute_url()
    assert not Attachment.objects.exists()


def test_delete(login, world, make_action, django_capture_on_commit_callbacks):
    action = make_action()
    client = login(world.a.partner)
    add(client, action, "autre.pdf", PDF_BYTES, kind="autre")
    attachment = Attachment.objects.get()
    storage, name = attachment.file.storage, attachment.file.name
    assert storage.exists(name)
    delete_url = reverse("actions:attachment_delete", args=[action.pk, attachment.pk])
    assert login(world.b.partner).post(delete_url).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = login(world.a.partner).post(delete_url)
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert not storage.exists(name)  # the file goes once the deletion is committed


@pytest.mark.parametrize(
    ("name", "content"), [("statuts.docm", DOCM_BYTES), ("budget.docx", DOCM_BYTES), ("budget.xlsm", XLSM_BYTES)]
)
def test_office_documents_with_macros_are_refused_in_french(login, world, make_action, name, content):
    action = make_action()
    response = add(login(world.a.partner), action, name, content)
    assert response.status_code == 200
    assert f"Le fichier « {name} » est refusé : c&#x27;est un document Office avec macros." in response.content.decode()
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("name", ["RIB.pdf.bat", "RIB.html", "RIB", "RIB.PDF"])
def test_a_download_is_named_after_its_detected_type_and_kept_out_of_caches(login, world, make_action, name):
    action = make_action()
    client = login(world.a.partner)
    assert add(client, action, name, PDF_BYTES, kind="rib").status_code == 302
    attachment = Attachment.objects.get()
    response = client.get(download_url(action, attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"] in ('attachment; filename="RIB.pdf"', 'attachment; filename="RIB.PDF"')
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
