"""ProConnect with the Django test client: off unless configured, no account ever created,
every failure a French page, the session marked for the second factor, logout through
the provider only for ProConnect sessions. The browser journeys against a real provider
are in tests/e2e/test_proconnect.py."""

import html
import socket
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import login
from django.contrib.auth.signals import user_logged_in
from django.test import RequestFactory
from django.urls import reverse

from accounts.checks import proconnect_settings
from accounts.models import Membership, Role, User
from accounts.proconnect import AUTH_METHOD, AUTH_METHOD_KEY, BACKEND_PATH, ID_TOKEN_KEY, ProConnectBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROVIDER = "https://proconnect.example.gouv.fr/api/v2"


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


@pytest.fixture
def configured(settings):
    settings.OIDC_RP_CLIENT_ID = "portail"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{PROVIDER}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{PROVIDER}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{PROVIDER}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{PROVIDER}/jwks"
    settings.OIDC_OP_LOGOUT_ENDPOINT = f"{PROVIDER}/session/end"
    return settings


@pytest.fixture
def unconfigured(settings):
    for name in ("OIDC_RP_CLIENT_ID", "OIDC_RP_CLIENT_SECRET", "OIDC_OP_AUTHORIZATION_ENDPOINT"):
        setattr(settings, name, "")
    return settings


def _text(response):
    return html.unescape(response.content.decode())


def _start_login(client):
    """The button: a redirect to the provider, with the state kept in our session."""
    response = client.get(reverse("oidc_authentication_init"))
    assert response.status_code == 302
    return parse_qs(urlsplit(response["Location"]).query)


# --- Off unless configured ------------------------------------------------------------------
def test_no_button_and_no_urls_when_not_configured(client, unconfigured):
    page = client.get(reverse("accounts:login"))
    assert page.status_code == 200
    assert "ProConnect" not in _text(page)
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


def test_the_settings_are_off_by_default():
    from django.conf import settings

    assert settings.OIDC_CREATE_USER is False
    assert settings.OIDC_RP_SCOPES == "openid email given_name usual_name"


def test_button_when_configured_sends_to_the_provider(client, configured):
    page = client.get(reverse("accounts:login") + "?next=/cites/")
    text = _text(page)
    assert "S'identifier avec ProConnect" in text
    assert 'href="/oidc/authenticate/?next=/cites/"' in text

    query = _start_login(client)
    assert query["client_id"] == ["portail"]
    assert query["scope"] == ["openid email given_name usual_name"]
    assert query["redirect_uri"] == ["http://testserver/oidc/callback/"]
    assert query["response_type"] == ["code"]
    assert query["state"] and query["nonce"]
    assert query["state"][0] in client.session["oidc_states"]


def test_the_logout_form_may_reach_the_provider(client, configured):
    csp = client.get(reverse("accounts:login"))["Content-Security-Policy"]
    assert csp.endswith("form-action 'self' https://proconnect.example.gouv.fr")


# --- The callback never answers 500 ---------------------------------------------------------
def test_provider_unreachable_at_callback_gives_a_french_page(client, configured):
    configured.OIDC_OP_TOKEN_ENDPOINT = f"http://127.0.0.1:{_closed_port()}/token"
    state = _start_login(client)["state"][0]
    response = client.get(reverse("oidc_authentication_callback"), {"code": "abc", "state": state})
    assert response.status_code == 502
    assert "ProConnect ne répond pas pour le moment." in _text(response)
    assert "_auth_user_id" not in client.session


def test_unknown_state_gives_a_french_page(client, configured):
    _start_login(client)
    response = client.get(reverse("oidc_authentication_callback"), {"code": "abc", "state": "forged"})
    assert response.status_code == 400
    assert "n'a pas pu être vérifiée" in _text(response)


@pytest.mark.parametrize("query", [{"error": "access_denied"}, {"code": "abc", "state": "without-session"}, {}])
def test_a_refused_or_stray_callback_gives_a_french_page(client, configured, query):
    response = client.get(reverse("oidc_authentication_callback"), query)
    assert response.status_code == 400
    assert "La connexion avec ProConnect n'a pas abouti." in _text(response)


# --- Accounts: matched by e-mail, never created ---------------------------------------------
@pytest.fixture
def backend(configured, rf):
    backend = ProConnectBackend()
    backend.request = rf.get("/oidc/callback/")
    return backend


def test_matches_an_active_member_by_email_whatever_its_case(backend, world):
    coordinator = world.a.coordinator
    assert list(backend.filter_users_by_claims({"email": coordinator.email.upper()})) == [coordinator]


