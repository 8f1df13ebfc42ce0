"""Helpers for the browser journeys: sign in through the real form, record what the page does."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from tests.factories import PASSWORD


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
    """``sign_in(user)`` fills and submits the DSFR login form and waits for the home page."""

    def _sign_in(user, password=PASSWORD):
        page.goto(live_server.url + reverse("accounts:login"))
        page.get_by_label("Adresse électronique").fill(user.email)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(live_server.url + reverse("home"))
        return page

    return _sign_in
