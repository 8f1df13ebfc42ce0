"""Sign-up and join requests cannot carry anyone across cités (issue 12, finding 1).

A sign-up from a call of cité A with the SIRET of an organisation of cité B makes a join
request that the coordination of A can neither see nor decide; the organisation's
référent decides it (the national administration when it has none), and approving it
never links the organisation to cité A.
"""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Membership, Role, User
from actions import signup
from actions.models import JoinRequest
from tests.factories import valid_siret

from .factories import CallFactory

pytestmark = pytest.mark.django_db
EMAIL = "complice@example.org"


@pytest.fixture
def call_of_a(world):
    return CallFactory(cite=world.a.cite)


def sign_up_with_siret(client, call, siret, django_capture_on_commit_callbacks):
    """A visitor signs up from ``call`` giving ``siret``; returns the join request."""
    data = {
        "full_name": "Camille Complice",
        "password1": "Un-mot-de-passe-solide-2026",
        "password2": "Un-mot-de-passe-solide-2026",
        "siret": siret,
        "organisation_name": "",
        "organisation_kind": "association",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("actions:signup_confirm", args=[signup.make_token(EMAIL, call)]), data)
    assert response.status_code == 302
    client.logout()
    return JoinRequest.objects.get(user__email=EMAIL)


def make_referent(user):
    Membership.objects.filter(user=user, role=Role.PARTNER).update(is_referent=True)


def decide_url(join_request, decision="accepter"):
    return reverse("actions:join_request_decide", args=[join_request.pk, decision])


def assert_unchanged(join_request, organisation, cites):
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING and join_request.decided_by is None
    assert not Membership.objects.filter(user__email=EMAIL).exists()
    assert set(organisation.cites.all()) == set(cites)


def test_the_coordinator_of_the_call_cannot_see_or_decide_a_request_for_an_organisation_of_another_cite(
    client, login, world, call_of_a, django_capture_on_commit_callbacks
):
    organisation = world.b.organisation
    join_request = sign_up_with_siret(client, call_of_a, organisation.siret, django_capture_on_commit_callbacks)
    assert (join_request.cite, join_request.organisation) == (world.a.cite, organisation)
    assert not join_request.creates_organisation
    # Nobody of cité A is told about it; the organisation has no référent: the admin is.
    assert [message.to for message in mail.outbox] == [[world.admin.email]]

    listing = login(world.a.coordinator).get(reverse("actions:join_requests"))
    assert listing.status_code == 200 and "Camille Complice" not in listing.content.decode()
    assert login(world.a.coordinator).post(decide_url(join_request)).status_code == 404
    assert_unchanged(join_request, organisation, [world.b.cite])
    # Nor can the coordinator of A then reach or edit the organisation, or invite into it.
    coordinator = login(world.a.coordinator)
    for name in ("organisation_detail", "organisation_update", "organisation_members"):
        assert coordinator.get(reverse(f"cites:{name}", args=[organisation.pk])).status_code == 404
    response = coordinator.post(
        reverse("cites:organisation_update", args=[organisation.pk]), {"name": "Détournée", "address": "1 rue X"}
    )
    assert response.status_code == 404
    organisation.refresh_from_db()
    assert organisation.name == "Association B" and organisation.address == ""


@pytest.mark.parametrize("decision", ["accepter", "refuser"])
@pytest.mark.parametrize("who", ["a.coordinator", "a.pilot", "a.prefecture", "a.partner", "b.coordinator", "b.partner"])
def test_the_decide_url_changes_nothing_for_anyone_but_referents_and_admin(
    client, login, world, call_of_a, who, decision, django_capture_on_commit_callbacks
):
    """Both a request for an organisation of cité B and one for an organisation of cité A
    itself (the call's cité): its coordinator decides neither."""
    side, role = who.split(".")
    user = getattr(getattr(world, side), role)
    for organisation, cites in ((world.b.organisation, [world.b.cite]), (world.a.organisation, [world.a.cite])):
        join_request = sign_up_with_siret(client, call_of_a, organisation.siret, django_capture_on_commit_callbacks)
        assert login(user).post(decide_url(join_request, decision)).status_code == 404
        assert_unchanged(join_request, organisation, cites)
        join_request.user.delete()
    # An unknown decision is refused before anything is read.
    assert login(user).post(reverse("actions:join_request_decide", args=[1, "valider"])).status_code == 403


