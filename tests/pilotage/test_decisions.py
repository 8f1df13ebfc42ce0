"""The COPIL: agenda, attendees and the decision screen (all or nothing)."""

import datetime
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from financements.models import FundingLine
from pilotage.models import AgendaItem, Meeting, Report
from pilotage.services import add_to_agenda, request_report

from .conftest import pdf_text, read_report, squash
from .factories import AgendaItemFactory, AttendeeFactory, MeetingFactory


@pytest.fixture
def copil(world, make_proposal, envelopes):
    """A COPIL held an hour ago (decisions typed before the meeting are only a draft: see
    test_copil_validation.py)."""
    meeting = MeetingFactory(
        cite=world.a.cite, title="COPIL de programmation 2026", starts_at=timezone.now() - datetime.timedelta(hours=1)
    )
    first = make_proposal(anct="100000.00", agglo="20000.00", title="Ateliers lecture")
    second = make_proposal(anct="90000.00", title="Sorties culturelles")
    add_to_agenda(meeting, [first, second])
    return meeting, first, second


def subsidy(action, funder):
    return action.budget_lines.get(account="74", funder=funder)


def form_data(meeting, choices):
    """``choices``: {action: (decision, comment, {budget_line: amount})}."""
    data = {}
    for item in meeting.agenda_items.exclude(action=None):
        decision, comment, amounts = choices[item.action_id]
        data[f"point-{item.pk}-decision"] = decision
        data[f"point-{item.pk}-comment"] = comment
        for line in item.action.budget_lines.filter(account="74"):
            data[f"point-{item.pk}-amount-{line.pk}"] = amounts.get(line.pk, "")
    return data


def test_agenda_takes_only_proposals_under_instruction(login, world, copil, make_proposal):
    meeting, first, _ = copil
    submitted = make_proposal(status=Action.Status.SUBMITTED, anct="1000.00")
    third = make_proposal(anct="1000.00", title="Troisième")
    client = login(world.a.coordinator)
    page = client.get(reverse("pilotage:meeting_agenda", args=[meeting.pk])).content.decode()
    assert "Troisième" in page and submitted.title not in page and "Ateliers lecture" not in page
    response = client.post(
        reverse("pilotage:meeting_agenda", args=[meeting.pk]),
        {"actions": [third.pk, submitted.pk, first.pk], "title": "Questions diverses"},
    )
    assert response.status_code == 302
    titles = list(meeting.agenda_items.values_list("title", flat=True))
    assert len(titles) == 4 and titles[-1] == "Questions diverses"
    assert meeting.agenda_items.filter(action=submitted).count() == 0


def test_an_envelope_overrun_saves_nothing_and_keeps_what_was_typed(login, world, copil, funders):
    meeting, first, second = copil
    client = login(world.a.coordinator)
    url = reverse("pilotage:meeting_decisions", args=[meeting.pk])
    data = form_data(
        meeting,
        {
            first.pk: (
                "programmed",
                "Priorité du COPIL",
                {subsidy(first, funders["anct"]).pk: "100 000,00", subsidy(first, funders["agglo"]).pk: "20000"},
            ),
            second.pk: ("programmed", "", {subsidy(second, funders["anct"]).pk: "90000,00"}),
        },
    )
    response = client.post(url, data)
    assert response.status_code == 422
    page = unescape(response.content.decode())
    assert "Aucune décision n'a été enregistrée." in page
    assert "Enveloppe dépassée" in page
    assert 'value="90000,00"' in page and "Priorité du COPIL" in page  # typed values kept
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Action.Status.IN_REVIEW, Action.Status.IN_REVIEW)
    assert not FundingLine.objects.exists()
    assert not AgendaItem.objects.exclude(decision="").exists()
    assert Meeting.objects.get(pk=meeting.pk).decisions_recorded_at is None

    data[f"point-{meeting.agenda_items.get(action=second).pk}-amount-{subsidy(second, funders['anct']).pk}"] = "75000"
    response = client.post(url, data)
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Action.Status.PROGRAMMED, Action.Status.PROGRAMMED)
    decided = dict(FundingLine.objects.filter(funder=funders["anct"]).values_list("action_id", "decided_amount"))
    assert decided == {first.pk: Decimal("100000.00"), second.pk: Decimal("75000.00")}
    assert meeting.agenda_items.get(action=first).decision_comment == "Priorité du COPIL"


