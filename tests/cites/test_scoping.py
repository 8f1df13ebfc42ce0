"""Scoping of every cité URL for every role: owner, read-only roles, partner, outsiders.

Rules (CONVENTIONS.md): objects outside the user's scope answer 404, the wrong role
inside the scope answers 403, anonymous visitors go to the login page. Partners never
reach cité management pages (the ``staff_only`` decorator answers 403 before any lookup,
so the answer does not even reveal whether the object exists).
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Invitation
from cites import urls as cites_urls
from cites.models import (
    Amendment,
    Cite,
    Commune,
    Convention,
    ConventionCommitment,
    LocalAxis,
    Organisation,
    PriorityArea,
    School,
    Signatory,
)
from tests.cites.conftest import PDF_BYTES, ROLES
from tests.factories import ConventionFactory, valid_siret, valid_uai
from tests.otp import force_login_verified

# (url name, kwargs from the objs fixture, kind)
URLS = [
    ("cite_list", lambda o: {}, "list"),
    ("cite_create", lambda o: {}, "admin_only"),
    ("cite_detail", lambda o: {"pk": o.cite.pk}, "read"),
    ("cite_update", lambda o: {"pk": o.cite.pk}, "edit"),
    ("perimeter_update", lambda o: {"pk": o.cite.pk}, "edit"),
    ("commune_create", lambda o: {"pk": o.cite.pk}, "edit"),
    ("priority_area_create", lambda o: {"pk": o.cite.pk}, "edit"),
    ("school_create", lambda o: {"pk": o.cite.pk}, "edit"),
    ("school_update", lambda o: {"pk": o.cite.pk, "school_pk": o.school.pk}, "edit"),
    ("axis_create", lambda o: {"pk": o.cite.pk}, "edit"),
    ("axis_update", lambda o: {"pk": o.cite.pk, "axis_pk": o.axis.pk}, "edit"),
    ("members", lambda o: {"pk": o.cite.pk}, "read"),
    ("convention_create", lambda o: {"pk": o.cite.pk}, "edit"),
    ("organisation_list", lambda o: {}, "org_list"),
    ("organisation_create", lambda o: {}, "org_create"),
    ("organisation_detail", lambda o: {"pk": o.organisation.pk}, "org_read"),
    ("organisation_update", lambda o: {"pk": o.organisation.pk}, "org_edit"),
    ("organisation_members", lambda o: {"pk": o.organisation.pk}, "org_read"),
    # POST only (tests/accounts/test_referents.py has their POST matrix)
    (
        "organisation_member_remove",
        lambda o: {"pk": o.organisation.pk, "membership_pk": o.organisation.memberships.get().pk},
        "post_only",
    ),
    (
        "organisation_member_referent",
        lambda o: {"pk": o.organisation.pk, "membership_pk": o.organisation.memberships.get().pk, "choice": "oui"},
        "post_only",
    ),
    ("convention_list", lambda o: {}, "list"),
    ("convention_detail", lambda o: {"pk": o.convention.pk}, "read"),
    ("convention_update", lambda o: {"pk": o.convention.pk}, "edit"),
    ("convention_document", lambda o: {"pk": o.convention.pk}, "read"),
    ("commitment_create", lambda o: {"pk": o.convention.pk}, "edit"),
    ("commitment_update", lambda o: {"pk": o.convention.pk, "commitment_pk": o.commitment.pk}, "edit"),
    ("signatory_create", lambda o: {"pk": o.convention.pk}, "edit"),
    ("amendment_create", lambda o: {"pk": o.convention.pk}, "edit"),
    ("amendment_document", lambda o: {"pk": o.convention.pk, "amendment_pk": o.amendment.pk}, "read"),
]

OUTSIDERS = ("outsider_coordinator", "outsider_pilot", "outsider_prefecture")


def _expected(kind, role):
    if role == "anonymous":
        return 302
    if kind == "post_only":
        return 405
    if role == "admin":
        return 200
    table = {
        # A partner is outside every cité's management scope: its objects answer 404.
        "read": {"owner": 200, "pilot": 200, "prefecture": 200, "partner": 404, **dict.fromkeys(OUTSIDERS, 404)},
        "edit": {"owner": 200, "pilot": 403, "prefecture": 403, "partner": 404, **dict.fromkeys(OUTSIDERS, 404)},
        "list": {"owner": 200, "pilot": 200, "prefecture": 200, "partner": 403, **dict.fromkeys(OUTSIDERS, 200)},
        "admin_only": dict.fromkeys(["owner", "pilot", "prefecture", "partner", *OUTSIDERS], 403),
        # Organisations: partners see and edit their own; a coordinator of any cité may create one.
        "org_list": dict.fromkeys(["owner", "pilot", "prefecture", "partner", *OUTSIDERS], 200),
        "org_create": {
            **dict.fromkeys(["pilot", "prefecture", "partner", "outsider_pilot", "outsider_prefecture"], 403),
            "owner": 200,
            "outsider_coordinator": 200,
        },
        "org_read": {"owner": 200, "pilot": 200, "prefecture": 200, "partner": 200, **dict.fromkeys(OUTSIDERS, 404)},
        "org_edit": {"owner": 200, "pilot": 403, "prefecture": 403, "partner": 200, **dict.fromkeys(OUTSIDERS, 404)},
    }
    return table[kind][role]


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


def test_the_table_covers_every_cites_url():
    assert {name for name, _, _ in URLS} == {p.name for p in cites_urls.urlpatterns}


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(("url_name", "kwargs", "kind"), URLS, ids=[u[0] for u in URLS])
def test_get_status_for_every_role(client, world, objs, url_name, kwargs, kind, role):
    url = reverse(f"cites:{url_name}", kwargs=kwargs(objs))
    response = _client_for(client, world, role).get(url)
    body = _body(response)
    expected = _expected(kind, role)
    assert response.status_code == expected, f"{role} on {url_name}"
    if expected == 302:
        assert response.url == f"{reverse('accounts:login')}?next={url}"
    if expected in (403, 404):
        # Nothing of cité A leaks into a refusal.
        for secret in (objs.cite.name, objs.convention.title, "Jean Moulin", PDF_BYTES[:8].decode()):
            assert secret not in body.decode(errors="replace")


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


# --- POST: refusals change nothing; the owner's identical POST does change something ----
POSTS = {
    "cite_create": lambda o: {
        "name": "Cité éducative de Valenton", "code": "VAL", "departement": "94", "status": "labelled",
        "label_year": 2022, "label_start": "2022-09-01", "label_end": "2025-08-31",
    },
    "cite_update": lambda o: {
        "name": "Cité éducative A renommée", "code": o.cite.code, "departement": "30", "status": "labelled",
        "label_year": 2025, "label_start": "2025-09-01", "label_end": "2028-08-31", "description": "Nouveau texte",
    },
    "perimeter_update": lambda o: {"communes": [o.commune.pk]},
    "commune_create": lambda o: {"insee_code": "30189", "name": "Nîmes", "departement": "30"},
    "priority_area_create": lambda o: {"code": "QN03002A", "name": "Cévennes", "communes": [o.commune.pk]},
    "school_create": lambda o: {
        "uai": valid_uai(99), "name": "École Langevin", "kind": "ecole", "education_priority": "rep",
        "pupils": "120", "commune": o.commune.pk,
    },
    "school_update": lambda o: {
        "uai": o.school.uai, "name": "Jean Moulin rénové", "kind": "college", "education_priority": "rep_plus",
        "pupils": "500", "commune": o.commune.pk,
    },
    "axis_create": lambda o: {"national_objective": 2, "code": "B1", "title": "Continuité éducative"},
    "axis_update": lambda o: {"national_objective": 1, "code": "A1", "title": "Réussite renommée"},
    "members": lambda o: {"email": "nouvelle@example.org", "full_name": "Nouvelle Personne", "role": "pilot"},
    "convention_create": lambda o: {
        "kind": "fonds", "title": "Convention Fonds de la cité", "status": "draft",
        "start_date": "2026-01-01", "end_date": "2026-12-31",
    },
    "organisation_create": lambda o: {
        "name": "Les Petits Débrouillards Occitanie", "kind": "association", "siret": valid_siret(777),
        "rna": "W302001234", "postal_code": "30100", "city": "Alès", "cites": [o.cite.pk],
    },
    "organisation_update": lambda o: {
        "name": "Association A renommée", "kind": "association", "siret": o.organisation.siret,
        "cites": [o.cite.pk],
    },
    "convention_update": lambda o: {
        "kind": "cadre", "title": "Convention-cadre renommée", "status": "signed", "signed_on": "2025-10-27",
        "start_date": "2025-09-01", "end_date": "2028-08-31",
    },
    "commitment_create": lambda o: {"funder": o.funder.pk, "year": 2027, "amount": "175000,00"},
    "commitment_update": lambda o: {"funder": o.funder.pk, "year": 2026, "amount": "180000,00"},
    "signatory_create": lambda o: {"organisation": o.organisation.pk, "person_title": "Maire d'Alès"},
    "amendment_create": lambda o: {"number": 2, "subject": "Avenant financier", "signed_on": "2026-06-01"},
}  # fmt: skip

SNAPSHOT_MODELS = [
    Cite, Cite.communes.through, Cite.priority_areas.through, Cite.schools.through, Commune, PriorityArea,
    School, LocalAxis, Organisation, Organisation.cites.through, Convention, ConventionCommitment, Signatory,
    Amendment, Invitation,
]  # fmt: skip


def _snapshot():
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in SNAPSHOT_MODELS}


EDIT_URLS = [u for u in URLS if u[0] in POSTS]


def test_every_edit_page_has_a_post_check():
    editable = {name for name, _, kind in URLS if kind in ("edit", "admin_only", "org_create", "org_edit")}
    assert editable | {"members"} == set(POSTS)


# The partner's POST on its own organisation is tested below: it must not send the cités field.
POST_CASES = [
    pytest.param(url_name, kwargs, kind, role, id=f"{url_name}-{role}")
    for url_name, kwargs, kind in EDIT_URLS
    for role in ROLES
    if (url_name, role) != ("organisation_update", "partner")
]


def _expected_post(url_name, kind, role):
    if url_name == "organisation_create" and role == "outsider_coordinator":
        return 200  # may create organisations, but not attach one to someone else's cité
    # POST on the members page invites someone: an edit, whatever its GET kind.
    status = _expected("edit" if kind == "read" else kind, role)
    return 302 if status == 200 else status


@pytest.mark.parametrize(("url_name", "kwargs", "kind", "role"), POST_CASES)
def test_post_for_every_role(client, world, objs, url_name, kwargs, kind, role):
    url = reverse(f"cites:{url_name}", kwargs=kwargs(objs))
    before = _snapshot()
    response = _client_for(client, world, role).post(url, POSTS[url_name](objs))
    expected = _expected_post(url_name, kind, role)
    assert response.status_code == expected, f"{role} POST {url_name}: {response.status_code}"
    if expected == 302 and role != "anonymous":
        assert _snapshot() != before, "an allowed POST changes something (so the payload is valid)"
    else:
        assert _snapshot() == before
    if expected == 302:
        login_page = reverse("accounts:login")
        assert response.url.startswith(login_page) is (role == "anonymous")
    if expected == 200:
        assert "Sélectionnez un choix valide" in response.content.decode()


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
