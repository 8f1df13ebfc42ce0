"""Invitations: a coordinator invites someone by e-mail; the link creates the account once."""

import re
import time
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Invitation, Membership, Role, User
from accounts.services import invite
from tests.factories import PASSWORD, OrganisationFactory, UserFactory
from tests.otp import current_code, enrolled_device, verify_session

NEW_PASSWORD = "Cevennes-et-Gardon-2026"
USED_OR_EXPIRED = "Ce lien d'invitation a déjà été utilisé ou a expiré. Demandez une nouvelle invitation."


def invitation_path(message):
    match = re.search(r"https?://\S+?(/compte/invitation/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def invited(world, login, django_capture_on_commit_callbacks):
    """The coordinator of cité A invites a new pilot from the members page; returns the link."""
    client = login(world.a.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cites:members", args=[world.a.cite.pk]),
            {"email": "Nouvelle.Pilote@Example.org", "full_name": "Nadia Pilote", "role": Role.PILOT},
        )
    assert response.status_code == 302
    client.logout()
    (message,) = mail.outbox
    return invitation_path(message)


def accept(client, path, password=NEW_PASSWORD, full_name="Nadia Pilote"):
    return client.post(path, {"full_name": full_name, "password1": password, "password2": password})


def test_coordinator_invitation_sends_an_email_with_a_link(world, invited):
    (message,) = mail.outbox
    assert message.to == ["nouvelle.pilote@example.org"]
    assert "Bonjour Nadia Pilote," in message.body
    assert "« Pilotage (troïka) » de la Cité éducative A" in message.body
    assert "Ce lien ne fonctionne qu'une fois et expire dans 14 jours." in message.body
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.cite) == (
        "nouvelle.pilote@example.org",
        "pilot",
        world.a.cite,
    )
    assert invitation.invited_by == world.a.coordinator
    # Only a hash of the token is stored.
    assert invitation.token_hash not in message.body


def test_members_page_lists_the_pending_invitation(world, invited, login):
    content = login(world.a.coordinator).get(reverse("cites:members", args=[world.a.cite.pk])).content.decode()
    assert "nouvelle.pilote@example.org" in content and "En attente" in content


def test_the_link_shows_the_form(client, invited):
    response = client.get(invited)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Rejoindre le portail" in content
    assert "Pilotage (troïka)</strong> de la Cité éducative A" in content
    assert 'value="Nadia Pilote"' in content
    assert 'name="password1"' in content and 'name="password2"' in content


def test_setting_a_password_creates_the_account_with_its_role_and_logs_in(client, world, invited):
    response = accept(client, invited)
    assert response.status_code == 302 and response.url == reverse("home")
    user = User.objects.get(email="nouvelle.pilote@example.org")
    assert user.full_name == "Nadia Pilote" and user.check_password(NEW_PASSWORD)
    assert list(user.memberships.values_list("role", "cite")) == [(Role.PILOT, world.a.cite.pk)]
    assert client.session[SESSION_KEY] == str(user.pk)
    cite_page = reverse("cites:cite_detail", args=[world.a.cite.pk])
    # A pilot is staff: before any page, they enrol their second factor.
    assert client.get(cite_page).url.startswith(reverse("accounts:second_factor_setup"))
    verify_session(client, user)
    assert client.get(cite_page).status_code == 200
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == user and invitation.accepted_at is not None


def test_the_link_works_once(client, invited):
    accept(client, invited)
    client.logout()
    for response in (client.get(invited), accept(client, invited, password="Autre-mot-de-passe-2026")):
        assert response.status_code == 410
        assert escape(USED_OR_EXPIRED) in response.content.decode()
    user = User.objects.get(email="nouvelle.pilote@example.org")
    assert user.check_password(NEW_PASSWORD)
    assert user.memberships.count() == 1


def test_an_expired_link_is_refused(client, invited):
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(invited)
    assert response.status_code == 410
    assert escape(USED_OR_EXPIRED) in response.content.decode()
    response = accept(client, invited)
    assert response.status_code == 410
    assert not User.objects.filter(email="nouvelle.pilote@example.org").exists()


def test_the_members_page_shows_the_expired_state(world, invited, login):
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    content = login(world.a.coordinator).get(reverse("cites:members", args=[world.a.cite.pk])).content.decode()
    assert "Expirée" in content


def test_a_made_up_link_is_not_found(client, db):
    response = client.get(reverse("accounts:invitation_accept", args=["pas-un-vrai-jeton"]))
    assert response.status_code == 404
    assert escape("Ce lien d'invitation n'est pas valide.") in response.content.decode()


@pytest.mark.parametrize(
    ("password1", "password2", "message"),
    [
        (NEW_PASSWORD, NEW_PASSWORD + "x", "Les deux mots de passe ne correspondent pas."),
        ("court", "court", "Ce mot de passe est trop court"),
        ("12345678901234", "12345678901234", "Ce mot de passe est entièrement numérique."),
    ],
)
def test_a_bad_password_is_refused_in_french(client, invited, password1, password2, message):
    response = client.post(invited, {"full_name": "Nadia", "password1": password1, "password2": password2})
    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    assert not User.objects.filter(email="nouvelle.pilote@example.org").exists()
    assert Invitation.objects.get().accepted_at is None


