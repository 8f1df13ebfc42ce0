"""The coordinator of a cité edits it in the browser: a local axis, then an invitation."""

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Invitation, Role
from cites.models import LocalAxis

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_coordinator_adds_a_local_axis(page, live_server, world, sign_in):
    cite = world.a.cite
    sign_in(world.a.coordinator)
    page.goto(live_server.url + reverse("cites:cite_detail", args=[cite.pk]))
    expect(page.get_by_text("Aucun axe local.")).to_be_visible()

    page.get_by_role("link", name="Ajouter un axe local").click()
    page.wait_for_url(live_server.url + reverse("cites:axis_create", args=[cite.pk]))
    expect(page.locator("h1")).to_have_text("Ajouter un axe local")
    page.get_by_label("Objectif national").select_option(label="Promouvoir la continuité éducative")
    page.get_by_label("Code").fill("2.1")
    page.get_by_label("Intitulé").fill("Parentalité et lien école-familles")
    page.get_by_role("button", name="Enregistrer").click()

    page.wait_for_url(live_server.url + reverse("cites:cite_detail", args=[cite.pk]))
    expect(page.locator(".fr-alert--success")).to_contain_text("L'axe local a été enregistré.")
    expect(page.get_by_role("heading", name="2.1 – Parentalité et lien école-familles")).to_be_visible()
    expect(page.get_by_text("Objectif 2 : Promouvoir la continuité éducative")).to_be_visible()
    axis = LocalAxis.objects.get(cite=cite)
    assert (axis.code, axis.national_objective) == ("2.1", LocalAxis.NationalObjective.CONTINUITY)


def test_coordinator_invites_a_pilot(page, live_server, world, sign_in):
    cite = world.a.cite
    sign_in(world.a.coordinator)
    page.goto(live_server.url + reverse("cites:cite_detail", args=[cite.pk]))

    page.get_by_role("link", name="Membres et invitations").click()
    page.wait_for_url(live_server.url + reverse("cites:members", args=[cite.pk]))
    page.get_by_label("Adresse électronique").fill("nouvelle.pilote@example.org")
    page.get_by_label("Nom complet").fill("Nouvelle Pilote")
    page.get_by_label("Rôle").select_option(Role.PILOT)
    page.get_by_role("button", name="Envoyer l'invitation").click()

    page.wait_for_url(live_server.url + reverse("cites:members", args=[cite.pk]))
    expect(page.locator(".fr-alert--success")).to_contain_text(
        "Une invitation a été envoyée à nouvelle.pilote@example.org."
    )
    invitations = page.locator("table", has=page.locator("caption", has_text="Invitations"))
    expect(invitations).to_contain_text("nouvelle.pilote@example.org")
    expect(invitations).to_contain_text("Pilotage (troïka)")
    invitation = Invitation.objects.get(email="nouvelle.pilote@example.org")
    assert (invitation.role, invitation.cite_id, invitation.invited_by) == (Role.PILOT, cite.pk, world.a.coordinator)
    assert [message.to for message in mail.outbox] == [["nouvelle.pilote@example.org"]]
