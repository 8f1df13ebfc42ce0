"""What a coordinator does on the cité pages: profile, perimeter, axes, organisations,
conventions and their financial commitments; French formats for amounts and dates."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.html import escape

from cites.models import Amendment, Commune, Convention, ConventionCommitment, LocalAxis, Organisation, School
from core.formatting import format_date_fr, format_euros
from tests.factories import CommuneFactory, LocalAxisFactory, OrganisationFactory, valid_siret, valid_uai


@pytest.fixture
def coordinator(login, world):
    return login(world.a.coordinator)


def flash(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def cite_profile(cite, **changes):
    return {
        "name": cite.name, "code": cite.code, "departement": cite.departement, "status": cite.status,
        "label_year": cite.label_year, "label_start": cite.label_start.isoformat(),
        "label_end": cite.label_end.isoformat(), "description": cite.description, **changes,
    }  # fmt: skip


# --- French formats ----------------------------------------------------------------------
def test_format_euros_uses_french_grouping_and_no_break_spaces():
    assert format_euros(Decimal("175000")) == "175\u202f000,00\u00a0€"
    assert format_euros(Decimal("175000")).replace("\u202f", " ").replace("\u00a0", " ") == "175 000,00 €"
    assert format_euros(Decimal("1234567.891")) == "1\u202f234\u202f567,89\u00a0€"
    assert format_euros(Decimal("999")) == "999,00\u00a0€"
    assert format_euros(Decimal("-5000")) == "-5\u202f000,00\u00a0€"
    assert format_euros(None) == "—"


def test_format_date_fr_writes_the_month_and_1er():
    assert format_date_fr(datetime.date(2025, 10, 27)) == "27 octobre 2025"
    assert format_date_fr(datetime.date(2025, 9, 1)) == "1er septembre 2025"
    assert format_date_fr(datetime.date(2026, 8, 2)) == "2 août 2026"
    assert format_date_fr(None) == "—"


# --- Cité profile ------------------------------------------------------------------------
def test_coordinator_edits_the_cite_profile(coordinator, world):
    cite = world.a.cite
    url = reverse("cites:cite_update", args=[cite.pk])
    assert coordinator.get(url).status_code == 200
    response = coordinator.post(
        url, cite_profile(cite, name="Cité éducative d'Alès", description="Trois quartiers, un collège.")
    )
    assert response.status_code == 302 and response.url == cite.get_absolute_url()
    assert flash(response) == ["Le profil de la cité a été enregistré."]
    page = coordinator.get(cite.get_absolute_url()).content.decode()
    assert "Trois quartiers, un collège." in page
    assert "du 1er septembre 2025 au 31 août 2028" in page


def test_the_national_record_of_a_cite_is_not_the_coordinations(coordinator, world):
    """Name, code, département, status, label dates and renewal: the national administration's."""
    cite, other = world.a.cite, world.b.cite
    record = (cite.name, cite.code, cite.departement, cite.status, cite.label_start, cite.label_end)
    url = reverse("cites:cite_update", args=[cite.pk])
    page = coordinator.get(url).content.decode()
    assert 'name="description"' in page
    assert not any(f'name="{name}"' in page for name in ("name", "code", "departement", "status", "renewal_of"))
    data = cite_profile(cite, name="Renommée", departement="75", status="ended", label_end="2030-08-31")
    assert coordinator.post(url, {**data, "renewal_of": other.pk}).status_code == 302
    cite.refresh_from_db()
    assert (cite.name, cite.code, cite.departement, cite.status, cite.label_start, cite.label_end) == record
    assert cite.renewal_of is None


def test_the_national_administration_edits_the_record(login, world):
    cite = world.a.cite
    admin = login(world.admin)
    response = admin.post(reverse("cites:cite_update", args=[cite.pk]), cite_profile(cite, name="Cité renommée"))
    assert response.status_code == 302
    cite.refresh_from_db()
    assert cite.name == "Cité renommée"


def test_cite_label_ending_before_it_starts_is_refused(login, world):
    cite = world.a.cite
    response = login(world.admin).post(
        reverse("cites:cite_update", args=[cite.pk]), cite_profile(cite, name="Nom changé", label_end="2024-01-01")
    )
    assert response.status_code == 200
    assert "La fin du label doit suivre son début." in response.content.decode()
    cite.refresh_from_db()
    assert cite.name == "Cité éducative A"


