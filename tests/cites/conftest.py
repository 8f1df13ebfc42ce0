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
