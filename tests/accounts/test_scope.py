"""The scoping layer: what each role may see, computed once per request from memberships."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership, Role
from accounts.scope import Scope
from cites.models import Cite, Commune, Convention, LocalAxis, Organisation, School
from tests.factories import (
    CiteFactory,
    CommuneFactory,
    ConventionFactory,
    LocalAxisFactory,
    OrganisationFactory,
    SchoolFactory,
    UserFactory,
)


@pytest.fixture
def extra(world):
    """A second cité of the Gard nobody coordinates, and an organisation working nowhere."""
    gard = CiteFactory(name="Cité de Nîmes", departement="30")
    return {
        "gard": gard,
        "gard_org": OrganisationFactory(name="Association de Nîmes", cites=[gard]),
        "lonely_org": OrganisationFactory(name="Organisation sans cité"),
    }


def fresh(user):
    """The user as a new request sees it (no scope cached on the instance)."""
    return type(user).objects.get(pk=user.pk)


# --- Scope.for_user ----------------------------------------------------------------------
def test_scope_of_each_role(world):
    a = world.a
    assert Scope.for_user(fresh(a.coordinator)) == Scope(
        is_authenticated=True, coordinator_cites=frozenset({a.cite.pk})
    )
    assert Scope.for_user(fresh(a.pilot)) == Scope(is_authenticated=True, pilot_cites=frozenset({a.cite.pk}))
    assert Scope.for_user(fresh(a.prefecture)) == Scope(is_authenticated=True, departements=frozenset({"30"}))
    assert Scope.for_user(fresh(a.partner)) == Scope(
        is_authenticated=True, organisations=frozenset({a.organisation.pk})
    )
    assert Scope.for_user(fresh(world.admin)) == Scope(is_authenticated=True, is_admin=True)
    assert Scope.for_user(AnonymousUser()) == Scope()
    assert Scope.for_user(None) == Scope()


@pytest.mark.parametrize(
    ("role", "roles", "staff", "partner_only"),
    [
        ("coordinator", {Role.COORDINATOR}, True, False),
        ("pilot", {Role.PILOT}, True, False),
        ("prefecture", {Role.PREFECTURE}, True, False),
        ("partner", {Role.PARTNER}, False, True),
    ],
)
def test_scope_roles_and_kind_of_user(world, role, roles, staff, partner_only):
    scope = Scope.for_user(fresh(getattr(world.a, role)))
    assert scope.roles == roles
    assert scope.is_staff_of_some_cite is staff
    assert scope.is_partner_only is partner_only


def test_admin_scope_reads_and_manages_every_cite(world):
    scope = Scope.for_user(fresh(world.admin))
    assert scope.roles == {"admin"} and scope.is_staff_of_some_cite
    assert scope.can_manage_cite(world.b.cite) and scope.can_read_cite(world.b.cite)


def test_read_and_manage_decisions_per_cite(world):
    a, b = world.a, world.b
    coordinator = Scope.for_user(fresh(a.coordinator))
    assert coordinator.can_manage_cite(a.cite) and not coordinator.can_manage_cite(b.cite)
    assert coordinator.can_read_cite(a.cite) and not coordinator.can_read_cite(b.cite)
    for read_only in (a.pilot, a.prefecture):
        scope = Scope.for_user(fresh(read_only))
        assert scope.can_read_cite(a.cite) and not scope.can_manage_cite(a.cite)
        assert not scope.can_read_cite(b.cite)
    partner = Scope.for_user(fresh(a.partner))
    assert not partner.can_read_cite(a.cite) and not partner.can_manage_cite(a.cite)
    assert Scope.for_user(fresh(a.prefecture)).roles_for_cite(a.cite) == {Role.PREFECTURE}


def test_inactive_membership_gives_nothing(world):
    Membership.objects.filter(user=world.a.coordinator).update(is_active=False)
    scope = Scope.for_user(fresh(world.a.coordinator))
    assert scope.coordinator_cites == frozenset() and not scope.is_staff_of_some_cite
    assert list(Cite.objects.visible_to(fresh(world.a.coordinator))) == []


def test_several_memberships_add_up(world):
    user = world.a.coordinator
    Membership.objects.create(user=user, role=Role.PREFECTURE, departement="94")
    Membership.objects.create(user=user, role=Role.PARTNER, organisation=world.b.organisation)
    scope = Scope.for_user(fresh(user))
    assert scope.roles == {Role.COORDINATOR, Role.PREFECTURE, Role.PARTNER}
    assert not scope.is_partner_only
    assert set(Cite.objects.visible_to(fresh(user))) == {world.a.cite, world.b.cite}
    assert list(Cite.objects.managed_by(fresh(user))) == [world.a.cite]


# --- visible_to on each scoped model -------------------------------------------------------
def names(queryset):
    return sorted(str(obj) for obj in queryset)


@pytest.mark.parametrize(
    ("who", "cites"),
    [
        ("a.coordinator", ["Cité éducative A"]),
        ("a.pilot", ["Cité éducative A"]),
        ("a.prefecture", ["Cité de Nîmes", "Cité éducative A"]),  # the whole département
        ("a.partner", []),
        ("b.coordinator", ["Cité éducative B"]),
        ("b.prefecture", ["Cité éducative B"]),
        ("admin", ["Cité de Nîmes", "Cité éducative A", "Cité éducative B"]),
    ],
)
def test_cites_visible_to_each_role(world, extra, who, cites):
    user = world.admin if who == "admin" else getattr(getattr(world, who[0]), who[2:])
    assert names(Cite.objects.visible_to(fresh(user))) == cites


def test_no_cite_is_visible_to_anonymous(world):
    assert list(Cite.objects.visible_to(AnonymousUser())) == []


def test_only_coordinators_and_admin_manage_cites(world, extra):
    assert names(Cite.objects.managed_by(fresh(world.a.coordinator))) == ["Cité éducative A"]
    for user in (world.a.pilot, world.a.prefecture, world.a.partner):
        assert list(Cite.objects.managed_by(fresh(user))) == []
    assert Cite.objects.managed_by(fresh(world.admin)).count() == 3


@pytest.mark.parametrize(
    ("who", "organisations"),
    [
        ("a.coordinator", ["Association A"]),
        ("a.pilot", ["Association A"]),
        ("a.prefecture", ["Association A", "Association de Nîmes"]),
        ("a.partner", ["Association A"]),  # its own organisation only
        ("b.coordinator", ["Association B"]),
        ("b.partner", ["Association B"]),
        ("admin", ["Association A", "Association B", "Association de Nîmes", "Organisation sans cité"]),
    ],
)
def test_organisations_visible_to_each_role(world, extra, who, organisations):
    user = world.admin if who == "admin" else getattr(getattr(world, who[0]), who[2:])
    assert names(Organisation.objects.visible_to(fresh(user))) == organisations


def test_partner_sees_its_organisation_even_when_it_works_in_no_cite(world, extra):
    user = UserFactory(email="seul@example.org")
    Membership.objects.create(user=user, role=Role.PARTNER, organisation=extra["lonely_org"])
    assert names(Organisation.objects.visible_to(fresh(user))) == ["Organisation sans cité"]


def test_an_organisation_in_two_cites_is_listed_once(world):
    OrganisationFactory(name="Réseau national", cites=[world.a.cite, world.b.cite])
    assert names(Organisation.objects.visible_to(fresh(world.admin))).count("Réseau national") == 1
    user = world.a.coordinator
    Membership.objects.create(user=user, role=Role.COORDINATOR, cite=world.b.cite)
    assert names(Organisation.objects.visible_to(fresh(user))).count("Réseau national") == 1


@pytest.mark.parametrize("model, factory", [(Convention, ConventionFactory), (LocalAxis, LocalAxisFactory)])
def test_cite_scoped_models_follow_the_cite(world, extra, model, factory):
    own = factory(cite=world.a.cite)
    other = factory(cite=world.b.cite)
    same_departement = factory(cite=extra["gard"])
    assert set(model.objects.visible_to(fresh(world.a.coordinator))) == {own}
    assert set(model.objects.visible_to(fresh(world.a.pilot))) == {own}
    assert set(model.objects.visible_to(fresh(world.a.prefecture))) == {own, same_departement}
    assert list(model.objects.visible_to(fresh(world.a.partner))) == []
    assert set(model.objects.visible_to(fresh(world.admin))) == {own, other, same_departement}
    assert set(model.objects.managed_by(fresh(world.a.coordinator))) == {own}
    assert list(model.objects.managed_by(fresh(world.a.pilot))) == []


def test_reference_data_is_for_cite_staff_only(world):
    commune = CommuneFactory(insee_code="30007", name="Alès")
    school = SchoolFactory(commune=commune)
    for user in (world.a.coordinator, world.a.pilot, world.a.prefecture, world.b.coordinator, world.admin):
        assert list(Commune.objects.visible_to(fresh(user))) == [commune]
        assert list(School.objects.visible_to(fresh(user))) == [school]
    assert list(Commune.objects.visible_to(fresh(world.a.partner))) == []
    assert list(School.objects.visible_to(AnonymousUser())) == []


# --- Computed once per request -------------------------------------------------------------
def test_scope_is_cached_on_the_user(world, django_assert_num_queries):
    user = fresh(world.a.coordinator)
    with django_assert_num_queries(1):
        first = Scope.for_user(user)
    with django_assert_num_queries(0):
        assert Scope.for_user(user) is first
        Cite.objects.visible_to(user)  # building the queryset reads the cached scope


@pytest.mark.parametrize(
    "url_name", ["cites:cite_detail", "cites:members", "cites:convention_list", "cites:organisation_list"]
)
def test_one_membership_query_per_request(login, world, url_name):
    client = login(world.a.coordinator)
    url = (
        reverse(url_name, args=[world.a.cite.pk])
        if url_name in ("cites:cite_detail", "cites:members")
        else (reverse(url_name))
    )
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # The scope query reads exactly these five columns of the user's memberships.
    signature = (
        'SELECT "accounts_membership"."role" AS "role", "accounts_membership"."cite_id" AS "cite_id", '
        '"accounts_membership"."departement" AS "departement", '
        '"accounts_membership"."organisation_id" AS "organisation_id", '
        '"accounts_membership"."is_referent" AS "is_referent" FROM "accounts_membership" WHERE'
    )
    scope_queries = [q["sql"] for q in queries if q["sql"].startswith(signature)]
    assert len(scope_queries) == 1, scope_queries


def test_a_new_role_counts_from_the_next_request(login, world):
    """The cache lives on the request's user: it never outlives the request."""
    user = UserFactory(email="bientot.pilote@example.org")
    client = login(user)
    url = reverse("cites:cite_detail", args=[world.a.cite.pk])
    assert client.get(url).status_code == 404
    Membership.objects.create(user=user, role=Role.PILOT, cite=world.a.cite)
    assert client.get(url).status_code == 200
    Membership.objects.filter(user=user).update(is_active=False)
    assert client.get(url).status_code == 404


def test_home_lists_only_the_cites_in_scope(login, world):
    content = login(world.a.pilot).get(reverse("home")).content.decode()
    assert world.a.cite.name in content and world.b.cite.name not in content