# --- Perimeter: communes, QPV, schools -----------------------------------------------------
def test_commune_with_a_bad_insee_code_is_refused_and_typed_values_kept(coordinator, world):
    url = reverse("cites:commune_create", args=[world.a.cite.pk])
    response = coordinator.post(url, {"insee_code": "3000A", "name": "Saint-Christol-lez-Alès", "departement": "30"})
    assert response.status_code == 200
    content = response.content.decode()
    assert escape("Le code INSEE d'une commune comporte 5 caractères (par exemple 30007 ; 2A004 en Corse).") in content
    assert 'value="3000A"' in content
    assert 'value="Saint-Christol-lez-Alès"' in content
    assert re.search(r'<option value="30"[^>]*selected', content)
    assert not Commune.objects.exists()


def test_commune_of_another_departement_is_refused(coordinator, world):
    url = reverse("cites:commune_create", args=[world.a.cite.pk])
    response = coordinator.post(url, {"insee_code": "94074", "name": "Valenton", "departement": "30"})
    assert "Un code INSEE du département 30 commence par 30." in response.content.decode()
    assert not Commune.objects.exists()


def test_coordinator_adds_a_commune_to_the_perimeter(coordinator, world):
    cite = world.a.cite
    response = coordinator.get(reverse("cites:commune_create", args=[cite.pk]))
    assert re.search(r'<option value="30"[^>]*selected', response.content.decode()), "département prefilled"
    response = coordinator.post(
        reverse("cites:commune_create", args=[cite.pk]), {"insee_code": "30007", "name": "Alès", "departement": "30"}
    )
    assert response.status_code == 302
    assert flash(response) == ["« Alès (30007) » fait partie du périmètre de la cité."]
    assert list(cite.communes.values_list("insee_code", flat=True)) == ["30007"]
    assert "Alès" in coordinator.get(cite.get_absolute_url()).content.decode()


def test_coordinator_adds_a_qpv(coordinator, world):
    cite = world.a.cite
    commune = CommuneFactory(insee_code="30007", name="Alès")
    cite.communes.add(commune)
    response = coordinator.post(
        reverse("cites:priority_area_create", args=[cite.pk]),
        {"code": "qn03001m", "name": "Les Prés-Saint-Jean", "communes": [commune.pk]},
    )
    assert response.status_code == 302
    qpv = cite.priority_areas.get()
    assert (qpv.code, list(qpv.communes.all())) == ("QN03001M", [commune])


@pytest.fixture
def ales(world):
    commune = CommuneFactory(insee_code="30007", name="Alès")
    world.a.cite.communes.add(commune)
    return commune


def test_coordinator_adds_a_school_with_a_valid_uai(coordinator, world, ales):
    uai = valid_uai(24)
    response = coordinator.post(
        reverse("cites:school_create", args=[world.a.cite.pk]),
        {"uai": uai.lower(), "name": "Jean Moulin", "kind": "college", "education_priority": "rep_plus",
         "pupils": "450", "commune": ales.pk},
    )  # fmt: skip
    assert response.status_code == 302
    school = world.a.cite.schools.get()
    assert (school.uai, school.pupils, school.commune) == (uai, 450, ales)
    page = coordinator.get(world.a.cite.get_absolute_url()).content.decode()
    assert f'Collège Jean Moulin</a> <span class="fr-text--sm">({uai}, REP+)' in page


