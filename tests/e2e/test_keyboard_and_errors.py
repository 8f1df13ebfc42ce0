"""Keyboard use of the login page, French error messages, and an outsider kept out of a cité."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def focused_element(page):
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return {tag: el.tagName, text: el.textContent.trim(), classes: [...el.classList],
                    inSkiplinks: !!el.closest('.fr-skiplinks'), id: el.id};
        }"""
    )


def test_first_tab_on_login_page_reaches_the_skip_link(page, live_server):
    page.goto(live_server.url + reverse("accounts:login"))
    page.keyboard.press("Tab")
    focused = focused_element(page)
    assert focused["inSkiplinks"] and focused["text"] == "Contenu"


def test_skip_link_is_the_first_tab_stop_and_jumps_to_the_content(page, live_server):
    page.goto(live_server.url + reverse("accounts:password_reset"))

    page.keyboard.press("Tab")
    focused = focused_element(page)
    assert focused["tag"] == "A"
    assert focused["text"] == "Contenu"
    assert "fr-link" in focused["classes"]
    assert focused["inSkiplinks"]

    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + reverse("accounts:password_reset") + "#contenu")
    assert focused_element(page)["id"] == "contenu"
    # The next Tab continues inside the main content: the e-mail field of the form.
    page.keyboard.press("Tab")
    expect(page.get_by_label("Adresse électronique")).to_be_focused()


def test_empty_login_shows_french_errors_next_to_the_fields(page, live_server):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("Adresse électronique").focus()
    page.keyboard.press("Enter")

    page.wait_for_load_state()
    expect(page.locator(".fr-alert--error")).to_contain_text("Le formulaire contient des erreurs")
    expect(page.locator(".fr-input-group--error")).to_have_count(2)
    expect(page.locator(".fr-error-text")).to_have_text(["Ce champ est obligatoire.", "Ce champ est obligatoire."])


def test_wrong_password_keeps_the_email_and_says_why_in_french(page, live_server, world):
    email = world.a.coordinator.email
    page.goto(live_server.url + reverse("accounts:login"))
    # Keyboard only: focus the address, type it, Tab to the password, Enter to submit.
    page.get_by_label("Adresse électronique").focus()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Mot de passe")).to_be_focused()
    page.keyboard.type("pas-le-bon-mot-de-passe")
    page.keyboard.press("Enter")

    expect(page.get_by_role("alert")).to_contain_text("Adresse électronique ou mot de passe incorrect.")
    expect(page.get_by_label("Adresse électronique")).to_have_value(email)
    expect(page.get_by_label("Mot de passe")).to_have_value("")
    expect(page).to_have_url(live_server.url + reverse("accounts:login"))


def test_partner_cannot_open_the_cite_page(page, live_server, world, sign_in):
    cite = world.a.cite
    sign_in(world.a.partner)
    expect(page.locator("nav.fr-nav")).not_to_contain_text("Cités éducatives")

    response = page.goto(live_server.url + reverse("cites:cite_detail", args=[cite.pk]))

    # Outside the partner's scope: 404, the same answer as for a cité that does not exist.
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Page introuvable")  # the DSFR error page, in French
    expect(page.locator("body")).not_to_contain_text(cite.name)
    expect(page.locator("body")).not_to_contain_text("Périmètre")
    page.get_by_role("link", name="Retour au tableau de bord").click()
    page.wait_for_url(live_server.url + reverse("home"))

    # Cité B is outside the partner's scope: its page answers exactly like a cité that does
    # not exist, so nothing leaks.
    outside = page.goto(live_server.url + reverse("cites:cite_detail", args=[world.b.cite.pk]))
    outside_body = page.locator("main").inner_text()
    missing = page.goto(live_server.url + reverse("cites:cite_detail", args=[world.b.cite.pk + 1000]))
    assert outside.status == missing.status
    assert outside_body == page.locator("main").inner_text()
    assert world.b.cite.name not in outside_body
