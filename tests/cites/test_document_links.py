"""The edit page of a convention shows its current document through the
permission-checked view, never by the storage's own URL: on S3 that would be a signed
URL that skips every check (and the forced name, and no-store); on the disk, a dead link."""

import pytest
from django.urls import reverse

from cites.forms import AmendmentForm
from tests.otp import force_login_verified
from tests.s3 import s3_storage_settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("storage", ["disque", "s3"])
def test_the_current_document_links_to_the_checked_view(client, world, objs, settings, storage):
    if storage == "s3":  # signed URLs are computed locally: no server needed to render the page
        settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings("portail", "http://127.0.0.1:9")}
    force_login_verified(client, world.a.coordinator)
    page = client.get(reverse("cites:convention_update", args=[objs.convention.pk])).content.decode()
    checked = reverse("cites:convention_document", args=[objs.convention.pk])
    assert f'<a href="{checked}">' in page
    assert "X-Amz-" not in page and "127.0.0.1:9" not in page and settings.MEDIA_URL not in page
    assert 'name="document-clear"' in page  # the coordinator may still remove it

    amendment_form = str(AmendmentForm(instance=objs.amendment)["document"])
    assert reverse("cites:amendment_document", args=[objs.convention.pk, objs.amendment.pk]) in amendment_form
    assert "X-Amz-" not in amendment_form and settings.MEDIA_URL not in amendment_form


def test_the_admin_shows_the_stored_name_and_links_no_storage_url(client, world, objs, settings):
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings("portail", "http://127.0.0.1:9")}
    force_login_verified(client, world.admin)
    response = client.get(reverse("admin:cites_convention_change", args=[objs.convention.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert objs.convention.document.name in page and objs.amendment.document.name in page
    assert "X-Amz-" not in page and "127.0.0.1:9" not in page
