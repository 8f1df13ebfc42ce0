"""The second factor: staff who log in with a password enrol a TOTP application, then give
a code (or a single-use recovery code) before any page; partners only once enrolled;
ProConnect sessions never; an admin resets it."""

import re
import time
from html import unescape
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import proconnect, second_factor
from tests.factories import PASSWORD
from tests.otp import code_for_key, current_code, enrolled_device

pytestmark = pytest.mark.django_db

HOME = reverse("home")
SETUP = reverse("accounts:second_factor_setup")
VERIFY = reverse("accounts:second_factor")


def password_login(client, user):
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, "the password is accepted"
    return client


def log_out(client):
    assert client.post(reverse("accounts:logout")).status_code == 302


def secret_on_page(content):
    return unescape(re.search(r'<code id="otp-secret"[^>]*>([^<]+)</code>', content).group(1))


def recovery_codes_on_page(content):
    return re.findall(r"<li><code>(\d{5}-\d{5})</code></li>", content)


def enrol(client):
    """Enrol through the pages, as a person reading the secret would; returns the codes page."""
    content = client.get(SETUP).content.decode()
    response = client.post(SETUP, {"code": code_for_key(secret_on_page(content))})
    assert response.status_code == 200
    return response.content.decode()


def errors(response):
    return [
        unescape(error)
        for error in re.findall(r'class="fr-error-text"[^>]*>\s*([^<]+?)\s*<', response.content.decode())
    ]


