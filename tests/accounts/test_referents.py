"""Who grants access to an organisation: its référents, or the national administration;
a cité's coordinator only invites the first member of a memberless organisation of their
cités, never themselves (issue 12, finding 1).

Every path tried from cité A towards cité B (or towards an organisation that already has
members) is refused, and nothing changes.
"""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from accounts import services
from accounts.models import Invitation, Membership, Role, User
from core.permissions import NotAllowed
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.querycount import assert_same_query_count, one_by_one

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Cevennes-et-Gardon-2026"


def invitation_path(message):
    return re.search(r"https?://\S+?(/compte/invitation/[^/\s]+/)", message.body).group(1)


def accept(client, path):
    return client.post(path, {"full_name": "Nouvelle Personne", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})


def invite_from_cite_page(client, cite, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("cites:members", args=[cite.pk]), {"role": Role.PARTNER, **data})


@pytest.fixture
def memberless_a(world):
    return OrganisationFactory(name="Centre social des Cévennes", cites=[world.a.cite])


# --- (3) a coordinator's invitations -------------------------------------------------------
def test_a_coordinator_cannot_invite_into_an_organisation_of_another_cite(
    world, login, django_capture_on_commit_callbacks
):
    """Organisation of B only, or of B working in A too and with members: refused."""
    shared = world.b.organisation
    shared.cites.add(world.a.cite)  # it works in both cités; its members belong to B's partner
    client = login(world.a.coordinator)
    for organisation in (OrganisationFactory(cites=[world.b.cite]), shared):
        response = invite_from_cite_page(
            client,
            world.a.cite,
            django_capture_on_commit_callbacks,
            email="x@example.org",
            organisation=organisation.pk,
        )
        assert response.status_code == 200
        assert escape("Sélectionnez un choix valide") in response.content.decode()
    # The service refuses too, whatever the page offers.
    for organisation in (world.b.organisation, OrganisationFactory(cites=[world.a.cite, world.b.cite])):
        with pytest.raises(NotAllowed):
            services.invite(email="x@example.org", role=Role.PARTNER, organisation=organisation, by=world.a.coordinator)
    assert not Invitation.objects.exists() and mail.outbox == []


def test_a_coordinator_cannot_invite_into_an_organisation_of_their_cite_that_has_members(
    world, login, django_capture_on_commit_callbacks
):
    response = invite_from_cite_page(
        login(world.a.coordinator),
        world.a.cite,
        django_capture_on_commit_callbacks,
        email="x@example.org",
        organisation=world.a.organisation.pk,
    )
    assert response.status_code == 200 and escape("Sélectionnez un choix valide") in response.content.decode()
    with pytest.raises(NotAllowed, match="a déjà des membres"):
        services.invite(
            email="x@example.org", role=Role.PARTNER, organisation=world.a.organisation, by=world.a.coordinator
        )
    assert not Invitation.objects.exists()
    assert list(Membership.objects.filter(organisation=world.a.organisation).values_list("user", flat=True)) == [
        world.a.partner.pk
    ]


def test_a_coordinator_never_invites_themselves(world, login, memberless_a, django_capture_on_commit_callbacks):
    client = login(world.a.coordinator)
    own = world.a.coordinator.email.upper()
    for data in ({"organisation": memberless_a.pk}, {"role": Role.PILOT}):
        response = invite_from_cite_page(client, world.a.cite, django_capture_on_commit_callbacks, email=own, **data)
        assert response.status_code == 200
        assert escape("Vous ne pouvez pas vous inviter vous-même.") in response.content.decode()
    with pytest.raises(NotAllowed, match="vous inviter vous-même"):
        services.invite(email=own, role=Role.PARTNER, organisation=memberless_a, by=world.a.coordinator)
    assert not Invitation.objects.exists()
    assert not Membership.objects.filter(user=world.a.coordinator, role=Role.PARTNER).exists()


