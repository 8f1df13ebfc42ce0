"""In Chromium, the whole life of a proposal: a visitor signs up on an open call (new
organisation, by SIRET), drafts over two visits, enters a balanced budget and a PDF,
submits once the coordination has validated the organisation; the coordinator names a
pilot as reviewer, the pilot gives an opinion, the coordinator asks for changes, the
partner answers, the coordinator programmes (outside a COPIL, with the amount decided)."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Membership, Role, User
from actions.models import Action, Attachment, JoinRequest, Opinion
from tests.actions.factories import CallFactory, funder
from tests.e2e.conftest import log_in
from tests.factories import valid_siret

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PARTNER_EMAIL = "claire.dupont@lire-ensemble.example.org"
PARTNER_PASSWORD = "Ateliers-de-lecture-2026!"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _alerts(page):
    return page.locator("[role=status] .fr-alert")


def _log_in(page, url, email, password):
    # Staff also type the code of their authenticator (the real second-factor step).
    log_in(page, url, User.objects.get(email=email), password)


def _transition(page, name, comment=""):
    """Press a workflow button of the action page (with its comment, if any)."""
    form = page.locator(f'form[action$="/statut/{name}/"]')
    if comment:
        form.locator("textarea").fill(comment)
    form.get_by_role("button").click()


def test_a_partner_answers_a_call_and_the_proposal_is_programmed(page, new_context, live_server, world):
    url = live_server.url
    cite = world.a.cite
    call = CallFactory(cite=cite, title="Appel à projets 2026 – Réussite éducative")
    state = funder("État – ANCT programme 147")
    siret = valid_siret(4242)

    # --- 1. Sign-up from the public call page, e-mail verification link --------------------
    page.goto(url + reverse("actions:public_call_detail", args=[call.pk]))
    expect(page.locator("h1")).to_have_text(call.title)
    page.get_by_role("link", name="Pas encore de compte ? S'inscrire").click()
    expect(page.locator("h1")).to_have_text("Créer un compte partenaire")
    page.get_by_label("Votre adresse électronique").fill(PARTNER_EMAIL)
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.locator("h1")).to_have_text("Vérifiez votre messagerie")
    expect(page.locator("main")).to_contain_text(PARTNER_EMAIL)
    assert [message.to for message in mail.outbox] == [[PARTNER_EMAIL]]
    link = re.search(r"https?://\S+/inscription/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    expect(page.locator("main")).to_contain_text(f"Adresse confirmée : {PARTNER_EMAIL}")
    page.get_by_label("Nom complet").fill("Claire Dupont")
    page.get_by_label(re.compile(r"^\s*Mot de passe")).fill(PARTNER_PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(PARTNER_PASSWORD)
    page.get_by_label("SIRET de votre organisation").fill(siret)
    page.get_by_label("Nom de l'organisation").fill("Lire ensemble")
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url(url + reverse("actions:proposal_create", args=[call.pk]))
    expect(_alerts(page).first).to_contain_text("Votre compte et l'organisation « Lire ensemble » sont créés.")
    join_request = JoinRequest.objects.get(user__email=PARTNER_EMAIL)
    assert join_request.creates_organisation and join_request.organisation.siret == siret

    # --- 2. First visit: the draft and part of the fiche ------------------------------------
    page.get_by_label("Intitulé de l'action").fill("Ateliers de lecture au collège")
    page.get_by_role("button", name="Créer le brouillon").click()
    expect(_alerts(page).first).to_contain_text("Le brouillon est créé")
    action = Action.objects.get(title="Ateliers de lecture au collège")
    assert (action.status, action.porteur.name, action.call_id) == (Action.Status.DRAFT, "Lire ensemble", call.pk)
    page.get_by_label("Besoin identifié").fill("Des collégiens de 6e en difficulté de lecture.")
    page.get_by_label(re.compile(r"^\s*Objectifs")).fill("Améliorer la fluence en lecture.")
    page.get_by_role("button", name="Enregistrer la fiche").click()
    page.wait_for_url(url + action.get_absolute_url())
    expect(_alerts(page).first).to_contain_text("La fiche action est enregistrée.")
    expect(page.locator(".fr-alert--warning")).to_contain_text("Ce qui manque encore")
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(re.escape(url + reverse("accounts:login"))))

    # --- 3. Second visit: resume, complete, indicators, budget, PDF --------------------------
    _log_in(page, url, PARTNER_EMAIL, PARTNER_PASSWORD)
    page.get_by_role("link", name="Ateliers de lecture au collège").click()
    page.wait_for_url(url + action.get_absolute_url())
    expect(page.locator("main")).to_contain_text("Des collégiens de 6e en difficulté de lecture.")
    page.get_by_role("link", name="Modifier la fiche action").click()
    expect(page.get_by_label("Besoin identifié")).to_have_value("Des collégiens de 6e en difficulté de lecture.")
    page.get_by_label("Objectif national").select_option(label="Conforter le rôle de l'école")
    page.get_by_label("Description et modalités").fill("Deux ateliers par semaine, en petits groupes.")
    page.get_by_label(re.compile(r"^\s*Début")).fill("2026-09-01")
    page.get_by_label(re.compile(r"^\s*Fin\b")).fill("2027-06-30")
    page.get_by_label("Lieu de réalisation").fill("Collège Jean Moulin")
    page.locator("label", has_text="11-15 ans").click()
    page.get_by_label("Nombre de participants attendus").fill("24")
    page.get_by_role("button", name="Enregistrer la fiche").click()
    page.wait_for_url(url + action.get_absolute_url())
    expect(_alerts(page).first).to_contain_text("La fiche action est enregistrée.")

    page.get_by_role("link", name="Indicateurs").click()
    page.get_by_label("Indicateur, ligne 1").fill("Élèves accompagnés")
    page.get_by_label("Cible, ligne 1").fill("24")
    page.get_by_label("Unité, ligne 1").fill("élèves")
    page.get_by_role("button", name="Enregistrer les indicateurs").click()
    expect(_alerts(page).first).to_contain_text("Les indicateurs sont enregistrés.")

    page.get_by_role("link", name="Budget prévisionnel").click()
    page.locator('[name="charges-0-account"]').select_option("64")
    page.locator('[name="charges-0-label"]').fill("Animatrice")
    page.locator('[name="charges-0-amount_planned"]').fill("3000")
    page.locator('[name="produits-0-account"]').select_option("74")
    page.locator('[name="produits-0-label"]').fill("Subvention Cité éducative")
    page.locator('[name="produits-0-funder"]').select_option(str(state.pk))
    page.locator('[name="produits-0-amount_planned"]').fill("3000")
    expect(page.locator("[data-budget-gap]")).to_contain_text("le budget est équilibré")
    page.get_by_role("button", name="Enregistrer le budget").click()
    expect(_alerts(page).first).to_contain_text("Le budget est enregistré et équilibré.")

    page.get_by_role("link", name="Pièces jointes").first.click()
    page.get_by_label("Type de document").select_option(label="Statuts")
    page.get_by_label("Fichier").set_input_files(
        {"name": "statuts.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    page.get_by_role("button", name="Joindre le document").click()
    expect(_alerts(page).first).to_contain_text("« statuts.pdf » est joint à la proposition.")
    assert Attachment.objects.filter(action=action, content_type="application/pdf").count() == 1

    # --- 4. Submission: refused until the coordination validates the new organisation -------
    page.goto(url + action.get_absolute_url())
    expect(page.locator(".fr-alert--success")).to_contain_text(
        "La proposition est complète et son budget est équilibré."
    )
    page.get_by_role("button", name="Déposer la proposition").click()
    expect(page.locator(".fr-alert--error").first).to_contain_text("pas encore été validée par la coordination")

    coordinator = new_context().new_page()
    _log_in(coordinator, url, world.a.coordinator.email, world.password)
    coordinator.goto(url + reverse("actions:join_requests"))
    pending = coordinator.locator("table", has=coordinator.locator("caption", has_text="Demandes en attente"))
    expect(pending).to_contain_text("Nouvelle organisation à valider")
    expect(pending).to_contain_text(siret)
    pending.get_by_role("button", name="Accepter la demande de Claire Dupont").click()
    expect(_alerts(coordinator).first).to_contain_text("Demande de Claire Dupont pour « Lire ensemble » : acceptée.")

    page.reload()
    page.get_by_role("button", name="Déposer la proposition").click()
    expect(_alerts(page).first).to_contain_text("« Déposer la proposition » : c'est fait. Statut : Déposée.")
    action.refresh_from_db()
    assert re.fullmatch(r"CITEA-2026-\d{3}", action.reference)
    expect(page.locator("h1 ~ p.fr-badge")).to_have_text("Déposée")
    expect(page.locator("main")).to_contain_text(f"Référence {action.reference}")

    # --- 5. Instruction: reviewer, opinion, change request ----------------------------------
    coordinator.goto(url + reverse("actions:list"))
    coordinator.get_by_role("link", name=re.compile("Ateliers de lecture au collège")).click()
    coordinator.wait_for_url(url + action.get_absolute_url())
    pilot_label = f"{world.a.pilot.full_name} ({world.a.pilot.email})"
    coordinator.locator("label", has_text=pilot_label).click()
    coordinator.get_by_role("button", name="Désigner les rapporteurs").click()
    expect(_alerts(coordinator).first).to_contain_text(f"Rapporteurs : {world.a.pilot.full_name}.")
    _transition(coordinator, "start_review")
    expect(_alerts(coordinator).first).to_contain_text("Statut : En instruction.")

    pilot = new_context().new_page()
    _log_in(pilot, url, world.a.pilot.email, world.password)
    pilot.goto(url + action.get_absolute_url())
    expect(pilot.locator("#rapporteurs + p")).to_contain_text(world.a.pilot.full_name)
    pilot.locator("label", has_text="Réservé").click()
    pilot.get_by_label("Commentaire").last.fill("Préciser le nombre de séances par groupe.")
    pilot.get_by_role("button", name="Enregistrer mon avis").click()
    expect(_alerts(pilot).first).to_contain_text("Votre avis est enregistré.")
    expect(pilot.locator("#avis + ul")).to_contain_text("Réservé")
    assert Opinion.objects.get(action=action).author == world.a.pilot

    coordinator.reload()
    expect(coordinator.locator("#avis + ul")).to_contain_text("Préciser le nombre de séances par groupe.")
    _transition(coordinator, "request_changes", "Indiquez le nombre de séances par groupe.")
    expect(_alerts(coordinator).first).to_contain_text("Statut : Compléments demandés.")

    # --- 6. The partner answers: edits and sends it back -----------------------------------
    page.reload()
    expect(page.locator("h1 ~ p.fr-badge")).to_have_text("Compléments demandés")
    expect(page.locator(".portail-timeline")).to_contain_text("Indiquez le nombre de séances par groupe.")
    expect(page.locator("main")).not_to_contain_text("Préciser le nombre de séances par groupe.")  # opinions hidden
    page.get_by_role("link", name="Modifier la fiche action").click()
    page.get_by_label("Description et modalités").fill("Deux ateliers par semaine, douze séances par groupe.")
    page.get_by_role("button", name="Enregistrer la fiche").click()
    expect(_alerts(page).first).to_contain_text("La fiche action est enregistrée.")
    _transition(page, "resubmit", "Douze séances par groupe.")
    expect(_alerts(page).first).to_contain_text("Statut : En instruction.")

    # --- 7. The coordinator programmes, outside a COPIL, with the money decided ------------
    coordinator.reload()
    expect(coordinator.locator("main")).to_contain_text("douze séances par groupe.")
    mail.outbox.clear()
    coordinator.get_by_role("link", name="Programmer", exact=True).click()
    coordinator.wait_for_url(url + reverse("pilotage:action_programme", args=[action.pk]))
    amount = coordinator.get_by_label(re.compile(f"Montant décidé – {state.name}"))
    expect(amount).to_have_value("3000,00")  # pre-filled from the budget's account-74 ask
    coordinator.get_by_role("button", name="Programmer l'action").click()
    expect(coordinator.locator(".fr-error-text")).to_contain_text("Indiquez le motif de la programmation hors COPIL.")
    expect(amount).to_have_value("3000,00")  # kept
    coordinator.get_by_label(re.compile("Motif de la programmation hors COPIL")).fill(
        "Retenue par la troïka avant la rentrée."
    )
    amount.fill("2 500")
    coordinator.get_by_role("button", name="Programmer l'action").click()
    coordinator.wait_for_url(url + action.get_absolute_url())
    expect(_alerts(coordinator).first).to_contain_text("L'action est programmée hors COPIL")
    expect(coordinator.locator("h1 ~ p.fr-badge")).to_have_text("Programmée")
    expect(coordinator.locator(".portail-timeline")).to_contain_text("Retenue par la troïka avant la rentrée.")
    coordinator.get_by_role("link", name=re.compile("Financements de l'action")).click()
    expect(coordinator.locator("main")).to_contain_text("2\u202f500,00\u00a0€")
    assert [message.to for message in mail.outbox] == [[PARTNER_EMAIL]]
    assert f"{state.name} : 2\u202f500,00\u00a0€" in mail.outbox[0].body
    page.reload()
    expect(page.locator("h1 ~ p.fr-badge")).to_have_text("Programmée")
    action.refresh_from_db()
    assert action.status == Action.Status.PROGRAMMED
    assert list(action.transitions.order_by("id").values_list("to_status", flat=True)) == [
        "submitted", "in_review", "changes_requested", "in_review", "programmed",
    ]  # fmt: skip
    assert Membership.objects.filter(user__email=PARTNER_EMAIL, role=Role.PARTNER, is_active=True).exists()
