"""Logging in and out (throttling: test_throttling.py), password reset and change, the "mon compte" page."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from tests.factories import PASSWORD, UserFactory

LOGIN_URL = reverse("accounts:login")
NEW_PASSWORD = "Un-nouveau-mot-de-passe-2026"


@pytest.fixture
def user(db):
    return UserFactory(email="claire.martin@example.org", full_name="Claire Martin")


def logged_in_user_id(client):
    return client.session.get(SESSION_KEY)


def login_post(client, email, password, **extra):
    return client.post(LOGIN_URL, {"username": email, "password": password, **extra})


# --- Login required everywhere ------------------------------------------------------------
@pytest.mark.parametrize("url", [reverse("home"), reverse("accounts:my_account"), reverse("accounts:password_change")])
def test_anonymous_visitor_is_sent_to_the_login_page(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{LOGIN_URL}?next={url}"


def test_public_pages_need_no_login(client, db):
    assert client.get(LOGIN_URL).status_code == 200
    assert client.get(reverse("accounts:password_reset")).status_code == 200
    assert client.get(reverse("healthcheck")).status_code == 200


# --- Login --------------------------------------------------------------------------------
def test_login_page_is_in_french(client, db):
    content = client.get(LOGIN_URL).content.decode()
    assert "Connexion au portail" in content
    assert "Adresse électronique" in content and "Mot de passe" in content
    assert "Mot de passe oublié ?" in content


def test_login_with_email_redirects_home(client, user):
    response = login_post(client, "claire.martin@example.org", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("home")
    assert logged_in_user_id(client) == str(user.pk)
    assert "Claire Martin" in client.get(reverse("home")).content.decode()


def test_login_accepts_the_email_with_capitals(client, user):
    # Phones capitalise the first letter; the address is stored in lower case.
    response = login_post(client, "Claire.Martin@Example.org", PASSWORD)
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(user.pk)


def test_login_follows_next_but_never_to_another_site(client, user):
    response = login_post(client, user.email, PASSWORD, next=reverse("accounts:my_account"))
    assert response.url == reverse("accounts:my_account")
    client.post(reverse("accounts:logout"))
    response = login_post(client, user.email, PASSWORD, next="https://phishing.example.com/")
    assert response.url == reverse("home")


def test_logged_in_user_on_the_login_page_goes_home(login, user):
    response = login(user).get(LOGIN_URL)
    assert response.status_code == 302 and response.url == reverse("home")


@pytest.mark.parametrize(
    ("email", "password"), [("claire.martin@example.org", "mauvais"), ("inconnue@example.org", PASSWORD)]
)
def test_wrong_credentials_show_the_french_message(client, user, email, password):
    response = login_post(client, email, password)
    assert response.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect." in response.content.decode()
    assert logged_in_user_id(client) is None


def test_inactive_account_cannot_log_in(client, user):
    user.is_active = False
    user.save()
    response = login_post(client, user.email, PASSWORD)
    assert response.status_code == 200
    assert logged_in_user_id(client) is None


# --- Logout -------------------------------------------------------------------------------
def test_logout_by_post_ends_the_session(login, user):
    client = login(user)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response.url == LOGIN_URL
    assert logged_in_user_id(client) is None
    assert client.get(reverse("home")).status_code == 302


def test_logout_by_get_is_refused(login, user):
    client = login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert logged_in_user_id(client) == str(user.pk)


def test_every_page_has_a_logout_button(login, user):
    content = login(user).get(reverse("home")).content.decode()
    assert re.search(rf'<form method="post" action="{reverse("accounts:logout")}">', content)
    assert "Se déconnecter" in content


# --- Password reset -----------------------------------------------------------------------
def reset_link(message):
    match = re.search(r"https?://[^/\s]+(/compte/mot-de-passe/reinitialiser/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def reset_post(client, email, capture):
    """The reset form posted; its e-mail is queued once the request commits."""
    with capture(execute=True):
        return client.post(reverse("accounts:password_reset"), {"email": email})


def test_the_request_sends_nothing_itself_whether_the_account_exists_or_not(
    client, user, django_capture_on_commit_callbacks
):
    for email in (user.email, "personne@example.org"):
        with django_capture_on_commit_callbacks() as queued:
            response = client.post(reverse("accounts:password_reset"), {"email": email})
        assert response.status_code == 302 and mail.outbox == []
        assert len(queued) == 1  # the same work for both: one task queued after commit


def test_password_reset_by_email(client, user, django_capture_on_commit_callbacks):
    response = reset_post(client, "Claire.Martin@example.org", django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["claire.martin@example.org"]
    assert "Pour choisir un nouveau mot de passe, ouvrez ce lien" in message.body

    response = client.get(reset_link(message), follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert login_post(client, user.email, NEW_PASSWORD).status_code == 302


def test_password_reset_link_works_once(client, user, django_capture_on_commit_callbacks):
    reset_post(client, user.email, django_capture_on_commit_callbacks)
    link = reset_link(mail.outbox[0])
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    client.cookies.clear()
    response = client.get(link, follow=True)
    assert 'name="new_password1"' not in response.content.decode()


def test_password_reset_for_an_unknown_address_sends_nothing_but_says_the_same(
    client, user, django_capture_on_commit_callbacks
):
    response = reset_post(client, "personne@example.org", django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response.url == reverse("accounts:password_reset_done")
    assert mail.outbox == []


# --- Password change and "mon compte" -----------------------------------------------------
def test_password_change(login, user):
    client = login(user)
    url = reverse("accounts:password_change")
    response = client.post(url, {"old_password": "faux", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 200
    assert escape("Votre ancien mot de passe est incorrect.") in response.content.decode()
    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302 and response.url == reverse("accounts:password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert logged_in_user_id(client) == str(user.pk), "the session survives the change"


def test_password_change_refuses_a_short_password(login, user):
    client = login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "court", "new_password2": "court"},
    )
    assert response.status_code == 200
    assert "Ce mot de passe est trop court" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_my_account_shows_roles_and_updates_details(login, world):
    client = login(world.a.coordinator)
    url = reverse("accounts:my_account")
    content = client.get(url).content.decode()
    assert "Coordination (chef·fe de projet) – Cité éducative A" in content
    assert world.a.coordinator.email in content
    response = client.post(url, {"full_name": "Léa Dupont", "job_title": "Cheffe de projet", "phone": "04 66 00"})
    assert response.status_code == 302 and response.url == url
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Vos informations ont été enregistrées."]
    world.a.coordinator.refresh_from_db()
    assert (world.a.coordinator.full_name, world.a.coordinator.job_title) == ("Léa Dupont", "Cheffe de projet")
    assert "Léa Dupont" in client.get(url).content.decode()


def test_my_account_cannot_change_email_or_become_admin(login, user):
    client = login(user)
    client.post(
        reverse("accounts:my_account"),
        {"full_name": "Claire", "email": "pirate@example.org", "is_superuser": "on", "is_staff": "on"},
    )
    user.refresh_from_db()
    assert (user.email, user.is_superuser, user.is_staff) == ("claire.martin@example.org", False, False)


def test_my_account_requires_a_name(login, user):
    response = login(user).post(reverse("accounts:my_account"), {"full_name": ""})
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in response.content.decode()
