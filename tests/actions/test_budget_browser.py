"""In Chromium: budget rows added in place with htmx, live totals from static/js/budget.js."""

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from actions.models import BudgetLine

from .factories import ActionFactory, CallFactory, funder

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_rows_and_live_totals(page, live_server, world, client):
    action = ActionFactory(call=CallFactory(cite=world.a.cite), porteur=world.a.organisation)
    state = funder()
    client.force_login(world.a.partner)
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": live_server.url}]
    )  # fmt: skip
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + reverse("actions:budget", args=[action.pk]))

    page.get_by_label("Compte, ligne 1").first.select_option("64")
    page.locator('[name="charges-0-label"]').fill("Animateurs")
    page.locator('[name="charges-0-amount_planned"]').fill("1500")
    page.get_by_role("button", name="Ajouter une ligne de charges").click()
    expect(page.locator('[name="charges-1-amount_planned"]')).to_be_visible()
    expect(page.locator("#id_charges-TOTAL_FORMS")).to_have_value("2")
    page.locator('[name="charges-1-account"]').select_option("60")
    page.locator('[name="charges-1-label"]').fill("Livres")
    page.locator('[name="charges-1-amount_planned"]').fill("500.50")
    expect(page.locator('[data-budget-total="charges"]')).to_have_text("2\u202f000,50\u00a0€")
    expect(page.locator("[data-budget-gap]")).to_contain_text("il manque 2\u202f000,50\u00a0€ de produits")

    page.locator('[name="produits-0-account"]').select_option("74")
    page.locator('[name="produits-0-label"]').fill("Subvention")
    page.locator('[name="produits-0-funder"]').select_option(str(state.pk))
    page.locator('[name="produits-0-amount_planned"]').fill("2000.50")
    expect(page.locator("[data-budget-gap]")).to_contain_text("le budget est équilibré")
    # a third charge, then removed in place: it no longer counts
    page.get_by_role("button", name="Ajouter une ligne de charges").click()
    page.locator('[name="charges-2-amount_planned"]').fill("100")
    expect(page.locator('[data-budget-total="charges"]')).to_have_text("2\u202f100,50\u00a0€")
    page.locator('label[for="id_charges-2-DELETE"]').click()
    expect(page.locator('[data-budget-total="charges"]')).to_have_text("2\u202f000,50\u00a0€")

    page.get_by_role("button", name="Enregistrer le budget").click()
    expect(page.locator(".fr-alert--success, .fr-notice, [role=alert]").first).to_contain_text(
        "Le budget est enregistré et équilibré."
    )
    assert sorted(BudgetLine.objects.values_list("label", "amount_planned")) == [
        ("Animateurs", 1500), ("Livres", pytest.approx(500.5)), ("Subvention", pytest.approx(2000.5)),
    ]  # fmt: skip
    assert errors == []
