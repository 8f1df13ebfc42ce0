"""Scoping of the cité pages beyond the permission matrix (``test_permission_matrix.py``
gives every URL's status for every role, checks that nothing leaks into a refusal and
that a refused POST changes nothing): what the lists show each role, what a partner may
change of its organisation, and the signed convention document.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from tests.cites.conftest import PDF_BYTES, ROLES
from tests.factories import ConventionFactory, valid_siret
from tests.otp import force_login_verified

OUTSIDERS = ("outsider_coordinator", "outsider_pilot", "outsider_prefecture")


def _body(response):
    if response.streaming:
        # The test client closes the response once the iterator is exhausted.
        return b"".join(response.streaming_content)
    return response.content


def _client_for(client, world, role):
    user = ROLES[role](world)
    if user is not None:
        force_login_verified(client, user)
    return client


@pytest.mark.parametrize("role", ["partner", *OUTSIDERS])
@pytest.mark.parametrize("url_name", ["cite_list", "convention_list", "organisation_list"])
def test_lists_show_nothing_of_cite_a_to_outsiders_and_partner(client, world, objs, url_name, role):
    response = _client_for(client, world, role).get(reverse(f"cites:{url_name}"))
    content = response.content.decode()
    assert objs.convention.title not in content
    assert objs.funder.name not in content
    if response.status_code == 200 and role != "partner":
        assert objs.cite.name not in content
        assert world.b.cite.name in content or url_name == "convention_list"


def test_lists_show_cite_a_to_its_read_only_roles(client, world, objs):
    for user in (world.a.pilot, world.a.prefecture):
        force_login_verified(client, user)
        assert objs.cite.name in client.get(reverse("cites:cite_list")).content.decode()
        assert objs.convention.title in client.get(reverse("cites:convention_list")).content.decode()
        assert objs.funder.name in client.get(reverse("cites:organisation_list")).content.decode()


def test_partner_edits_only_the_contact_details_of_its_organisation(login, world, objs):
    """Identity (name, kind, SIRET, funder) and cités are not the partner's to change."""
    organisation = objs.organisation
    identity = (organisation.name, organisation.kind, organisation.siret, organisation.is_funder)
    client = login(world.a.partner)
    url = reverse("cites:organisation_update", args=[organisation.pk])
    page = client.get(url).content.decode()
    assert 'name="email"' in page and 'name="siret"' not in page and 'name="is_funder"' not in page
    response = client.post(
        url,
        {"name": "Association A (nouveau nom)", "kind": "entreprise", "siret": valid_siret(778), "is_funder": "on",
         "email": "contact@asso-a.example.org", "phone": "04 66 00 00 00", "city": "Alès"},
    )  # fmt: skip
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert (organisation.name, organisation.kind, organisation.siret, organisation.is_funder) == identity
    assert (organisation.email, organisation.city) == ("contact@asso-a.example.org", "Alès")
    # A partner manages no cité: the links set by the coordination stay.
    assert list(organisation.cites.all()) == [objs.cite]


# --- The signed convention document -------------------------------------------------------
@pytest.fixture
def bare_convention(world):
    return ConventionFactory(cite=world.a.cite, title="Convention sans document")


def _convention_post(convention, upload):
    return {
        "kind": convention.kind,
        "title": convention.title,
        "status": convention.status,
        "signed_on": convention.signed_on.isoformat(),
        "start_date": convention.start_date.isoformat(),
        "end_date": convention.end_date.isoformat(),
        "document": upload,
    }


def test_signed_pdf_uploaded_by_coordinator_is_served_only_within_scope(client, world, bare_convention):
    force_login_verified(client, world.a.coordinator)
    upload = SimpleUploadedFile("convention-signee.pdf", PDF_BYTES, content_type="application/pdf")
    response = client.post(
        reverse("cites:convention_update", args=[bare_convention.pk]), _convention_post(bare_convention, upload)
    )
    assert response.status_code == 302
    bare_convention.refresh_from_db()
    assert bare_convention.document

    url = reverse("cites:convention_document", args=[bare_convention.pk])
    force_login_verified(client, world.a.pilot)
    detail = client.get(bare_convention.get_absolute_url()).content.decode()
    assert url in detail and "Télécharger la convention (PDF)" in detail
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert _body(response) == PDF_BYTES

    for outsider in (world.b.coordinator, world.b.prefecture):
        force_login_verified(client, outsider)
        response = client.get(url)
        assert response.status_code == 404
        assert PDF_BYTES[:8] not in _body(response)

    force_login_verified(client, world.a.partner)
    response = client.get(url)
    assert response.status_code in (403, 404)
    assert PDF_BYTES[:8] not in _body(response)


def test_renamed_non_pdf_is_refused_and_nothing_saved(login, world, bare_convention, settings):
    client = login(world.a.coordinator)
    upload = SimpleUploadedFile("convention.pdf", b"PK\x03\x04 not a pdf at all", content_type="application/pdf")
    response = client.post(
        reverse("cites:convention_update", args=[bare_convention.pk]), _convention_post(bare_convention, upload)
    )
    assert response.status_code == 200
    assert (
        escape("Le fichier « convention.pdf » est refusé : son contenu n'est pas celui d'un document PDF")
        in response.content.decode()
    )
    bare_convention.refresh_from_db()
    assert not bare_convention.document
    assert not (settings.MEDIA_ROOT / "conventions").exists()


def test_pdf_content_with_another_extension_is_refused(login, world, bare_convention):
    client = login(world.a.coordinator)
    upload = SimpleUploadedFile("convention.exe", PDF_BYTES, content_type="application/pdf")
    response = client.post(
        reverse("cites:convention_update", args=[bare_convention.pk]), _convention_post(bare_convention, upload)
    )
    assert response.status_code == 200
    assert "Seuls les fichiers PDF sont acceptés." in response.content.decode()
    bare_convention.refresh_from_db()
    assert not bare_convention.document


def test_oversized_pdf_is_refused_with_the_limit_in_french(login, world, bare_convention, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024  # 1 Mo
    client = login(world.a.coordinator)
    big = PDF_BYTES + b"%" + b"0" * (1024 * 1024 + 512 * 1024)  # about 1,5 Mo
    upload = SimpleUploadedFile("convention.pdf", big, content_type="application/pdf")
    response = client.post(
        reverse("cites:convention_update", args=[bare_convention.pk]), _convention_post(bare_convention, upload)
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Le fichier « convention.pdf » pèse 1,5\u00a0Mo : la limite est de 1\u00a0Mo." in content
    bare_convention.refresh_from_db()
    assert not bare_convention.document


def test_small_size_limit_is_stated_without_rounding_to_zero(login, world, bare_convention, settings):
    settings.UPLOAD_MAX_BYTES = 100
    client = login(world.a.coordinator)
    upload = SimpleUploadedFile("convention.pdf", PDF_BYTES + b"0" * 2000, content_type="application/pdf")
    response = client.post(
        reverse("cites:convention_update", args=[bare_convention.pk]), _convention_post(bare_convention, upload)
    )
    content = response.content.decode()
    assert "la limite est de 0" not in content
    assert "la limite est de 100\u00a0octets." in content
    bare_convention.refresh_from_db()
    assert not bare_convention.document