def test_without_referent_only_the_national_administration_decides(
    client, login, world, call_of_a, django_capture_on_commit_callbacks
):
    organisation = world.b.organisation
    join_request = sign_up_with_siret(client, call_of_a, organisation.siret, django_capture_on_commit_callbacks)
    assert "Camille Complice" in login(world.admin).get(reverse("actions:join_requests")).content.decode()
    assert login(world.admin).post(decide_url(join_request)).status_code == 302
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.APPROVED and join_request.decided_by == world.admin
    membership = Membership.objects.get(user__email=EMAIL)
    assert (membership.role, membership.organisation, membership.is_referent) == (Role.PARTNER, organisation, False)
    # Approving links the organisation to no cité: it still works in cité B only.
    assert list(organisation.cites.all()) == [world.b.cite]


def test_a_referent_of_the_organisation_decides_and_the_organisation_stays_in_its_cites(
    client, login, world, call_of_a, django_capture_on_commit_callbacks
):
    organisation = world.b.organisation
    make_referent(world.b.partner)
    join_request = sign_up_with_siret(client, call_of_a, organisation.siret, django_capture_on_commit_callbacks)
    # The référent is told, not the coordination of the call's cité.
    assert [message.to for message in mail.outbox] == [[world.b.partner.email]]
    assert "Demande de rattachement" in mail.outbox[0].subject

    assert login(world.a.coordinator).post(decide_url(join_request)).status_code == 404
    assert_unchanged(join_request, organisation, [world.b.cite])
    # A member who is not référent does not decide either (and has no list).
    other = User.objects.create_user(email="membre.b@example.org", password="x", full_name="Membre B")
    Membership.objects.create(user=other, role=Role.PARTNER, organisation=organisation)
    assert login(other).get(reverse("actions:join_requests")).status_code == 403
    assert login(other).post(decide_url(join_request)).status_code == 404
    assert_unchanged(join_request, organisation, [world.b.cite])

    referent = login(world.b.partner)
    assert "Camille Complice" in referent.get(reverse("actions:join_requests")).content.decode()
    assert referent.post(decide_url(join_request)).status_code == 302
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.APPROVED and join_request.decided_by == world.b.partner
    assert Membership.objects.filter(user__email=EMAIL, organisation=organisation, is_active=True).exists()
    assert list(organisation.cites.all()) == [world.b.cite]
    assert login(world.a.coordinator).get(organisation.get_absolute_url()).status_code == 404


def test_a_referent_decides_only_for_their_own_organisation(
    client, login, world, call_of_a, django_capture_on_commit_callbacks
):
    make_referent(world.a.partner)
    join_request = sign_up_with_siret(client, call_of_a, world.b.organisation.siret, django_capture_on_commit_callbacks)
    response = login(world.a.partner).get(reverse("actions:join_requests"))
    assert response.status_code == 200 and "Camille Complice" not in response.content.decode()
    assert login(world.a.partner).post(decide_url(join_request)).status_code == 404
    assert_unchanged(join_request, world.b.organisation, [world.b.cite])


def test_the_decide_service_refuses_the_coordinator_too(client, world, call_of_a, django_capture_on_commit_callbacks):
    join_request = sign_up_with_siret(client, call_of_a, world.b.organisation.siret, django_capture_on_commit_callbacks)
    with pytest.raises(signup.SignupError, match="Seuls les référents de l'organisation"):
        signup.decide(join_request, by=world.a.coordinator, approve=True)
    assert_unchanged(join_request, world.b.organisation, [world.b.cite])


def test_a_new_organisation_is_validated_by_the_call_cite_and_its_creator_is_referent(
    client, login, world, call_of_a, django_capture_on_commit_callbacks
):
    siret = valid_siret(7777)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("actions:signup_confirm", args=[signup.make_token(EMAIL, call_of_a)]),
            {
                "full_name": "Camille Créatrice",
                "password1": "Un-mot-de-passe-solide-2026",
                "password2": "Un-mot-de-passe-solide-2026",
                "siret": siret,
                "organisation_name": "Les Petits Débrouillards du Gard",
                "organisation_kind": "association",
            },
        )
    join_request = JoinRequest.objects.get(user__email=EMAIL)
    membership = Membership.objects.get(user__email=EMAIL)
    assert join_request.creates_organisation and membership.is_referent
    assert [message.to for message in mail.outbox] == [[world.a.coordinator.email]]
    assert login(world.b.coordinator).post(decide_url(join_request)).status_code == 404
    assert login(world.a.coordinator).post(decide_url(join_request)).status_code == 302
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.APPROVED
    assert list(join_request.organisation.cites.all()) == [world.a.cite]