def test_a_refused_transition_rolls_back_every_decision(login, world, copil, funders):
    meeting, first, second = copil
    Action.objects.filter(pk=second.pk).update(status=Action.Status.WITHDRAWN)  # withdrawn meanwhile
    client = login(world.a.coordinator)
    data = form_data(
        meeting,
        {
            first.pk: (
                "programmed",
                "",
                {subsidy(first, funders["anct"]).pk: "1000", subsidy(first, funders["agglo"]).pk: "0"},
            ),
            second.pk: ("rejected", "Hors priorités", {}),
        },
    )
    response = client.post(reverse("pilotage:meeting_decisions", args=[meeting.pk]), data)
    assert response.status_code == 422
    assert "« Ne pas retenir » n'est pas possible" in unescape(response.content.decode())
    first.refresh_from_db()
    assert first.status == Action.Status.IN_REVIEW and not FundingLine.objects.exists()


def test_invalid_rows_are_reported_next_to_the_action(login, world, copil, funders):
    meeting, first, second = copil
    client = login(world.a.coordinator)
    data = form_data(
        meeting,
        {
            first.pk: (
                "programmed",
                "",
                {subsidy(first, funders["anct"]).pk: "dix mille", subsidy(first, funders["agglo"]).pk: "-5"},
            ),
            second.pk: ("rejected", "", {}),
        },
    )
    page = unescape(client.post(reverse("pilotage:meeting_decisions", args=[meeting.pk]), data).content.decode())
    assert "« dix mille » n'est pas un montant." in page
    assert "Un montant ne peut pas être négatif." in page
    assert "Motivez la décision" in page


def test_deferred_and_rejected_then_minutes_pdf(login, world, copil, funders, django_capture_on_commit_callbacks):
    meeting, first, second = copil
    for i in range(3):
        AttendeeFactory(meeting=meeting, name=f"Élu {i}", category="institution")
    AttendeeFactory(meeting=meeting, name="Habitante", category="habitant", presence="excused")
    client = login(world.a.coordinator)
    data = form_data(
        meeting,
        {
            first.pk: (
                "programmed",
                "",
                {subsidy(first, funders["anct"]).pk: "100000", subsidy(first, funders["agglo"]).pk: "20000"},
            ),
            second.pk: ("deferred", "À retravailler", {}),
        },
    )
    assert client.post(reverse("pilotage:meeting_decisions", args=[meeting.pk]), data).status_code == 302
    second.refresh_from_db()
    assert second.status == Action.Status.IN_REVIEW
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(
            Report.Kind.COPIL_MINUTES, meeting.cite, meeting.year, world.a.coordinator, meeting=meeting
        )
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error
    text = squash(pdf_text(read_report(report)))
    assert "Compte rendu – COPIL de programmation 2026" in text
    assert "3 présent(s), 1 excusé(s)" in text
    assert "Institution 3 0" in text and "Habitant 0 1" in text
    assert "Programmée : 1" in text and "Ajournée : 1" in text
    assert "Total décidé : 120 000,00 €" in text
    assert "ANCT – programme 147 175 000,00 € 100 000,00 € 100 000,00 € 0,00 € 0,00 € 0,00 € 57,1 %" in text


def test_copil_dossier_pdf(world, copil, funders, django_capture_on_commit_callbacks):
    meeting, first, second = copil
    AgendaItemFactory(meeting=meeting, title="Point d'étape des actions 2025")
    with django_capture_on_commit_callbacks(execute=True):
        report = request_report(
            Report.Kind.COPIL_DOSSIER, meeting.cite, meeting.year, world.a.coordinator, meeting=meeting
        )
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error
    text = squash(pdf_text(read_report(report)))
    assert "Dossier – COPIL de programmation 2026" in text and "Page 1 / " in text
    assert "Point d'étape des actions 2025" in text
    # per funder (ANCT, Agglomération): asked, then proposed (nothing proposed yet)
    assert "Total 190 000,00 € 0,00 € 20 000,00 € 0,00 €" in text
    assert "Subventions demandées 210 000,00 €" in text
    # envelope 175 000 − nothing decided yet − 190 000 asked = −15 000 left if adopted
    assert "ANCT – programme 147 175 000,00 € 0,00 € 190 000,00 € 190 000,00 € -15 000,00 €" in text
    assert "Annexe : fiches des actions" in text and "Sorties culturelles" in text