# --- Who is asked ---------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["coordinator", "pilot", "prefecture", "admin"])
def test_staff_logging_in_with_a_password_must_enrol_before_any_page(client, world, who):
    user = world.admin if who == "admin" else getattr(world.a, who)
    password_login(client, user)
    for url in (HOME, reverse("cites:cite_list"), "/admin/", reverse("accounts:my_account")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == f"{SETUP}?{urlencode({'next': url})}"
    assert client.post(reverse("cites:cite_list")).url == SETUP  # a POST goes nowhere else
    assert client.get(VERIFY).url == SETUP  # nothing to verify yet
    assert client.get(SETUP).status_code == 200
    assert client.get(reverse("healthcheck")).status_code == 200
    for path in ("/static/css/absent.css", "/media-non-servi/absent.pdf"):
        assert client.get(path).status_code == 404  # not redirected: files are exempt
    log_out(client)
    assert client.get(HOME).url.startswith(reverse("accounts:login"))


def test_an_htmx_request_is_sent_to_the_second_factor_page_as_a_whole(client, world):
    password_login(client, world.a.coordinator)
    response = client.get(reverse("cites:cite_list"), headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"] == SETUP


def test_enrolment_page_shows_the_qr_code_and_the_secret(client, world):
    password_login(client, world.a.coordinator)
    content = client.get(SETUP).content.decode()
    assert '<svg viewBox="0 0 ' in content and 'class="segno"><title>Code QR' in content
    secret = secret_on_page(content).replace(" ", "")
    assert len(secret) == 32 and set(secret) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert 'autocomplete="one-time-code"' in content and 'inputmode="numeric"' in content
    assert re.search(r'<label for="id_code" class="fr-label">\s*Code à 6 chiffres', content)
    # Reloading keeps the same secret (a second tab shows the same one).
    assert secret_on_page(client.get(SETUP).content.decode()).replace(" ", "") == secret


def test_enrolment_with_a_wrong_code_fails_in_french_and_confirms_nothing(client, world):
    coordinator = world.a.coordinator
    password_login(client, coordinator)
    secret = secret_on_page(client.get(SETUP).content.decode())
    wrong = f"{(int(code_for_key(secret)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong})
    assert response.status_code == 200
    assert errors(response) == [
        "Ce code ne correspond pas. Vérifiez que l'heure de votre téléphone est juste, "
        "puis saisissez le code affiché maintenant."
    ]
    assert wrong not in response.content.decode()  # the typed code is not shown back
    assert not TOTPDevice.objects.filter(user=coordinator, confirmed=True).exists()
    assert not StaticToken.objects.filter(device__user=coordinator).exists()
    assert client.get(HOME).url.startswith(SETUP)


def test_enrolment_with_the_right_code_shows_ten_recovery_codes_once_and_opens_the_portal(client, world):
    coordinator = world.a.coordinator
    password_login(client, coordinator)
    content = enrol(client)
    codes = recovery_codes_on_page(content)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "La double authentification est activée" in content and "Imprimer" in content
    assert TOTPDevice.objects.filter(user=coordinator, confirmed=True).count() == 1
    assert StaticToken.objects.filter(device__user=coordinator).count() == 10
    assert client.get(HOME).status_code == 200
    assert client.get(reverse("cites:cite_detail", args=[world.a.cite.pk])).status_code == 200
    # Enrolled: the page does not offer a new secret (replacing a device takes an admin reset).
    assert client.get(SETUP).url == reverse("accounts:my_account")
    account = client.get(reverse("accounts:my_account")).content.decode()
    assert "Activée" in account and "10 codes de secours" in account
    assert not recovery_codes_on_page(account)


def test_enrolment_keeps_where_the_user_was_going(client, world):
    password_login(client, world.a.coordinator)
    target = reverse("cites:cite_detail", args=[world.a.cite.pk])
    setup = client.get(target).url
    secret = secret_on_page(client.get(setup).content.decode())
    content = client.post(setup, {"code": code_for_key(secret)}).content.decode()
    assert f'href="{target}"' in content


# --- Verification ---------------------------------------------------------------------------
def test_the_next_login_asks_for_the_code(client, world):
    coordinator = world.a.coordinator
    password_login(client, coordinator)
    enrol(client)
    log_out(client)
    password_login(client, coordinator)
    assert client.get(HOME).url == f"{VERIFY}?{urlencode({'next': HOME})}"
    page = client.get(VERIFY).content.decode()
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert "otp-secret" not in page and "<svg" not in page.split("<main")[1]  # no secret on this page
    response = client.post(f"{VERIFY}?next={HOME}", {"code": current_code(enrolled_device(coordinator))})
    assert response.url == HOME
    assert client.get(HOME).status_code == 200


def test_a_wrong_code_is_refused_in_french_and_not_shown_back(client, world):
    coordinator = world.a.coordinator
    device = enrolled_device(coordinator)
    password_login(client, coordinator)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert errors(response) == [
        "Ce code n'est pas valide. Saisissez le code affiché maintenant par votre application, ou un code de secours."
    ]
    assert wrong not in response.content.decode()
    assert client.get(HOME).status_code == 302


def test_a_replayed_code_is_refused(client, world):
    coordinator = world.a.coordinator
    device = enrolled_device(coordinator)
    password_login(client, coordinator)
    code = current_code(device)
    assert client.post(VERIFY, {"code": code}).url == HOME
    log_out(client)
    password_login(client, coordinator)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 200 and "Ce code n'est pas valide" in errors(response)[0]
    assert client.get(HOME).status_code == 302


def test_repeated_failures_slow_the_checks_down(client, world):
    coordinator = world.a.coordinator
    device = enrolled_device(coordinator)
    password_login(client, coordinator)
    for _ in range(3):
        client.post(VERIFY, {"code": "000000" if current_code(device) != "000000" else "111111"})
    response = client.post(VERIFY, {"code": current_code(device)})
    assert errors(response) == ["Trop de codes erronés : patientez quelques secondes avant de réessayer."]
    assert client.get(HOME).status_code == 302


def test_a_recovery_code_works_once(client, world):
    coordinator = world.a.coordinator
    password_login(client, coordinator)
    codes = recovery_codes_on_page(enrol(client))
    log_out(client)
    password_login(client, coordinator)
    response = client.post(VERIFY, {"code": codes[0]}, follow=True)
    assert response.redirect_chain[0][0] == HOME and response.status_code == 200
    assert "Vous avez utilisé un code de secours" in response.content.decode()
    assert "Il vous en reste 9" in response.content.decode()
    log_out(client)
    password_login(client, coordinator)
    response = client.post(VERIFY, {"code": codes[0].replace("-", "")})
    assert "Ce code n'est pas valide" in errors(response)[0]
    time.sleep(1.1)  # django-otp makes the next check wait a second after a failure
    assert client.post(VERIFY, {"code": codes[1]}).url == HOME


# --- Partners, ProConnect -------------------------------------------------------------------
def test_a_partner_is_not_asked_unless_enrolled(client, world):
    partner = world.a.partner
    password_login(client, partner)
    assert client.get(HOME).status_code == 200
    account = client.get(reverse("accounts:my_account")).content.decode()
    assert "Non activée" in account and "Facultative" in account
    assert f'href="{SETUP}"' in account
    codes = recovery_codes_on_page(enrol(client))
    assert len(codes) == 10
    log_out(client)
    password_login(client, partner)
    assert client.get(HOME).url.startswith(VERIFY)
    assert client.post(VERIFY, {"code": current_code(enrolled_device(partner))}).url == HOME


def test_a_proconnect_session_is_not_asked(client, world):
    coordinator = world.a.coordinator
    enrolled_device(world.a.pilot)
    for user in (coordinator, world.a.pilot):
        client.force_login(user)
        session = client.session
        session[proconnect.AUTH_METHOD_KEY] = proconnect.AUTH_METHOD
        session.save()
        assert client.get(HOME).status_code == 200
        assert client.get(reverse("cites:cite_detail", args=[world.a.cite.pk])).status_code == 200


def test_a_password_login_does_not_inherit_the_proconnect_marker(client, world):
    session = client.session
    session[proconnect.AUTH_METHOD_KEY] = proconnect.AUTH_METHOD
    session.save()
    password_login(client, world.a.coordinator)
    assert proconnect.AUTH_METHOD_KEY not in client.session
    assert client.get(HOME).url.startswith(SETUP)


# --- Recovery codes and admin reset ---------------------------------------------------------
def test_new_recovery_codes_need_a_fresh_code_and_replace_the_old_ones(client, world):
    coordinator = world.a.coordinator
    password_login(client, coordinator)
    old_codes = recovery_codes_on_page(enrol(client))
    url = reverse("accounts:second_factor_recovery_codes")
    assert client.get(url).status_code == 200
    response = client.post(url, {"code": old_codes[0]})  # a recovery code is not a fresh code
    assert errors(response) == [
        "Ce code n'est pas valide. Saisissez le code à 6 chiffres affiché maintenant par votre application."
    ]
    response = client.post(url, {"code": current_code(enrolled_device(coordinator))})
    new_codes = recovery_codes_on_page(response.content.decode())
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert "no-store" in response["Cache-Control"]
    log_out(client)
    password_login(client, coordinator)
    assert "Ce code n'est pas valide" in errors(client.post(VERIFY, {"code": old_codes[1]}))[0]
    time.sleep(1.1)  # django-otp makes the next check wait a second after a failure
    assert client.post(VERIFY, {"code": new_codes[0]}).url == HOME


def test_admin_reset_removes_the_devices_and_the_next_login_enrols_again(login, world):
    coordinator = world.a.coordinator
    coordinator_client = password_login(Client(), coordinator)
    enrol(coordinator_client)
    assert coordinator_client.get(HOME).status_code == 200

    admin = login(world.admin)
    changelist = reverse("admin:accounts_user_changelist")
    page = admin.get(changelist).content.decode()
    assert "Réinitialiser la double authentification" in page
    response = admin.post(changelist, {"action": "reset_second_factor", "_selected_action": [coordinator.pk]})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert not StaticToken.objects.filter(device__user=coordinator).exists()

    # The open session loses its verification; the next login enrols again.
    assert coordinator_client.get(HOME).url.startswith(SETUP)
    log_out(coordinator_client)
    password_login(coordinator_client, coordinator)
    assert coordinator_client.get(HOME).url.startswith(SETUP)
    assert coordinator_client.get(SETUP).status_code == 200


def test_the_admin_requires_a_verified_session(client, world):
    admin = world.admin
    enrolled_device(admin)
    password_login(client, admin)
    assert client.get("/admin/").url == f"{VERIFY}?{urlencode({'next': '/admin/'})}"
    client.post(VERIFY, {"code": current_code(enrolled_device(admin))})
    assert client.get("/admin/").status_code == 200


def test_the_admin_shows_no_secret_and_no_recovery_code(login, world):
    device = enrolled_device(world.a.coordinator)
    second_factor.regenerate_recovery_codes(world.a.coordinator)
    admin = login(world.admin)
    for name in ("admin:otp_totp_totpdevice_config", "admin:otp_totp_totpdevice_qrcode"):
        assert admin.get(reverse(name, args=[device.pk])).status_code == 403
        assert admin.get(reverse(name, args=[device.pk + 1000])).status_code == 403  # never a 500
    page = admin.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])).content.decode()
    assert device.key not in page
    static = world.a.coordinator.staticdevice_set.get()
    page = admin.get(reverse("admin:otp_static_staticdevice_change", args=[static.pk])).content.decode()
    assert not any(token.token in page for token in static.token_set.all())
