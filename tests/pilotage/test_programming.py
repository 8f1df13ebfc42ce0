"""Programming outside a COPIL, from the action page: a decision that carries money.

The action page's « Programmer » leads to a form (in ``pilotage``) that records the decided
amount per funder (pre-filled from the budget's account-74 asks, checked against the
envelopes), the date and the reason of the out-of-COPIL decision, in one transaction with
the status change; the porteur's e-mail, with the amounts, leaves once it commits.
"""

import datetime
from decimal import Decimal
from html import unescape

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from financements.models import FundingLine
from pilotage.models import ProgrammingDecision


@pytest.fixture
def proposal(make_proposal, envelopes):
    return make_proposal(anct="100000.00", agglo="20000.00", title="Ateliers lecture")


def subsidy(action, funder):
    return action.budget_lines.get(account="74", funder=funder)


def form_data(action, funders, *, anct, agglo, reason="Urgence : rentrée scolaire.", no_funding_reason="", on=None):
    return {
        "decided_on": (on or timezone.localdate()).isoformat(),
        "reason": reason,
        f"amount_{subsidy(action, funders['anct']).pk}": anct,
        f"amount_{subsidy(action, funders['agglo']).pk}": agglo,
        "no_funding_reason": no_funding_reason,
    }


def test_the_action_page_links_to_the_programming_form_and_the_funding_page(login, world, proposal):
    page = login(world.a.coordinator).get(reverse("actions:detail", args=[proposal.pk])).content.decode()
    assert reverse("pilotage:action_programme", args=[proposal.pk]) in page
    assert reverse("financements:action_funding", args=[proposal.pk]) in page
    # No more one-click programming.
    assert reverse("actions:transition", args=[proposal.pk, "programme"]) not in page
    partner_page = login(world.a.partner).get(reverse("actions:detail", args=[proposal.pk])).content.decode()
    assert reverse("pilotage:action_programme", args=[proposal.pk]) not in partner_page
    assert reverse("financements:action_funding", args=[proposal.pk]) in partner_page


def test_one_click_programming_is_gone(login, world, proposal):
    response = login(world.a.coordinator).post(reverse("actions:transition", args=[proposal.pk, "programme"]))
    assert response.status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == Action.Status.IN_REVIEW
    assert mail.outbox == []


def test_programming_out_of_copil_records_money_decision_and_mails_the_amounts(
    login, world, proposal, funders, django_capture_on_commit_callbacks
):
    client = login(world.a.coordinator)
    url = reverse("pilotage:action_programme", args=[proposal.pk])
    page = unescape(client.get(url).content.decode())
    assert "Montant décidé – ANCT – programme 147" in page
    assert 'value="100000,00"' in page and 'value="20000,00"' in page  # pre-filled from the budget's asks
    decided_on = timezone.localdate() - datetime.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form_data(proposal, funders, anct="90 000", agglo="20000,00", on=decided_on))
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    proposal.refresh_from_db()
    assert proposal.status == Action.Status.PROGRAMMED
    decided = dict(FundingLine.objects.filter(action=proposal).values_list("funder__name", "decided_amount"))
    assert decided == {"ANCT – programme 147": Decimal("90000.00"), "Agglomération": Decimal("20000.00")}
    decision = ProgrammingDecision.objects.get(action=proposal)
    assert decision.meeting is None and decision.is_out_of_copil
    assert (decision.decided_on, decision.reason, decision.recorded_by) == (
        decided_on,
        "Urgence : rentrée scolaire.",
        world.a.coordinator,
    )
    # One e-mail per porteur address, with the amounts per funder.
    assert sorted(address for email in mail.outbox for address in email.to) == sorted(
        ["camille.martin@example.org", world.a.partner.email]
    )
    body = mail.outbox[0].body.replace("\u202f", " ").replace("\u00a0", " ")
    assert "programmée" in mail.outbox[0].subject
    assert "ANCT – programme 147 : 90 000,00 €" in body and "Agglomération : 20 000,00 €" in body
    assert "Total : 110 000,00 €" in body
    assert "hors comité de pilotage" in body
    # The decision is on the action's timeline.
    timeline = unescape(client.get(proposal.get_absolute_url()).content.decode())
    assert "Programmation hors COPIL" in timeline and "Urgence : rentrée scolaire." in timeline


