"""Login throttling (django-axes and accounts/throttling.py).

The (account, address) pair is locked after AXES_FAILURE_LIMIT failures, so a burst from
one address never keeps the owner out from another; the account, from any address, is
slowed down by a delay that doubles with each failure past LOGIN_DELAY_AFTER (a refusal
saying how long, no sleep); refusals are French, on the login page, with status 429.
"""

import threading
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.db import connection
from django.db.models import F, Sum
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.html import escape
from django.utils.http import urlsafe_base64_encode

from accounts import throttling
from accounts.models import User
from tests.factories import PASSWORD, UserFactory
from tests.otp import force_login_verified

LOGIN_URL = reverse("accounts:login")
ADMIN_LOGIN_URL = reverse("admin:login")
EMAIL = "claire.martin@example.org"
HOME = "203.0.113.10"
ATTACKER = "198.51.100.66"
PAIR_REFUSAL = "Trop de tentatives de connexion échouées depuis votre adresse : réessayez dans"
ACCOUNT_REFUSAL = "Trop de tentatives de connexion échouées pour ce compte : réessayez dans"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.LOGIN_DELAY_AFTER = 3
    settings.LOGIN_DELAY_BASE = 1
    settings.LOGIN_DELAY_MAX = 4


@pytest.fixture
def user(db):
    return UserFactory(email=EMAIL, full_name="Claire Martin")


@pytest.fixture
def password_checks(monkeypatch):
    """Every password check made, in every thread."""
    checks, lock = [], threading.Lock()
    check_password = User.check_password

    def counting(self, raw_password):
        with lock:
            checks.append(self.email)
        return check_password(self, raw_password)

    monkeypatch.setattr(User, "check_password", counting)
    return checks


def attempt(address, password, email=EMAIL, url=LOGIN_URL):
    """A login from a browser of its own at that address."""
    client = Client(REMOTE_ADDR=address)
    response = client.post(url, {"username": email, "password": password})
    # (reading client.session without a session cookie would write a new session)
    response.logged_in = django_settings.SESSION_COOKIE_NAME in response.cookies and SESSION_KEY in client.session
    return response


def failures_recorded(email=EMAIL):
    return AccessAttempt.objects.filter(username=email).aggregate(total=Sum("failures_since_start"))["total"] or 0


