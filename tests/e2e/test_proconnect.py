"""ProConnect in the browser, against a real OpenID Connect provider run on 127.0.0.1.

The provider is panva's ``oidc-provider`` (npm, tests/oidc_provider/), configured as
ProConnect behaves: the userinfo comes back as a signed JWT, the logout goes through
end_session with the id_token as hint (checked by the provider). Its development login
form takes any login: the journeys type the agent's e-mail address there.
"""

import os
import re
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Membership, User
from accounts.proconnect import AUTH_METHOD, AUTH_METHOD_KEY, ID_TOKEN_KEY
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROVIDER_DIR = Path(__file__).resolve().parent.parent / "oidc_provider"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(process, url, log_path, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"le fournisseur OIDC s'est arrêté :\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"le fournisseur OIDC ne répond pas sur {url} :\n{log_path.read_text()}")


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory):
    """The node provider, started once for the session, stopped by its own pid."""
    # make test installs a recent Node.js under runtime/ when the system's is too old.
    pinned = PROVIDER_DIR / "runtime" / "node_modules" / ".bin" / "node"
    node = str(pinned) if pinned.exists() else shutil.which("node")
    if node is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("Node.js et tests/oidc_provider/node_modules sont requis : make test (npm ci) les installe.")
    has_hash = subprocess.run([node, "-e", 'require("node:crypto").hash("sha256", "")'], capture_output=True)
    if has_hash.returncode != 0:
        pytest.fail("oidc-provider 9 demande Node.js 20.12 ou plus récent : make test en installe un (runtime/).")
    port = _free_port()
    provider = SimpleNamespace(
        issuer=f"http://127.0.0.1:{port}",
        client_id="portail-tests",
        client_secret=secrets.token_urlsafe(32),
        redirect_uri=live_server.url + reverse("oidc_authentication_callback"),
        post_logout_redirect_uri=live_server.url + reverse("accounts:login"),
    )
    env = {
        **os.environ,
        "PORT": str(port),
        "CLIENT_ID": provider.client_id,
        "CLIENT_SECRET": provider.client_secret,
        "REDIRECT_URI": provider.redirect_uri,
        "POST_LOGOUT_REDIRECT_URI": provider.post_logout_redirect_uri,
    }
    log_path = tmp_path_factory.mktemp("oidc-provider") / "provider.log"
    with log_path.open("w") as log:
        process = subprocess.Popen([node, "server.js"], cwd=PROVIDER_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(process, provider.issuer + "/.well-known/openid-configuration", log_path)
        provider.log_path = log_path
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def proconnect(settings, oidc_provider, page):
    """The portal configured for the provider; the page reaches only it and the portal
    (the provider's development pages import a web font from the Internet)."""
    settings.OIDC_RP_CLIENT_ID = oidc_provider.client_id
    settings.OIDC_RP_CLIENT_SECRET = oidc_provider.client_secret
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = oidc_provider.issuer + "/auth"
    settings.OIDC_OP_TOKEN_ENDPOINT = oidc_provider.issuer + "/token"
    settings.OIDC_OP_USER_ENDPOINT = oidc_provider.issuer + "/me"
    settings.OIDC_OP_JWKS_ENDPOINT = oidc_provider.issuer + "/jwks"
    settings.OIDC_OP_LOGOUT_ENDPOINT = oidc_provider.issuer + "/session/end"
    page.route(re.compile(r"^https?://(?!localhost[:/]|127\.0\.0\.1[:/])"), lambda route: route.abort())
    return oidc_provider


def _log_in_at_provider(page, provider, login):
    """The provider's development login form, then its consent page."""
    page.wait_for_url(re.compile("^" + re.escape(provider.issuer) + "/interaction/"))
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("n'importe lequel")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def _session(page, live_server):
    host = urlsplit(live_server.url).hostname
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid" and c["domain"] == host)
    return SessionStore(session_key=cookie["value"])


@pytest.fixture
def provider_answers(monkeypatch):
    """The content type of every answer the portal got from the provider (GET: userinfo, JWKS)."""
    answers = {}
    real_get = requests.get

    def get(url, *args, **kwargs):
        response = real_get(url, *args, **kwargs)
        answers[urlsplit(url).path] = response.headers.get("Content-Type", "")
        return response

    monkeypatch.setattr("mozilla_django_oidc.auth.requests.get", get)
    return answers


def test_coordinator_logs_in_and_out_through_proconnect(page, live_server, world, proconnect, provider_answers):
    coordinator = world.a.coordinator
    login_url = live_server.url + reverse("accounts:login")

    page.goto(login_url)
    page.get_by_role("link", name="S'identifier avec ProConnect").click()
    # The e-mail matches whatever its case.
    _log_in_at_provider(page, proconnect, coordinator.email.upper())

    page.wait_for_url(live_server.url + reverse("home"))
    expect(page.locator("h1")).to_contain_text("Bonjour")
    expect(page.locator(".fr-header__tools")).to_contain_text(coordinator.full_name)
    session = _session(page, live_server)
    assert session["_auth_user_id"] == str(coordinator.pk)
    # The contract with the second factor: a ProConnect session is marked as such.
    assert session[AUTH_METHOD_KEY] == AUTH_METHOD
    id_token = session[ID_TOKEN_KEY]
    # As ProConnect does, the userinfo came as a signed JWT, checked against the JWKS.
    assert provider_answers["/me"].startswith("application/jwt")
    assert "/jwks" in provider_answers
    coordinator.refresh_from_db()
    assert coordinator.last_login is not None

    # Logout: here, then at the provider's end_session with the id_token as hint.
    with page.expect_request(re.compile("^" + re.escape(proconnect.issuer) + "/session/end\\?")) as end_session:
        page.locator(".fr-header__tools").get_by_role("button", name="Se déconnecter").click()
    query = parse_qs(urlsplit(end_session.value.url).query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == [proconnect.post_logout_redirect_uri]
    page.get_by_role("button", name="Yes, sign me out").click()

    page.wait_for_url(re.compile("^" + re.escape(login_url) + r"\?state="))
    expect(page.locator("h1")).to_have_text("Connexion au portail")
    page.goto(live_server.url + reverse("home"))
    page.wait_for_url(re.compile("^" + re.escape(login_url)))

    # The provider's session ended too: ProConnect asks for the login again.
    page.get_by_role("link", name="S'identifier avec ProConnect").click()
    page.wait_for_url(re.compile("^" + re.escape(proconnect.issuer) + "/interaction/"))
    expect(page.locator("input[name=login]")).to_be_visible()


@pytest.mark.parametrize("case", ["unknown", "without_active_membership"])
def test_an_agent_without_account_gets_the_no_account_page(page, live_server, world, proconnect, case):
    email = "agent.inconnu@example.gouv.fr"
    if case == "without_active_membership":
        user = UserFactory(email=email)
        Membership.objects.create(user=user, role="coordinator", cite=world.a.cite, is_active=False)
    users_before = list(User.objects.order_by("pk").values_list("pk", flat=True))

    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_role("link", name="S'identifier avec ProConnect").click()
    with page.expect_response(re.compile(re.escape(live_server.url) + "/oidc/callback/")) as callback:
        _log_in_at_provider(page, proconnect, email)

    assert callback.value.status == 403
    expect(page.locator("h1")).to_have_text("Aucun compte sur le portail")
    expect(page.locator("main")).to_contain_text("coordination de votre cité éducative")
    assert list(User.objects.order_by("pk").values_list("pk", flat=True)) == users_before
    assert AUTH_METHOD_KEY not in _session(page, live_server)
    # Not logged in here; the agent may leave ProConnect to come back with another identity.
    page.get_by_role("link", name="Se déconnecter de ProConnect").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(re.compile("^" + re.escape(proconnect.post_logout_redirect_uri) + r"\?state="))
    page.goto(live_server.url + reverse("home"))
    page.wait_for_url(re.compile("^" + re.escape(live_server.url + reverse("accounts:login"))))
    page.get_by_role("link", name="S'identifier avec ProConnect").click()
    page.wait_for_url(re.compile("^" + re.escape(proconnect.issuer) + "/interaction/"))
    expect(page.locator("input[name=login]")).to_be_visible()
