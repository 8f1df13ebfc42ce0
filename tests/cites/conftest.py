"""Fixtures for the cité pages: every kind of object of cité A, and the role table."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile

from cites.models import Amendment, Organisation, Signatory
from tests.factories import (
    CommuneFactory,
    ConventionCommitmentFactory,
    ConventionFactory,
    LocalAxisFactory,
    OrganisationFactory,
    PriorityAreaFactory,
    SchoolFactory,
    valid_siret,
    valid_uai,
)

# A tiny but well-formed PDF: what a coordinator uploads as the signed convention.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def objs(world):
    """One object of every kind in cité A (plus a convention document and an avenant PDF)."""
    cite = world.a.cite
    commune = CommuneFactory(insee_code="30007", name="Alès", departement="30")
    school = SchoolFactory(uai=valid_uai(24), name="Jean Moulin", commune=commune)
    qpv = PriorityAreaFactory(code="QN03001M", name="Les Prés-Saint-Jean")
    qpv.communes.add(commune)
    cite.communes.add(commune)
    cite.schools.add(school)
    cite.priority_areas.add(qpv)
    axis = LocalAxisFactory(cite=cite, code="A1", title="Réussite éducative")
    funder = OrganisationFactory(
        name="Agence nationale de la cohésion des territoires",
        kind=Organisation.Kind.ETAT,
        is_funder=True,
        cites=[cite],
    )
    convention = ConventionFactory(cite=cite, title="Convention-cadre de la cité A")
    convention.document.save("convention-signee.pdf", ContentFile(PDF_BYTES))
    commitment = ConventionCommitmentFactory(convention=convention, funder=funder, amount=Decimal("175000"))
    signatory = Signatory.objects.create(convention=convention, organisation=funder, person_title="Préfet du Gard")
    amendment = Amendment(convention=convention, number=1, subject="Prolongation", signed_on=datetime.date(2026, 3, 1))
    amendment.document.save("avenant-1.pdf", ContentFile(PDF_BYTES))
    return SimpleNamespace(
        cite=cite,
        organisation=world.a.organisation,
        commune=commune,
        school=school,
        qpv=qpv,
        axis=axis,
        funder=funder,
        convention=convention,
        commitment=commitment,
        signatory=signatory,
        amendment=amendment,
    )


# role name → the user playing it (None = anonymous)
ROLES = {
    "admin": lambda w: w.admin,
    "owner": lambda w: w.a.coordinator,
    "pilot": lambda w: w.a.pilot,
    "prefecture": lambda w: w.a.prefecture,
    "partner": lambda w: w.a.partner,
    "outsider_coordinator": lambda w: w.b.coordinator,
    "outsider_pilot": lambda w: w.b.pilot,
    "outsider_prefecture": lambda w: w.b.prefecture,
    "anonymous": lambda w: None,
}


# The valid form of every cité page that takes a POST (refused or accepted, by role).
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
