"""Helpers for the browser journeys: sign in through the real form, record what the page does."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from tests.factories import PASSWORD
from tests.otp import enrolled_device, owes_second_factor, pass_second_factor_in_browser


@pytest.fixture
def browser_log(page):
    """Every URL the page requests, its console messages and uncaught errors."""
    log = SimpleNamespace(requests=[], console=[], errors=[])
    page.on("request", lambda request: log.requests.append(request.url))
    page.on("console", lambda message: log.console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: log.errors.append(str(error)))
    return log


@pytest.fixture
def sign_in(page, live_server):
    """``sign_in(user)`` fills and submits the DSFR login form, then, for staff, types the
    code of their authenticator (a device enrolled beforehand with a known key) into the
    second-factor page, and waits for the home page."""

    def _sign_in(user, password=PASSWORD):
        log_in(page, live_server.url, user, password)
        return page

    return _sign_in


def log_in(page, base_url, user, password=PASSWORD):
    """The password form, then the real second-factor step when the user owes it."""
    owes = owes_second_factor(user)
    if owes:
        enrolled_device(user)
    page.goto(base_url + reverse("accounts:login"))
    page.get_by_label("Adresse électronique").fill(user.email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    if owes:
        pass_second_factor_in_browser(page, user)
    page.wait_for_url(base_url + reverse("home"))
