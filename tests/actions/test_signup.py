"""Partner sign-up from a call: e-mail link, SIRET, join requests, submission gate."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Membership, Role, User
from actions import services, signup
from actions.models import Action, JoinRequest
from cites.models import Organisation
from tests.factories import valid_siret

from .factories import ActionFactory, CallFactory

pytestmark = pytest.mark.django_db
NEW_SIRET = valid_siret(4242)
LINK = re.compile(r"(http://\S+/appels-a-projets/inscription/(\S+)/)")


@pytest.fixture
def call(world):
    return CallFactory(cite=world.a.cite)


def request_link(client, call, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("actions:signup", args=[call.pk]), {"email": email})


def confirm_url(call, email):
    return reverse("actions:signup_confirm", args=[signup.make_token(email, call)])


def account_data(siret=NEW_SIRET, name="Association Les Jardins du Gardon", **extra):
    return {
        "full_name": "Inès Moreau",
        "password1": "Un-mot-de-passe-solide-2026",
        "password2": "Un-mot-de-passe-solide-2026",
        "siret": siret,
        "organisation_name": name,
        "organisation_kind": "association",
        **extra,
    }


def test_the_call_page_offers_the_sign_up(client, call):
    content = client.get(reverse("actions:public_call_detail", args=[call.pk])).content.decode()
    assert reverse("actions:signup", args=[call.pk]) in content


def test_the_link_is_mailed_and_nothing_is_stored(client, call, django_capture_on_commit_callbacks):
    users = User.objects.count()
    response = request_link(client, call, "Ines.Moreau@Example.org", django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "Vérifiez votre messagerie" in response.content.decode()
    assert User.objects.count() == users and not JoinRequest.objects.exists()
    assert [email.to for email in mail.outbox] == [["ines.moreau@example.org"]]
    url, token = LINK.search(mail.outbox[0].body).groups()
    assert signup.read_token(token) == {"email": "ines.moreau@example.org", "call": call.pk}
    assert "valable 48 heures" in mail.outbox[0].body
    assert client.get(url.replace("http://testserver", "")).status_code == 200


def test_a_known_address_gets_the_same_page_and_a_login_link(client, world, call, django_capture_on_commit_callbacks):
    response = request_link(client, call, world.b.partner.email, django_capture_on_commit_callbacks)
    assert "Vérifiez votre messagerie" in response.content.decode()
    assert not LINK.search(mail.outbox[0].body)
    assert "/compte/connexion/" in mail.outbox[0].body


def test_a_closed_call_refuses_the_sign_up(client, world):
    closed = CallFactory(cite=world.a.cite, closed=True)
    response = client.post(reverse("actions:signup", args=[closed.pk]), {"email": "x@example.org"}, follow=True)
    assert "n&#x27;accepte pas de proposition en ce moment" in response.content.decode()
    assert mail.outbox == []


def test_invalid_and_expired_links(client, call, monkeypatch):
    response = client.get(reverse("actions:signup_confirm", args=["pas-un-jeton"]))
    assert response.status_code == 410
    assert "Ce lien n&#x27;est pas valide" in response.content.decode()
    url = confirm_url(call, "ines@example.org")
    monkeypatch.setattr(signup, "LINK_MAX_AGE", timedelta(seconds=-1))
    response = client.get(url)
    assert response.status_code == 410
    assert "Ce lien a expiré" in response.content.decode()
    response = client.post(url, account_data())
    assert response.status_code == 410 and not User.objects.filter(email="ines@example.org").exists()


def test_siret_is_checked(client, call):
    url = confirm_url(call, "ines@example.org")
    response = client.post(url, account_data(siret="12345678901234"))
    assert "la clé de contrôle ne correspond pas" in response.content.decode()
    response = client.post(url, account_data(name=""))
    assert "Cette organisation n&#x27;est pas encore connue du portail : indiquez son nom." in response.content.decode()
    assert not User.objects.filter(email="ines@example.org").exists()


def test_new_siret_creates_the_organisation_and_drafts_wait_for_validation(
    client, login, world, call, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            confirm_url(call, "ines@example.org"), account_data(siret=NEW_SIRET[:3] + " " + NEW_SIRET[3:])
        )
    assert response.status_code == 302
    assert response.url == reverse("actions:proposal_create", args=[call.pk])
    user = User.objects.get(email="ines@example.org")
    organisation = Organisation.objects.get(siret=NEW_SIRET)
    assert organisation.name == "Association Les Jardins du Gardon"
    assert list(organisation.cites.all()) == [world.a.cite]
    assert Membership.objects.filter(
        user=user, role=Role.PARTNER, organisation=organisation, is_active=True, is_referent=True
    ).exists()
    join_request = JoinRequest.objects.get()
    assert (join_request.user, join_request.creates_organisation, join_request.status) == (user, True, "pending")
    assert [email.to for email in mail.outbox] == [[world.a.coordinator.email]]
    assert "Nouvelle organisation à valider" in mail.outbox[0].subject
    # logged in: the draft can be created at once
    assert client.get(response.url).status_code == 200

    action = ActionFactory(call=call, porteur=organisation, complete=True)
    response = client.post(reverse("actions:transition", args=[action.pk, "submit"]), follow=True)
    assert "Votre organisation n&#x27;a pas encore été validée par la coordination" in response.content.decode()
    action.refresh_from_db()
    assert action.status == Action.Status.DRAFT and action.reference is None

    # other coordinators cannot decide; the cité's coordinator validates
    decide = reverse("actions:join_request_decide", args=[join_request.pk, "accepter"])
    assert login(world.b.coordinator).post(decide).status_code == 404
    listing = login(world.a.coordinator).get(reverse("actions:join_requests")).content.decode()
    assert "Association Les Jardins du Gardon" in listing and "Nouvelle organisation à valider" in listing
    assert login(world.a.coordinator).post(decide).status_code == 302
    join_request.refresh_from_db()
    assert join_request.status == "approved" and join_request.decided_by == world.a.coordinator
    services.submit_action(action, by=user)
    assert action.status == Action.Status.SUBMITTED


def test_known_siret_makes_a_join_request_without_access(client, login, world, call, make_action):
    action = make_action(status=Action.Status.IN_REVIEW)
    response = client.post(confirm_url(call, "nouvelle@example.org"), account_data(siret=world.a.organisation.siret))
    assert response.status_code == 302 and response.url == call.get_absolute_url()
    user = User.objects.get(email="nouvelle@example.org")
    assert not Membership.objects.filter(user=user).exists()
    join_request = JoinRequest.objects.get()
    assert join_request.organisation == world.a.organisation and not join_request.creates_organisation
    assert Organisation.objects.filter(siret=world.a.organisation.siret).count() == 1
    # no access before approval
    assert client.get(action.get_absolute_url()).status_code == 404
    assert client.get(reverse("actions:proposal_create", args=[call.pk])).status_code == 403

    refuse = reverse("actions:join_request_decide", args=[join_request.pk, "refuser"])
    accept = reverse("actions:join_request_decide", args=[join_request.pk, "accepter"])
    # a member who is not référent, the pilot and the coordinator do not decide
    assert login(world.a.partner).get(reverse("actions:join_requests")).status_code == 403
    assert login(world.a.pilot).get(reverse("actions:join_requests")).status_code == 403
    assert login(world.a.pilot).post(accept).status_code == 404
    assert login(world.a.coordinator).post(accept).status_code == 404
    assert not Membership.objects.filter(user=user).exists()
    # the organisation's référent does
    Membership.objects.filter(user=world.a.partner).update(is_referent=True)
    assert login(world.a.partner).post(accept).status_code == 302
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.organisation) == (Role.PARTNER, world.a.organisation)
    assert not membership.is_referent
    assert login(user).get(action.get_absolute_url()).status_code == 200
    # a decided request cannot be decided again
    response = login(world.a.partner).post(refuse, follow=True)
    assert "Cette demande a déjà été traitée." in response.content.decode()
    assert Membership.objects.filter(user=user).count() == 1


def test_a_refused_request_gives_no_access(client, login, world, call):
    client.post(confirm_url(call, "refus@example.org"), account_data(siret=world.a.organisation.siret))
    join_request = JoinRequest.objects.get()
    login(world.admin).post(reverse("actions:join_request_decide", args=[join_request.pk, "refuser"]))
    join_request.refresh_from_db()
    assert join_request.status == "rejected"
    assert not Membership.objects.filter(user__email="refus@example.org").exists()


def test_the_link_cannot_create_a_second_account(client, world, call):
    url = confirm_url(call, "ines@example.org")
    client.post(url, account_data())
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/compte/connexion/" in response.url
    assert User.objects.filter(email="ines@example.org").count() == 1
