"""Attachments on S3-compatible object storage (moto's server on 127.0.0.1): uploaded
through the real view into the bucket, never onto the local disk, and served only
through the permission-checked view; a store that is down gives a French 503."""

import pytest
from django.urls import reverse

from actions.models import Action, Attachment
from tests.s3 import free_port, s3_storage_settings

from .test_attachments import PDF_BYTES, add, download_url

pytestmark = pytest.mark.django_db
# A moto server takes seconds to start on a busy machine: run once, in CI's PostgreSQL pass.
moto = pytest.mark.heavy


@moto
def test_an_upload_lands_in_the_bucket_and_is_served_only_through_the_checked_view(
    login, world, make_action, s3_storage, settings
):
    action = make_action()
    client = login(world.a.partner)
    assert add(client, action, "RIB.pdf.bat", PDF_BYTES, kind="rib").status_code == 302
    attachment = Attachment.objects.get()
    assert s3_storage.keys() == [attachment.file.name]
    assert attachment.file.name.startswith(f"actions/{action.pk}/") and "RIB" not in attachment.file.name
    stored = s3_storage.client.get_object(Bucket=s3_storage.bucket, Key=attachment.file.name)
    assert stored["Body"].read() == PDF_BYTES
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*"))

    response = client.get(download_url(action, attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"] == 'attachment; filename="RIB.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Length"] == str(len(PDF_BYTES))

    Action.objects.filter(pk=action.pk).update(status=Action.Status.IN_REVIEW)
    for outsider in (world.b.partner, world.b.coordinator):
        assert login(outsider).get(download_url(action, attachment)).status_code == 404, outsider


@moto
def test_a_file_gone_from_the_bucket_is_a_404(login, world, make_action, s3_storage):
    action = make_action()
    client = login(world.a.partner)
    add(client, action, "statuts.pdf", PDF_BYTES)
    attachment = Attachment.objects.get()
    s3_storage.client.delete_object(Bucket=s3_storage.bucket, Key=attachment.file.name)
    response = client.get(download_url(action, attachment))
    assert response.status_code == 404


def test_a_store_that_is_down_answers_a_french_503_and_records_nothing(login, world, make_action, s3_unreachable):
    action = make_action()
    client = login(world.a.partner)
    response = add(client, action, "statuts.pdf", PDF_BYTES)
    assert response.status_code == 503
    page = response.content.decode()
    assert "Les documents sont momentanément indisponibles" in page and "Erreur 503" in page
    assert response["Retry-After"] == "60"
    assert not Attachment.objects.exists()


@moto
def test_a_download_while_the_store_is_down_answers_a_french_503(login, world, make_action, s3_storage, settings):
    action = make_action()
    client = login(world.a.partner)
    add(client, action, "statuts.pdf", PDF_BYTES)
    attachment = Attachment.objects.get()
    down = s3_storage_settings(s3_storage.bucket, f"http://127.0.0.1:{free_port()}")
    settings.STORAGES = {**settings.STORAGES, "default": down}
    response = client.get(download_url(action, attachment))
    assert response.status_code == 503
    assert "Les documents sont momentanément indisponibles" in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db(transaction=True)
def test_deleting_while_the_store_is_down_still_deletes_the_row(login, world, make_action, settings):
    """The file goes after the commit; if the store is down then, the file is left behind
    (and logged) but the user's deletion stands: no error page for a done deletion."""
    action = make_action()
    client = login(world.a.partner)
    add(client, action, "autre.pdf", PDF_BYTES, kind="autre")
    attachment = Attachment.objects.get()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage_settings("portail", f"http://127.0.0.1:{free_port()}"),
    }
    response = client.post(reverse("actions:attachment_delete", args=[action.pk, attachment.pk]))
    assert response.status_code == 302
    assert not Attachment.objects.exists()