def test_a_coordinator_invites_the_first_member_who_becomes_referent(
    client, world, login, memberless_a, django_capture_on_commit_callbacks
):
    coordinator = login(world.a.coordinator)
    response = invite_from_cite_page(
        coordinator,
        world.a.cite,
        django_capture_on_commit_callbacks,
        email="Premiere@Example.org",
        organisation=memberless_a.pk,
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.organisation, invitation.is_referent, invitation.cite) == (memberless_a, True, None)
    # A second first member while the first invitation is pending: refused.
    response = invite_from_cite_page(
        coordinator,
        world.a.cite,
        django_capture_on_commit_callbacks,
        email="autre@example.org",
        organisation=memberless_a.pk,
    )
    assert escape("Sélectionnez un choix valide") in response.content.decode()
    assert Invitation.objects.count() == 1
    client.logout()
    assert accept(client, invitation_path(mail.outbox[0])).status_code == 302
    membership = Membership.objects.get(user__email="premiere@example.org")
    assert (membership.organisation, membership.role, membership.is_referent) == (memberless_a, Role.PARTNER, True)
    # From now on its référent invites, not the coordinator.
    with pytest.raises(NotAllowed, match="a déjà des membres"):
        services.invite(email="x@example.org", role=Role.PARTNER, organisation=memberless_a, by=world.a.coordinator)


def test_an_organisation_of_two_cites_gets_its_first_member_from_the_national_administration(world, login):
    both = OrganisationFactory(cites=[world.a.cite, world.b.cite])
    with pytest.raises(NotAllowed, match="hors de vos cités"):
        services.invite(email="x@example.org", role=Role.PARTNER, organisation=both, by=world.a.coordinator)
    invitation = services.invite(email="x@example.org", role=Role.PARTNER, organisation=both, by=world.admin)
    assert invitation.is_referent


def test_a_first_member_invitation_is_void_once_the_organisation_has_members(
    client, world, memberless_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(
            email="tardif@example.org", role=Role.PARTNER, organisation=memberless_a, by=world.a.coordinator
        )
    MembershipFactory(role=Role.PARTNER, cite=None, organisation=memberless_a, is_referent=True)
    response = accept(client, invitation_path(mail.outbox[0]))
    assert response.status_code == 410 and "plus valable" in response.content.decode()
    assert not User.objects.filter(email="tardif@example.org").exists()


# --- the référents' page --------------------------------------------------------------------
@pytest.fixture
def referent(world):
    Membership.objects.filter(user=world.a.partner).update(is_referent=True)
    return world.a.partner


def members_url(organisation):
    return reverse("cites:organisation_members", args=[organisation.pk])


def test_a_referent_invites_a_member_of_their_organisation(
    client, world, login, referent, django_capture_on_commit_callbacks
):
    page = login(referent)
    assert "Inviter un membre" in page.get(members_url(world.a.organisation)).content.decode()
    response = page.post(members_url(world.a.organisation), {"email": referent.email})
    assert escape("Vous ne pouvez pas vous inviter vous-même.") in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = page.post(members_url(world.a.organisation), {"email": "Collegue@Example.org", "full_name": "Col"})
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.organisation, invitation.is_referent, invitation.invited_by) == (
        world.a.organisation,
        False,
        referent,
    )
    client.logout()
    accept(client, invitation_path(mail.outbox[0]))
    membership = Membership.objects.get(user__email="collegue@example.org")
    assert (membership.organisation, membership.is_referent) == (world.a.organisation, False)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("a.partner", 403),  # a member who is not référent
        ("a.coordinator", 403),
        ("a.pilot", 403),
        ("a.prefecture", 403),
        ("b.coordinator", 404),
        ("b.partner", 404),
        ("b.prefecture", 404),
    ],
)
def test_only_referents_invite_from_the_organisation_page(world, login, who, status):
    side, role = who.split(".")
    user = getattr(getattr(world, side), role)
    response = login(user).post(members_url(world.a.organisation), {"email": "intrus@example.org"})
    assert response.status_code == status
    assert not Invitation.objects.exists()


def _member_urls(organisation, membership):
    return {
        "remove": reverse("cites:organisation_member_remove", args=[organisation.pk, membership.pk]),
        "referent": reverse("cites:organisation_member_referent", args=[organisation.pk, membership.pk, "oui"]),
    }