def test_an_envelope_overrun_changes_nothing_and_keeps_what_was_typed(
    login, world, proposal, funders, django_capture_on_commit_callbacks
):
    client = login(world.a.coordinator)
    url = reverse("pilotage:action_programme", args=[proposal.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form_data(proposal, funders, anct="180000", agglo="20000"))
    assert response.status_code == 422
    page = unescape(response.content.decode())
    assert "Enveloppe dépassée" in page
    assert 'value="180000"' in page and "Urgence : rentrée scolaire." in page
    proposal.refresh_from_db()
    assert proposal.status == Action.Status.IN_REVIEW
    assert not FundingLine.objects.exists() and not ProgrammingDecision.objects.exists()
    assert not proposal.transitions.filter(to_status=Action.Status.PROGRAMMED).exists()
    assert mail.outbox == []


def test_programming_without_money_needs_a_reason(login, world, proposal, funders, django_capture_on_commit_callbacks):
    client = login(world.a.coordinator)
    url = reverse("pilotage:action_programme", args=[proposal.pk])
    response = client.post(url, form_data(proposal, funders, anct="0", agglo="0"))
    assert response.status_code == 422
    assert "Programmation sans financement : indiquez-en le motif." in unescape(response.content.decode())
    proposal.refresh_from_db()
    assert proposal.status == Action.Status.IN_REVIEW

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, form_data(proposal, funders, anct="0", agglo="0", no_funding_reason="Financée par le collège.")
        )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Action.Status.PROGRAMMED
    assert set(FundingLine.objects.filter(action=proposal).values_list("status", flat=True)) == {"rejected"}
    decision = ProgrammingDecision.objects.get(action=proposal)
    assert decision.no_funding_reason == "Financée par le collège."
    body = mail.outbox[0].body
    assert "Bonne nouvelle" not in body
    assert "sans financement" in body and "Financée par le collège." in body


def test_the_form_refuses_a_missing_reason_a_future_date_and_a_missing_amount(login, world, proposal, funders):
    client = login(world.a.coordinator)
    data = form_data(
        proposal, funders, anct="", agglo="1000", reason="", on=timezone.localdate() + datetime.timedelta(days=3)
    )
    response = client.post(reverse("pilotage:action_programme", args=[proposal.pk]), data)
    assert response.status_code == 422
    page = unescape(response.content.decode())
    assert "Indiquez le motif de la programmation hors COPIL." in page
    assert "La date de la décision ne peut pas être dans le futur." in page
    assert "Indiquez le montant décidé (0 pour refuser)." in page
    proposal.refresh_from_db()
    assert proposal.status == Action.Status.IN_REVIEW


def test_an_action_not_under_instruction_cannot_be_programmed(login, world, make_proposal):
    submitted = make_proposal(status=Action.Status.SUBMITTED, anct="1000.00")
    client = login(world.a.coordinator)
    response = client.get(reverse("pilotage:action_programme", args=[submitted.pk]), follow=True)
    assert "n'est pas possible pour une action au statut « Déposée »" in unescape(response.content.decode())
    response = client.post(
        reverse("pilotage:action_programme", args=[submitted.pk]),
        {
            "decided_on": timezone.localdate().isoformat(),
            "reason": "Test",
            f"amount_{submitted.budget_lines.get(account='74').pk}": "1000",
        },
    )
    assert response.status_code == 422
    assert "n'est pas possible pour une action au statut « Déposée »" in unescape(response.content.decode())
    submitted.refresh_from_db()
    assert submitted.status == Action.Status.SUBMITTED