def move_back(seconds):
    """As if the recorded failures had happened ``seconds`` earlier."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(seconds=seconds))


# --- (a) the pair, not the account, is locked ----------------------------------------------
def test_a_burst_is_refused_in_french_while_the_owner_logs_in_from_another_address(user, password_checks):
    assert attempt(HOME, PASSWORD).logged_in  # the owner's usual address
    answers = [attempt(ATTACKER, "mauvais") for _ in range(6)]
    assert [response.status_code for response in answers] == [200, 200, 429, 429, 429, 429]
    assert "Adresse électronique ou mot de passe incorrect." in answers[0].content.decode()
    for response in answers[2:]:
        content = response.content.decode()
        assert PAIR_REFUSAL in content and "réessayez dans 15 minutes" in content
        assert "Connexion au portail" in content and f'value="{EMAIL}"' in content  # the login page, address kept
    assert len(password_checks) == 1 + 3, "refused attempts check no password"
    assert failures_recorded() == 3

    owner = attempt(HOME, PASSWORD)
    assert owner.status_code == 302 and owner.logged_in


def test_the_lock_is_per_pair_whatever_the_case_of_the_address(user):
    for _ in range(3):
        attempt(ATTACKER, "mauvais", email=EMAIL.upper())
    assert attempt(ATTACKER, "mauvais", email="Claire.Martin@example.org").status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {EMAIL}


def test_the_admin_login_is_throttled_on_the_same_counter(user):
    user.is_staff = user.is_superuser = True
    user.save()
    attempt(ATTACKER, "mauvais")
    attempt(ATTACKER, "mauvais", url=ADMIN_LOGIN_URL)
    response = attempt(ATTACKER, "mauvais", url=ADMIN_LOGIN_URL)
    assert response.status_code == 429 and PAIR_REFUSAL in response.content.decode()
    response = attempt(ATTACKER, PASSWORD, url=ADMIN_LOGIN_URL)
    assert response.status_code == 429 and not response.logged_in
    assert PAIR_REFUSAL in response.content.decode()
    assert failures_recorded() == 3


# --- (b) the locked pair is refused even with the right password ---------------------------
def test_the_right_password_from_the_locked_pair_is_refused(user, password_checks):
    for _ in range(3):
        attempt(HOME, "mauvais")
    response = attempt(HOME, PASSWORD)
    assert response.status_code == 429 and not response.logged_in
    content = response.content.decode()
    assert PAIR_REFUSAL in content
    assert escape("demandez à l'administration du portail de débloquer votre compte") in content
    assert f'value="{EMAIL}"' in content
    assert int(response["Retry-After"]) == 15 * 60
    assert len(password_checks) == 3


# --- (c) unlock by an administrator -------------------------------------------------------
@pytest.mark.parametrize(
    "unlock",
    [
        lambda: call_command("axes_reset_username", EMAIL),
        lambda: call_command("axes_reset_ip_username", HOME, EMAIL),
    ],
    ids=["axes_reset_username", "axes_reset_ip_username"],
)
def test_the_reset_commands_unlock(user, unlock):
    for _ in range(3):
        attempt(HOME, "mauvais")
    assert attempt(HOME, PASSWORD).status_code == 429
    unlock()
    assert attempt(HOME, PASSWORD).logged_in


def test_the_admin_unlocks_from_the_attempts_page(user, world):
    for _ in range(3):
        attempt(HOME, "mauvais")
    admin = Client()
    force_login_verified(admin, world.admin)
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = admin.get(changelist).content.decode()
    assert "Tentatives de connexion" in page and "Bloqué (compte et adresse)" in page
    assert "Débloquer : supprimer les tentatives sélectionnées" in page
    detail = admin.get(reverse("admin:axes_accessattempt_change", args=[AccessAttempt.objects.get().pk]))
    assert detail.status_code == 200 and "Requêtes (mots de passe masqués)" in detail.content.decode()
    assert "mauvais" not in detail.content.decode()
    assert admin.get(reverse("admin:axes_accesslog_changelist")).status_code == 200
    pks = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = admin.post(changelist, {"action": "unlock", "_selected_action": pks})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert attempt(HOME, PASSWORD).logged_in


def test_a_password_reset_unlocks_the_account(user, django_capture_on_commit_callbacks):
    for _ in range(3):
        attempt(HOME, "mauvais")
    client = Client(REMOTE_ADDR=HOME)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = reverse("accounts:password_reset_confirm", args=[uid, default_token_generator.make_token(user)])
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    new = "Un-nouveau-mot-de-passe-2026"
    assert client.post(form_url, {"new_password1": new, "new_password2": new}).status_code == 302
    assert attempt(HOME, new).logged_in


def test_a_refusal_met_outside_the_login_forms_gets_a_french_page_of_its_own(rf):
    request = rf.post(LOGIN_URL)
    request.user, request.csp_nonce = AnonymousUser(), "nonce"
    request.login_refusal = (throttling.ACCOUNT, 3)
    response = throttling.lockout_response(request, HttpResponse("Account locked"))
    content = response.content.decode()
    assert response.status_code == 429 and response["Retry-After"] == "3"
    assert "Connexion refusée pour le moment" in content and f"{ACCOUNT_REFUSAL} 3 secondes." in content


# --- (d) old records are purged -----------------------------------------------------------
def test_the_purge_removes_records_older_than_their_retention(user, settings):
    settings.LOGIN_RECORDS_RETENTION_DAYS = 30
    now = timezone.now()
    fields = {"user_agent": "test", "http_accept": "*/*", "path_info": LOGIN_URL}
    expired, current = (
        AccessAttempt.objects.create(username=f"{name}@example.org", failures_since_start=1, **fields)
        for name in ("expire", "actuel")
    )
    old_login, recent_login = (AccessLog.objects.create(username=EMAIL, **fields) for _ in range(2))
    AccessAttempt.objects.filter(pk=expired.pk).update(attempt_time=now - timedelta(minutes=16))
    AccessLog.objects.filter(pk=old_login.pk).update(attempt_time=now - timedelta(days=31))
    AccessLog.objects.filter(pk=recent_login.pk).update(attempt_time=now - timedelta(days=29))

    call_command("purge_login_records")

    assert list(AccessAttempt.objects.values_list("pk", flat=True)) == [current.pk]
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [recent_login.pk]


# --- (e) a parallel burst checks at most the limit of passwords ----------------------------
@pytest.mark.django_db(transaction=True)
def test_a_parallel_burst_checks_at_most_the_limit_of_passwords(settings, monkeypatch):
    """20 wrong attempts at once from one address. Each password check is slowed down, so
    that without the per-account serialisation all of them would pass the lock check
    before the first failure is recorded (36 of 40 did in the review)."""
    settings.AXES_FAILURE_LIMIT = settings.LOGIN_DELAY_AFTER = 5
    UserFactory(email=EMAIL)
    checks, lock = [], threading.Lock()
    check_password = User.check_password

    def slow_check(self, raw_password):
        with lock:
            checks.append(raw_password)
        threading.Event().wait(0.05)
        return check_password(self, raw_password)

    monkeypatch.setattr(User, "check_password", slow_check)
    start, statuses = threading.Barrier(20), []

    def burst():
        try:
            start.wait(timeout=30)
            statuses.append(attempt(ATTACKER, "mauvais").status_code)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            statuses.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=burst) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert sorted(statuses, key=str) == sorted([200] * 4 + [429] * 16, key=str), statuses
    assert len(checks) == 5
    assert failures_recorded() == 5


# --- (f) the delay per account grows with its failures -------------------------------------
def test_the_delay_per_account_doubles_up_to_its_cap(user, password_checks):
    """Failures from ever new addresses (no pair reaches its limit): past LOGIN_DELAY_AFTER,
    each one makes the next attempt wait twice as long, up to LOGIN_DELAY_MAX."""
    for number in range(3):
        assert attempt(f"192.0.2.{number}", "mauvais").status_code == 200
    waits = []
    for number in range(3, 7):
        refused = attempt(f"192.0.2.{number}", PASSWORD)
        assert refused.status_code == 429 and not refused.logged_in
        assert ACCOUNT_REFUSAL in refused.content.decode()
        waits.append(int(refused["Retry-After"]))
        move_back(waits[-1])  # the wait is over
        assert attempt(f"192.0.2.{number}", "mauvais").status_code == 200
    assert waits == [1, 2, 4, 4]
    assert len(password_checks) == 7, "a refused attempt checks no password"
    assert failures_recorded() == 7, "and is not counted"
    move_back(4)
    assert attempt("192.0.2.99", PASSWORD).logged_in, "once the wait is over, the owner logs in"


def test_the_delay_spares_an_address_the_account_logged_in_from(user):
    assert attempt(HOME, PASSWORD).logged_in
    for number in range(3):
        attempt(f"192.0.2.{number}", "mauvais")
    assert attempt("192.0.2.50", PASSWORD).status_code == 429
    assert attempt(HOME, PASSWORD).logged_in


def test_the_delay_message_is_french_and_singular_for_one_second(user):
    for number in range(3):
        attempt(f"192.0.2.{number}", "mauvais")
    content = attempt("192.0.2.9", PASSWORD).content.decode()
    assert f"{ACCOUNT_REFUSAL} 1 seconde." in content


def test_the_test_client_logs_in_with_a_request(user):
    """axes refuses an authentication without its request: ``Client.login`` is given one."""
    assert Client().login(request=HttpRequest(), email=EMAIL, password=PASSWORD)
    with pytest.raises(ValueError, match="requires a request"):
        Client().login(email=EMAIL, password=PASSWORD)


@pytest.mark.parametrize("url", [LOGIN_URL, ADMIN_LOGIN_URL])
def test_an_overlong_address_is_a_form_error_not_a_server_error(db, url):
    email = f"{'a' * 60}@{'.'.join(['b' * 60] * 5)}.fr"  # a valid address of 370 characters
    response = attempt(ATTACKER, "mauvais", email=email, url=url)
    assert response.status_code == 200


# --- The client's address -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "10.0.0.1", HOME),
        (1, "10.0.0.1, 192.0.2.7", "192.0.2.7"),
        (2, "10.0.0.1, 192.0.2.7, 192.0.2.8", "192.0.2.7"),
        (1, "", HOME),
        (1, "pas-une-adresse", None),
    ],
)
def test_the_client_address_behind_trusted_proxies(rf, settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.post(LOGIN_URL, REMOTE_ADDR=HOME, HTTP_X_FORWARDED_FOR=forwarded)
    assert throttling.client_ip(request) == expected


def test_account_delay_formula(settings):
    assert [throttling.account_delay(n) for n in range(2, 9)] == [0, 1, 2, 4, 4, 4, 4]
    settings.LOGIN_DELAY_MAX = 60
    assert throttling.account_delay(10**6) == 60


@pytest.mark.django_db
def test_logins_without_an_account_name_lock_no_address():
    """A ProConnect callback names no account: its failures (unknown agents) are not counted
    against (no account, address), which would lock every agent of that office out."""
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    for _ in range(django_settings.AXES_FAILURE_LIMIT + 2):
        request = RequestFactory().get("/oidc/callback/", REMOTE_ADDR="10.1.2.3")
        request.session = {}
        assert authenticate(request=request, code="inconnu", state="x") is None
    assert not AccessAttempt.objects.exists()
    request = RequestFactory().get("/oidc/callback/", REMOTE_ADDR="10.1.2.3")
    assert not throttling.ThrottlingHandler().is_locked(request, {})