def test_school_with_a_wrong_uai_check_letter_is_refused(coordinator, world, ales):
    response = coordinator.post(
        reverse("cites:school_create", args=[world.a.cite.pk]),
        {"uai": "0750655F", "name": "Louis-le-Grand", "kind": "lycee", "commune": ales.pk},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert escape("Ce code UAI n'est pas valide : la lettre de contrôle ne correspond pas aux chiffres.") in content
    assert 'value="0750655F"' in content and 'value="Louis-le-Grand"' in content
    assert not School.objects.exists()


def test_school_commune_must_belong_to_the_cite(coordinator, world, ales):
    elsewhere = CommuneFactory(insee_code="30189", name="Nîmes")
    response = coordinator.post(
        reverse("cites:school_create", args=[world.a.cite.pk]),
        {"uai": valid_uai(25), "name": "Feuchères", "kind": "college", "commune": elsewhere.pk},
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not School.objects.exists()


# --- Local axes --------------------------------------------------------------------------
def test_coordinator_adds_an_axis_and_a_sub_axis(coordinator, world):
    cite = world.a.cite
    url = reverse("cites:axis_create", args=[cite.pk])
    response = coordinator.post(url, {"national_objective": 2, "code": "B", "title": "Continuité éducative"})
    assert response.status_code == 302
    parent = LocalAxis.objects.get(cite=cite, code="B")
    response = coordinator.post(
        url, {"national_objective": 2, "parent": parent.pk, "code": "B1", "title": "Accueil du matin"}
    )
    assert response.status_code == 302
    page = coordinator.get(cite.get_absolute_url()).content.decode()
    assert "B – Continuité éducative" in page
    assert "Objectif 2 : Promouvoir la continuité éducative" in page
    assert "<li>B1 – Accueil du matin</li>" in page


def test_axis_code_is_unique_within_the_cite_and_sub_axis_shares_its_objective(coordinator, world):
    cite = world.a.cite
    parent = LocalAxisFactory(cite=cite, code="A", national_objective=1)
    url = reverse("cites:axis_create", args=[cite.pk])
    response = coordinator.post(url, {"national_objective": 1, "code": "A", "title": "Doublon"})
    assert "Un axe de la cité porte déjà ce code." in response.content.decode()
    response = coordinator.post(url, {"national_objective": 3, "parent": parent.pk, "code": "A2", "title": "X"})
    assert "Un sous-axe relève du même objectif national que son axe parent." in response.content.decode()
    assert LocalAxis.objects.filter(cite=cite).count() == 1


def test_same_axis_code_is_allowed_in_another_cite(coordinator, world):
    LocalAxisFactory(cite=world.b.cite, code="A")
    response = coordinator.post(
        reverse("cites:axis_create", args=[world.a.cite.pk]), {"national_objective": 1, "code": "A", "title": "Axe"}
    )
    assert response.status_code == 302


# --- Organisations -----------------------------------------------------------------------
def test_coordinator_creates_an_organisation(coordinator, world):
    response = coordinator.get(reverse("cites:organisation_create"))
    content = response.content.decode()
    assert world.a.cite.name in content and world.b.cite.name not in content, "only managed cités offered"
    siret = valid_siret(4242)
    response = coordinator.post(
        reverse("cites:organisation_create"),
        {"name": "Alès Agglomération", "kind": "collectivite", "siret": siret, "is_funder": "on",
         "postal_code": "30100", "city": "Alès", "cites": [world.a.cite.pk]},
    )  # fmt: skip
    organisation = Organisation.objects.get(name="Alès Agglomération")
    assert response.status_code == 302 and response.url == organisation.get_absolute_url()
    page = coordinator.get(organisation.get_absolute_url()).content.decode()
    assert siret in page and "Collectivité territoriale – financeur" in page and world.a.cite.name in page


def test_organisation_postal_code_must_have_five_digits(coordinator, world):
    response = coordinator.post(
        reverse("cites:organisation_create"), {"name": "Asso", "kind": "association", "postal_code": "3010"}
    )
    assert "Le code postal comporte 5 chiffres." in response.content.decode()
    assert not Organisation.objects.filter(name="Asso").exists()


# --- Conventions and commitments -----------------------------------------------------------
@pytest.fixture
def funders(world):
    cite = world.a.cite
    return {
        name: OrganisationFactory(name=name, kind=kind, is_funder=True, cites=[cite])
        for name, kind in [
            ("ANCT", Organisation.Kind.ETAT),
            ("Éducation nationale", Organisation.Kind.ETAT),
            ("Alès Agglomération", Organisation.Kind.COLLECTIVITE),
        ]
    }


def test_coordinator_creates_a_convention_with_its_commitments(coordinator, world, funders):
    cite = world.a.cite
    response = coordinator.post(
        reverse("cites:convention_create", args=[cite.pk]),
        {"kind": "cadre", "title": "Convention-cadre 2025-2028", "status": "signed", "signed_on": "2025-10-27",
         "start_date": "2025-09-01", "end_date": "2028-08-31"},
    )  # fmt: skip
    convention = Convention.objects.get(cite=cite)
    assert response.status_code == 302 and response.url == convention.get_absolute_url()

    url = reverse("cites:commitment_create", args=[convention.pk])
    form_page = coordinator.get(url).content.decode()
    assert all(name in form_page for name in ("ANCT", "Alès Agglomération"))
    for name, amount in [("ANCT", "175000,00"), ("Éducation nationale", "15000"), ("Alès Agglomération", "80000,5")]:
        response = coordinator.post(url, {"funder": funders[name].pk, "year": 2026, "amount": amount})
        assert response.status_code == 302, response.content.decode()
    assert ConventionCommitment.objects.get(funder=funders["ANCT"]).amount == Decimal("175000.00")

    page = coordinator.get(convention.get_absolute_url()).content.decode()
    assert '<td>ANCT</td><td class="portail-amount">175\u202f000,00\u00a0€</td>' in page
    assert format_euros(Decimal("15000")) in page
    assert format_euros(Decimal("80000.50")) in page
    assert "Total 2026" in page and format_euros(Decimal("270000.50")) in page
    assert "<dd>27 octobre 2025</dd>" in page
    assert "du 1er septembre 2025 au 31 août 2028" in page
    # The list shows the same total.
    listing = coordinator.get(reverse("cites:convention_list")).content.decode()
    assert format_euros(Decimal("270000.50")) in listing


def test_negative_commitment_is_refused_in_french(coordinator, world, funders):
    convention = Convention.objects.create(
        cite=world.a.cite, title="Convention", start_date=datetime.date(2025, 9, 1), end_date=datetime.date(2028, 8, 31)
    )
    response = coordinator.post(
        reverse("cites:commitment_create", args=[convention.pk]),
        {"funder": funders["ANCT"].pk, "year": 2026, "amount": "-5000"},
    )
    assert response.status_code == 200
    assert "Un montant ne peut pas être négatif (-5\u202f000,00\u00a0€)." in response.content.decode()
    assert 'value="-5000"' in response.content.decode()
    assert not ConventionCommitment.objects.exists()


def test_same_funder_twice_the_same_year_is_refused(coordinator, world, funders):
    convention = Convention.objects.create(
        cite=world.a.cite, title="Convention", start_date=datetime.date(2025, 9, 1), end_date=datetime.date(2028, 8, 31)
    )
    url = reverse("cites:commitment_create", args=[convention.pk])
    data = {"funder": funders["ANCT"].pk, "year": 2026, "amount": "1000"}
    assert coordinator.post(url, data).status_code == 302
    response = coordinator.post(url, data)
    assert response.status_code == 200
    assert "existe déjà" in response.content.decode()
    assert ConventionCommitment.objects.count() == 1


def test_commitment_funder_must_be_a_funder_of_the_cite(coordinator, world, funders):
    convention = Convention.objects.create(
        cite=world.a.cite, title="Convention", start_date=datetime.date(2025, 9, 1), end_date=datetime.date(2028, 8, 31)
    )
    foreign = OrganisationFactory(name="Financeur B", is_funder=True, cites=[world.b.cite])
    response = coordinator.post(
        reverse("cites:commitment_create", args=[convention.pk]), {"funder": foreign.pk, "year": 2026, "amount": "1"}
    )
    assert response.status_code == 200
    assert not ConventionCommitment.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": "signed", "signed_on": ""}, "Indiquez la date de signature d&#x27;une convention signée."),
        ({"start_date": "2026-09-01", "end_date": "2026-08-31"}, "La date de fin doit suivre la date de début."),
    ],
)
def test_convention_form_checks_dates(coordinator, world, changes, message):
    data = {"kind": "cadre", "title": "Convention", "status": "draft", "start_date": "2025-09-01",
            "end_date": "2028-08-31", **changes}  # fmt: skip
    response = coordinator.post(reverse("cites:convention_create", args=[world.a.cite.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Convention.objects.exists()


@pytest.fixture
def convention(world):
    return Convention.objects.create(
        cite=world.a.cite, title="Convention", start_date=datetime.date(2025, 9, 1), end_date=datetime.date(2028, 8, 31)
    )


def test_amendment_number_already_used_is_refused(coordinator, convention):
    Amendment.objects.create(convention=convention, number=1, subject="Prolongation")
    response = coordinator.post(
        reverse("cites:amendment_create", args=[convention.pk]), {"number": 1, "subject": "Avenant financier"}
    )
    assert response.status_code == 200
    assert "existe déjà" in response.content.decode()
    assert convention.amendments.count() == 1


def test_amendment_form_suggests_the_number_after_the_highest(coordinator, convention):
    # Avenant 2 was never registered: suggesting "number of avenants + 1" would propose 3 again.
    for number in (1, 3):
        Amendment.objects.create(convention=convention, number=number, subject=f"Avenant {number}")
    content = coordinator.get(reverse("cites:amendment_create", args=[convention.pk])).content.decode()
    assert re.search(r'name="number" value="4"', content)


def test_coordinator_adds_an_amendment_and_a_signatory(coordinator, convention, world):
    response = coordinator.post(
        reverse("cites:amendment_create", args=[convention.pk]),
        {"number": 1, "subject": "Prolongation d'un an", "signed_on": "2026-12-01"},
    )
    assert response.status_code == 302
    response = coordinator.post(
        reverse("cites:signatory_create", args=[convention.pk]),
        {"organisation": world.a.organisation.pk, "person_title": "Présidente", "person_name": "Claire Martin"},
    )
    assert response.status_code == 302
    page = coordinator.get(convention.get_absolute_url()).content.decode()
    assert escape("Avenant n° 1 – Prolongation d'un an, signé le 1er décembre 2026") in page
    assert "Présidente (Claire Martin) – Association A" in page
