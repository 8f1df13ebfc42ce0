"""Each list page runs the same number of SQL queries with 3 rows and with 15 rows.

A page whose query count grows with its rows (N+1) is slow on a real cité; the row
contents are asserted too, so an empty page cannot pass by accident.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Invitation, Membership, Role
from cites.models import Organisation
from tests.factories import (
    CiteFactory,
    CommuneFactory,
    ConventionCommitmentFactory,
    ConventionFactory,
    LocalAxisFactory,
    OrganisationFactory,
    PriorityAreaFactory,
    SchoolFactory,
    UserFactory,
)
from tests.querycount import LARGE, assert_same_query_count, one_by_one


def test_cite_list(login, world):
    prefecture = world.a.prefecture  # reads every cité of the Gard

    def build(i):
        if i == 0:
            cite = world.a.cite
        else:
            cite = CiteFactory(name=f"Cité du Gard {i:02d}", departement="30")
        commune = CommuneFactory(insee_code=f"30{100 + i:03d}")
        qpv = PriorityAreaFactory(code=f"QN030{i:02d}A")
        qpv.communes.add(commune)
        cite.communes.add(commune)
        cite.priority_areas.add(qpv)
        cite.schools.add(SchoolFactory(commune=commune))
        return cite.name

    assert_same_query_count(login(prefecture), reverse("cites:cite_list"), one_by_one(build))


def test_organisation_list(login, world):
    coordinator = world.a.coordinator
    second = CiteFactory(name="Deuxième cité coordonnée", departement="30")
    Membership.objects.create(user=coordinator, role=Role.COORDINATOR, cite=second)

    def build(i):
        if i == 0:
            return world.a.organisation.name
        organisation = OrganisationFactory(
            name=f"Structure {i:02d}", is_funder=i % 2 == 0, city="Alès", cites=[world.a.cite, second]
        )
        return organisation.name

    assert_same_query_count(login(coordinator), reverse("cites:organisation_list"), one_by_one(build))


def test_convention_list(login, world):
    funder = OrganisationFactory(name="ANCT", is_funder=True, kind=Organisation.Kind.ETAT, cites=[world.a.cite])

    def build(i):
        convention = ConventionFactory(cite=world.a.cite, title=f"Convention n° {i:02d}")
        for year in (2026, 2027):
            ConventionCommitmentFactory(convention=convention, funder=funder, year=year, amount=Decimal(1000 + i))
        return convention.title

    assert_same_query_count(login(world.a.coordinator), reverse("cites:convention_list"), one_by_one(build))


def test_members_page(login, world):
    cite = world.a.cite
    coordinator = world.a.coordinator

    def build(i):
        member = UserFactory(email=f"membre{i:02d}@example.org", full_name=f"Membre {i:02d}")
        Membership.objects.create(user=member, role=Role.PILOT, cite=cite)
        partner = UserFactory(email=f"partenaire{i:02d}@example.org", full_name=f"Partenaire {i:02d}")
        Membership.objects.create(user=partner, role=Role.PARTNER, organisation=world.a.organisation)
        Invitation.create_with_token(
            email=f"invite{i:02d}@example.org",
            role=Role.PARTNER,
            organisation=world.a.organisation,
            invited_by=coordinator,
        )
        return f"Membre {i:02d}"

    url = reverse("cites:members", args=[cite.pk])
    client = login(coordinator)
    assert_same_query_count(client, url, one_by_one(build))
    content = client.get(url).content.decode()
    assert all(f"Partenaire {i:02d}" in content and f"invite{i:02d}@example.org" in content for i in range(LARGE))


def test_cite_detail(login, world):
    cite = world.a.cite

    def build(i):
        commune = CommuneFactory(insee_code=f"30{200 + i:03d}", name=f"Commune {i:02d}")
        cite.communes.add(commune)
        qpv = PriorityAreaFactory(code=f"QN030{i:02d}B", name=f"Quartier {i:02d}")
        qpv.communes.add(commune)
        cite.priority_areas.add(qpv)
        cite.schools.add(SchoolFactory(name=f"École {i:02d}", commune=commune))
        axis = LocalAxisFactory(cite=cite, code=f"X{i:02d}", title=f"Axe {i:02d}")
        LocalAxisFactory(cite=cite, parent=axis, code=f"X{i:02d}.1", title=f"Sous-axe {i:02d}")
        ConventionFactory(cite=cite, title=f"Convention {i:02d}", start_date=datetime.date(2025, 9, 1))
        return f"Sous-axe {i:02d}"

    assert_same_query_count(login(world.a.coordinator), reverse("cites:cite_detail", args=[cite.pk]), one_by_one(build))
    content = login(world.a.coordinator).get(cite.get_absolute_url()).content.decode()
    for i in range(LARGE):
        assert all(f"{kind} {i:02d}" in content for kind in ("Commune", "Quartier", "École", "Convention"))


@pytest.mark.parametrize("url_name", ["cite_list", "convention_list", "organisation_list"])
def test_admin_lists_stay_flat_too(login, world, url_name):
    """The admin reads every cité: the scope filter is empty, the count must still be flat."""

    def build(i):
        cite = CiteFactory(name=f"Cité nationale {i:02d}", departement="94")
        ConventionFactory(cite=cite, title=f"Convention nationale {i:02d}")
        OrganisationFactory(name=f"Organisation nationale {i:02d}", cites=[cite])
        return {"cite_list": cite.name, "convention_list": f"Convention nationale {i:02d}"}.get(
            url_name, f"Organisation nationale {i:02d}"
        )

    assert_same_query_count(login(world.admin), reverse(f"cites:{url_name}"), one_by_one(build))


def test_convention_detail_commitments(login, world):
    """Not a list page, but its table of commitments grows with the years and funders."""
    convention = ConventionFactory(cite=world.a.cite, title="Convention-cadre")
    url = reverse("cites:convention_detail", args=[convention.pk])

    def build(i):
        funder = OrganisationFactory(name=f"Financeur {i:02d}", is_funder=True, cites=[world.a.cite])
        ConventionCommitmentFactory(convention=convention, funder=funder, year=2026 + i % 3)
        return funder.name

    assert_same_query_count(login(world.a.coordinator), url, one_by_one(build))