@pytest.mark.parametrize("action", ["remove", "referent"])
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 302),
        ("referent", 302),
        ("a.partner", 403),  # a member who is not référent
        ("a.coordinator", 403),
        ("a.pilot", 403),
        ("a.prefecture", 403),
        ("b.coordinator", 404),
        ("b.pilot", 404),
        ("b.prefecture", 404),
        ("b.partner", 404),
        ("anonymous", 302),
    ],
)
def test_member_actions_matrix(client, world, login, action, who, status):
    """One row per URL and role: only its référents (and the admin) change the members."""
    organisation = world.a.organisation
    referent = MembershipFactory(role=Role.PARTNER, cite=None, organisation=organisation, is_referent=True)
    target = Membership.objects.get(user=world.a.partner)
    url = _member_urls(organisation, target)[action]
    if who == "admin":
        client = login(world.admin)
    elif who == "referent":
        client = login(referent.user)
    elif who != "anonymous":
        side, role = who.split(".")
        client = login(getattr(getattr(world, side), role))
    response = client.post(url)
    assert response.status_code == status
    target.refresh_from_db()
    changed = (not target.is_active) if action == "remove" else target.is_referent
    assert changed == (status == 302 and who != "anonymous")
    if who == "anonymous":
        assert response.url.startswith(reverse("accounts:login"))


def test_an_organisation_keeps_a_referent_while_it_has_members(world, login, referent):
    organisation = world.a.organisation
    own = Membership.objects.get(user=referent)
    other = MembershipFactory(role=Role.PARTNER, cite=None, organisation=organisation)
    page = login(referent)
    urls = _member_urls(organisation, own)
    response = page.post(urls["remove"], follow=True)
    assert "L&#x27;organisation doit garder au moins un référent" in response.content.decode()
    response = page.post(
        reverse("cites:organisation_member_referent", args=[organisation.pk, own.pk, "non"]), follow=True
    )
    assert "L&#x27;organisation doit garder au moins un référent" in response.content.decode()
    own.refresh_from_db()
    assert own.is_active and own.is_referent
    # Once another member is référent, the first one may leave.
    page.post(_member_urls(organisation, other)["referent"])
    assert page.post(urls["remove"]).status_code == 302
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.is_active, other.is_referent) == (False, True)
    assert page.get(members_url(organisation)).status_code == 404  # no longer a member
    # The last member may leave: nobody is left to keep.
    assert login(other.user).post(_member_urls(organisation, other)["remove"]).status_code == 302
    assert not Membership.objects.filter(organisation=organisation, is_active=True).exists()


def test_members_are_listed_with_their_referents(world, login, referent):
    content = login(referent).get(reverse("accounts:my_account")).content.decode()
    assert members_url(world.a.organisation) in content and "(référent)" in content
    content = login(world.a.coordinator).get(members_url(world.a.organisation)).content.decode()
    assert referent.email in content and "Référent" in content and "Inviter un membre" not in content
    content = login(world.a.coordinator).get(reverse("cites:members", args=[world.a.cite.pk])).content.decode()
    assert referent.email in content and "Référent" in content


def test_the_members_page_runs_as_many_queries_with_3_and_15_members(world, login, referent):
    organisation = world.a.organisation

    def build(i):
        user = UserFactory(email=f"membre{i:02d}@example.org", full_name=f"Membre {i:02d}")
        Membership.objects.create(user=user, role=Role.PARTNER, organisation=organisation, is_referent=i % 2 == 0)
        Invitation.create_with_token(
            email=f"invite{i:02d}@example.org", role=Role.PARTNER, organisation=organisation, invited_by=referent
        )
        return f"Membre {i:02d}"

    assert_same_query_count(login(referent), members_url(organisation), one_by_one(build))


# --- (4) the organisation's edit page -------------------------------------------------------
def test_organisation_edit_across_cites_and_by_its_partners(world, login):
    organisation = world.b.organisation
    url = reverse("cites:organisation_update", args=[organisation.pk])
    assert login(world.a.coordinator).get(url).status_code == 404
    assert login(world.a.coordinator).post(url, {"name": "Détournée"}).status_code == 404
    data = {"name": "Renommée", "siret": "", "is_funder": "on", "kind": "etat", "address": "3 rue des Écoles"}
    data |= {"postal_code": "94000", "city": "Créteil", "email": "contact@example.org", "phone": ""}
    assert login(world.b.partner).post(url, data).status_code == 302
    organisation.refresh_from_db()
    assert (organisation.name, organisation.is_funder, organisation.kind) == ("Association B", False, "association")
    assert organisation.siret and (organisation.address, organisation.city) == ("3 rue des Écoles", "Créteil")