def test_a_pilot_cannot_invite(world, login):
    response = login(world.a.pilot).post(
        reverse("cites:members", args=[world.a.cite.pk]), {"email": "x@example.org", "role": Role.COORDINATOR}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists() and mail.outbox == []


def test_the_pilot_sees_the_members_but_no_invitation_form(world, login):
    content = login(world.a.pilot).get(reverse("cites:members", args=[world.a.cite.pk])).content.decode()
    assert world.a.coordinator.email in content
    assert "Inviter une personne" not in content


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_outsider_coordinator_gets_404_on_the_members_page(world, login, method):
    client = login(world.b.coordinator)
    response = getattr(client, method)(
        reverse("cites:members", args=[world.a.cite.pk]), {"email": "x@example.org", "role": Role.COORDINATOR}
    )
    assert response.status_code == 404
    assert world.a.coordinator.email not in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_partner_invitation_needs_an_organisation_of_the_cite(world, login, django_capture_on_commit_callbacks):
    """Only the first member of an organisation of the cité without members (see
    test_referents.py for the other refusals)."""
    memberless = OrganisationFactory(name="Centre social sans membre", cites=[world.a.cite])
    client = login(world.a.coordinator)
    url = reverse("cites:members", args=[world.a.cite.pk])
    response = client.post(url, {"email": "p@example.org", "role": Role.PARTNER})
    assert escape("Choisissez l'organisation du partenaire invité.") in response.content.decode()
    response = client.post(
        url, {"email": "p@example.org", "role": Role.PARTNER, "organisation": world.b.organisation.pk}
    )
    assert response.status_code == 200 and not Invitation.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"email": "p@example.org", "role": Role.PARTNER, "organisation": memberless.pk})
    client.logout()
    accept(client, invitation_path(mail.outbox[0]))
    membership = Membership.objects.get(user__email="p@example.org")
    assert (membership.role, membership.organisation, membership.cite) == (Role.PARTNER, memberless, None)
    assert membership.is_referent


# --- An invitation for someone who already has an account ----------------------------------
@pytest.fixture
def existing_invited(world, django_capture_on_commit_callbacks):
    """The pilot of cité B is invited as pilot of cité A too."""
    with django_capture_on_commit_callbacks(execute=True):
        invite(email=world.b.pilot.email.upper(), role=Role.PILOT, cite=world.a.cite, by=world.a.coordinator)
    return invitation_path(mail.outbox[0])


def test_an_existing_account_must_log_in_and_keeps_its_password(client, world, existing_invited):
    response = client.get(existing_invited)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Vous avez déjà un compte" in content
    assert f"{reverse('accounts:login')}?next={existing_invited}" in content
    assert 'name="password1"' not in content
    # Posting a password anyway changes nothing.
    accept(client, existing_invited, password="Mot-de-passe-du-pirate-2026")
    world.b.pilot.refresh_from_db()
    assert world.b.pilot.check_password(PASSWORD)
    assert not world.b.pilot.memberships.filter(cite=world.a.cite).exists()
    assert SESSION_KEY not in client.session
    assert Invitation.objects.get().accepted_at is None


def test_another_logged_in_account_cannot_accept_it(login, world, existing_invited):
    client = login(world.a.pilot)
    assert "Vous avez déjà un compte" in client.get(existing_invited).content.decode()
    client.post(existing_invited)
    assert not world.b.pilot.memberships.filter(cite=world.a.cite).exists()
    assert not world.a.pilot.memberships.filter(cite=world.b.cite).exists()
    assert Invitation.objects.get().accepted_at is None


def test_the_invited_account_accepts_after_logging_in(client, world, existing_invited):
    device = enrolled_device(world.b.pilot)
    response = client.post(
        reverse("accounts:login"), {"username": world.b.pilot.email, "password": PASSWORD, "next": existing_invited}
    )
    assert response.url == existing_invited
    # A pilot gives the second factor first, and comes back to the invitation.
    verification = client.get(existing_invited).url
    assert verification == f"{reverse('accounts:second_factor')}?{urlencode({'next': existing_invited})}"
    assert client.post(verification, {"code": current_code(device)}).url == existing_invited
    content = client.get(existing_invited).content.decode()
    assert "Accepter ce rôle" in content
    response = client.post(existing_invited)
    assert response.status_code == 302 and response.url == reverse("home")
    assert set(world.b.pilot.memberships.values_list("cite", flat=True)) == {world.a.cite.pk, world.b.cite.pk}
    world.b.pilot.refresh_from_db()
    assert world.b.pilot.check_password(PASSWORD)
    assert client.get(reverse("cites:cite_detail", args=[world.a.cite.pk])).status_code == 200
    assert client.post(existing_invited).status_code == 410


def test_an_account_created_after_the_invitation_is_not_given_a_password(client, world, invited):
    UserFactory(email="nouvelle.pilote@example.org")
    accept(client, invited)
    assert not User.objects.get(email="nouvelle.pilote@example.org").check_password(NEW_PASSWORD)
    assert SESSION_KEY not in client.session


# --- The real worker ----------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_invitation_email_is_sent_by_the_celery_worker(world, login, celery_worker_real):
    response = login(world.a.coordinator).post(
        reverse("cites:members", args=[world.a.cite.pk]),
        {"email": "par.le.worker@example.org", "full_name": "Worker", "role": Role.PILOT},
    )
    assert response.status_code == 302
    deadline = time.monotonic() + 10
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [m.to for m in mail.outbox] == [["par.le.worker@example.org"]]
    assert invitation_path(mail.outbox[0]).startswith("/compte/invitation/")
