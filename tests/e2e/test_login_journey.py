"""A coordinator signs in and reaches their cité; the page only talks to our own server."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.otp import enrolled_device, pass_second_factor_in_browser

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_coordinator_signs_in_and_opens_the_cite(page, live_server, world, browser_log):
    coordinator, cite = world.a.coordinator, world.a.cite
    enrolled_device(coordinator)

    page.goto(live_server.url + reverse("accounts:login"))
    expect(page.locator("h1")).to_have_text("Connexion au portail")
    page.get_by_label("Adresse électronique").fill(coordinator.email)
    page.get_by_label("Mot de passe").fill(world.password)
    page.get_by_role("button", name="Se connecter").click()
    pass_second_factor_in_browser(page, coordinator)

    page.wait_for_url(live_server.url + reverse("home"))
    expect(page.locator("h1")).to_contain_text("Bonjour")

    page.locator("nav.fr-nav").get_by_role("link", name="Cités éducatives", exact=True).click()
    page.wait_for_url(live_server.url + reverse("cites:cite_list"))
    expect(page.locator("h1")).to_have_text("Cités éducatives")
    # The coordinator of A does not see cité B in the list.
    expect(page.locator("table")).not_to_contain_text(world.b.cite.name)

    page.get_by_role("link", name=cite.name, exact=True).click()
    page.wait_for_url(live_server.url + reverse("cites:cite_detail", args=[cite.pk]))
    expect(page.locator("h1")).to_have_text(cite.name)

    # DSFR assets are served by us: the Marianne web font is loaded and used.
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('16px Marianne')")
    assert "Marianne" in page.evaluate("getComputedStyle(document.body).fontFamily")
    assert page.evaluate("getComputedStyle(document.querySelector('.fr-header')).display") != "inline"

    # Nothing leaves the server under test (no CDN, no analytics, no third-party font).
    foreign = [url for url in browser_log.requests if not url.startswith((live_server.url, "data:"))]
    assert foreign == [], foreign
    assert any(re.search(r"/static/dsfr/dist/fonts/Marianne.*\.woff2$", url) for url in browser_log.requests)

    # The strict Content-Security-Policy blocks nothing the pages need.
    csp_violations = [message for message in browser_log.console if "Content Security Policy" in message]
    assert csp_violations == []
    assert browser_log.errors == []


def test_repeated_wrong_passwords_are_refused_in_french_on_the_login_page(page, live_server, world, settings):
    settings.AXES_FAILURE_LIMIT = 2
    page.goto(live_server.url + reverse("accounts:login"))
    for _ in range(2):
        page.get_by_label("Adresse électronique").fill(world.a.coordinator.email)
        page.get_by_label("Mot de passe").fill("mauvais mot de passe")
        page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_have_text("Connexion au portail")
    expect(page.locator("main")).to_contain_text(
        "Trop de tentatives de connexion échouées depuis votre adresse : réessayez dans 15 minutes"
    )
    expect(page.get_by_label("Adresse électronique")).to_have_value(world.a.coordinator.email)
    page.get_by_label("Mot de passe").fill(world.password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("main")).to_contain_text("Trop de tentatives de connexion échouées")
    assert page.url == live_server.url + reverse("accounts:login")