def test_refuses_unknown_inactive_and_roleless_accounts(backend, world):
    inactive = UserFactory(email="inactif@example.org", is_active=False)
    Membership.objects.create(user=inactive, role=Role.COORDINATOR, cite=world.a.cite)
    former = UserFactory(email="ancien@example.org")
    Membership.objects.create(user=former, role=Role.COORDINATOR, cite=world.a.cite, is_active=False)
    UserFactory(email="sans.role@example.org")
    for email in ("inconnu@example.org", "inactif@example.org", "ancien@example.org", "sans.role@example.org", ""):
        assert not backend.filter_users_by_claims({"email": email}).exists(), email


def test_never_creates_an_account(backend, monkeypatch):
    before = User.objects.count()
    monkeypatch.setattr(backend, "get_userinfo", lambda *args: {"sub": "x", "email": "nouveau@example.gouv.fr"})
    assert backend.get_or_create_user("access", "id", {}) is None
    assert backend.create_user({"email": "nouveau@example.gouv.fr"}) is None
    assert backend.request.proconnect_refused is True
    assert User.objects.count() == before


def test_a_password_login_never_calls_the_provider(configured, world, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the provider was called")

    monkeypatch.setattr(ProConnectBackend, "get_token", fail)
    request = RequestFactory().post("/compte/connexion/?code=x&state=y")
    assert ProConnectBackend().authenticate(request, username=world.a.coordinator.email, password="x") is None


# --- The session: marked for the second factor; logout ---------------------------------------
def test_a_proconnect_login_marks_the_session(client, world):
    client.force_login(world.a.coordinator, backend=BACKEND_PATH)
    assert client.session[AUTH_METHOD_KEY] == AUTH_METHOD


def test_a_password_login_does_not_mark_the_session(client, world):
    response = client.post(
        reverse("accounts:login"), {"username": world.a.coordinator.email, "password": world.password}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.a.coordinator.pk)
    assert AUTH_METHOD_KEY not in client.session


def test_a_later_password_login_clears_the_mark_and_the_id_token(client, world):
    """In the same session (a login that does not flush it, as an invitation's does)."""
    client.force_login(world.a.coordinator, backend=BACKEND_PATH)
    request = RequestFactory().get("/")
    request.session = client.session
    request.session[ID_TOKEN_KEY] = "jeton"
    login(request, world.a.coordinator, backend="django.contrib.auth.backends.ModelBackend")
    assert AUTH_METHOD_KEY not in request.session
    assert ID_TOKEN_KEY not in request.session


def test_a_proconnect_login_over_another_users_session_keeps_the_id_token(client, world):
    """login() flushes the session of the previous user: the id_token is put back."""
    client.force_login(world.a.partner)
    request = RequestFactory().get("/oidc/callback/")
    request.session = client.session
    request.user = world.a.partner
    request.proconnect_id_token = "jeton-id"  # what ProConnectBackend.store_tokens leaves
    login(request, world.a.coordinator, backend=BACKEND_PATH)
    assert request.session["_auth_user_id"] == str(world.a.coordinator.pk)
    assert request.session[AUTH_METHOD_KEY] == AUTH_METHOD
    assert request.session[ID_TOKEN_KEY] == "jeton-id"


def test_the_signal_receiver_ignores_requestless_logins(world):
    user_logged_in.send(sender=User, request=None, user=world.a.coordinator)  # no error


def test_logout_of_a_proconnect_session_goes_through_end_session(client, configured, world):
    client.force_login(world.a.coordinator, backend=BACKEND_PATH)
    session = client.session
    session[ID_TOKEN_KEY] = "jeton-id"
    session.save()
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{PROVIDER}/session/end"
    query = parse_qs(location.query)
    assert query["id_token_hint"] == ["jeton-id"]
    assert query["post_logout_redirect_uri"] == ["http://testserver/compte/connexion/"]
    assert query["state"]
    assert "_auth_user_id" not in client.session


def test_logout_of_a_password_session_stays_here(client, configured, world):
    client.force_login(world.a.coordinator)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_logout_of_a_proconnect_session_stays_here_when_proconnect_is_off(client, unconfigured, world):
    client.force_login(world.a.coordinator, backend=BACKEND_PATH)
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("accounts:login")


# --- System checks: a half configuration is reported ----------------------------------------
def test_a_partial_configuration_is_reported(settings):
    settings.OIDC_RP_CLIENT_ID = "portail"
    settings.OIDC_RP_CLIENT_SECRET = ""
    assert [w.id for w in proconnect_settings(None)] == ["accounts.W001"]
    assert "OIDC_RP_CLIENT_SECRET" in proconnect_settings(None)[0].hint


def test_a_full_configuration_without_logout_endpoint_is_reported(configured):
    assert proconnect_settings(None) == []
    configured.OIDC_OP_LOGOUT_ENDPOINT = ""
    assert [w.id for w in proconnect_settings(None)] == ["accounts.W002"]


def test_no_configuration_is_silent(unconfigured):
    for name in ("OIDC_RP_CLIENT_SECRET", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT"):
        setattr(unconfigured, name, "")
    assert proconnect_settings(None) == []
