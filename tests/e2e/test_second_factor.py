"""A coordinator's first password login: enrolment of an authenticator application by
reading the secret on the page, recovery codes, then a later login with a recovery code."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.otp import code_for_key

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def password_step(page, url, user, password):
    page.goto(url + reverse("accounts:login"))
    page.get_by_label("Adresse électronique").fill(user.email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_coordinator_enrols_then_logs_in_with_a_recovery_code(page, live_server, world, browser_log):
    url, coordinator = live_server.url, world.a.coordinator
    page.set_viewport_size({"width": 390, "height": 844})

    # --- 1. First login: the dashboard is out of reach until the application is enrolled ----
    password_step(page, url, coordinator, world.password)
    page.wait_for_url(re.compile(re.escape(url + reverse("accounts:second_factor_setup"))))
    expect(page.locator("h1")).to_have_text("Activer la double authentification")
    qr_code = page.get_by_role("img", name=re.compile("Code QR"))
    expect(qr_code).to_be_visible()
    assert qr_code.bounding_box()["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    page.goto(url + reverse("home"))
    page.wait_for_url(re.compile(re.escape(url + reverse("accounts:second_factor_setup"))))

    # The application is set up by hand with the secret shown as text.
    secret = page.locator("#otp-secret").inner_text()
    code_field = page.get_by_label("Code à 6 chiffres")
    expect(code_field).to_have_attribute("autocomplete", "one-time-code")
    expect(code_field).to_have_attribute("inputmode", "numeric")
    code_field.fill("000000" if code_for_key(secret) != "000000" else "111111")
    page.get_by_role("button", name="Activer la double authentification").click()
    expect(page.locator(".fr-error-text")).to_contain_text("Ce code ne correspond pas")
    page.get_by_label("Code à 6 chiffres").fill(code_for_key(secret))
    page.get_by_role("button", name="Activer la double authentification").click()

    # --- 2. The recovery codes, shown once, then the dashboard -------------------------------
    expect(page.locator("h1")).to_have_text("Vos codes de secours")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"\d{5}-\d{5}", code) for code in codes)
    expect(page.get_by_role("button", name="Imprimer")).to_be_visible()
    page.get_by_role("link", name="J'ai mis mes codes de côté, continuer").click()
    page.wait_for_url(url + reverse("home"))
    expect(page.locator("h1")).to_contain_text("Bonjour")

    # --- 3. Logout, login again: a recovery code replaces the phone --------------------------
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(re.escape(url + reverse("accounts:login"))))
    password_step(page, url, coordinator, world.password)
    page.wait_for_url(re.compile(re.escape(url + reverse("accounts:second_factor"))))
    expect(page.locator("h1")).to_have_text("Double authentification")
    page.get_by_label("Code de vérification").fill(codes[0])
    page.get_by_role("button", name="Valider").click()
    page.wait_for_url(url + reverse("home"))
    expect(page.locator("h1")).to_contain_text("Bonjour")
    expect(page.locator(".fr-alert")).to_contain_text("Il vous en reste 9")

    assert [message for message in browser_log.console if "Content Security Policy" in message] == []
    assert browser_log.errors == []
