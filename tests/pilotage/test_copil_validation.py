"""Meetings decide when they are held: decisions typed before the COPIL are a draft; once
it is held they are applied (status and money); the porteurs hear of every outcome, with
the amounts, only when the coordinator validates the meeting's decisions. The decision
screen shows the troïka's opinions beside each proposal."""

import datetime
import re
from html import unescape

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from actions.models import Action, Opinion
from financements.models import FundingLine
from pilotage.models import AgendaItem, Meeting
from pilotage.services import add_to_agenda

from .factories import MeetingFactory
from .test_decisions import form_data, subsidy


def _meeting(world, make_proposal, *, days):
    meeting = MeetingFactory(
        cite=world.a.cite,
        title="COPIL de programmation 2026",
        starts_at=timezone.now() + datetime.timedelta(days=days),
    )
    first = make_proposal(anct="100000.00", agglo="20000.00", title="Ateliers lecture")
    second = make_proposal(anct="30000.00", title="Sorties culturelles")
    third = make_proposal(anct="10000.00", title="Club de robotique")
    add_to_agenda(meeting, [first, second, third])
    return meeting, first, second, third


def _choices(funders, first, second, third):
    return {
        first.pk: (
            "programmed",
            "Priorité du COPIL",
            {subsidy(first, funders["anct"]).pk: "90 000,00", subsidy(first, funders["agglo"]).pk: "20000"},
        ),
        second.pk: ("rejected", "Hors des priorités de l'appel.", {}),
        third.pk: ("deferred", "Budget à préciser.", {}),
    }


def test_decisions_before_the_meeting_are_a_draft(
    login, world, make_proposal, funders, envelopes, django_capture_on_commit_callbacks
):
    meeting, first, second, third = _meeting(world, make_proposal, days=7)
    client = login(world.a.coordinator)
    url = reverse("pilotage:meeting_decisions", args=[meeting.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form_data(meeting, _choices(funders, first, second, third)))
    assert response.status_code == 302
    assert mail.outbox == []  # nothing is announced before the meeting is held
    for action in (first, second, third):
        action.refresh_from_db()
        assert action.status == Action.Status.IN_REVIEW
    assert not FundingLine.objects.exists()
    item = meeting.agenda_items.get(action=first)
    assert (item.decision, item.draft_decision, item.draft_comment) == ("", "programmed", "Priorité du COPIL")
    assert item.draft_amounts == {
        str(subsidy(first, funders["anct"]).pk): "90000.00",
        str(subsidy(first, funders["agglo"]).pk): "20000.00",
    }
    assert Meeting.objects.get(pk=meeting.pk).decisions_recorded_at is None
    # The screen shows the draft back, and the meeting page says it is one.
    page = unescape(client.get(url).content.decode())
    assert 'value="90000,00"' in page and "Priorité du COPIL" in page and "Budget à préciser." in page
    detail = unescape(client.get(meeting.get_absolute_url()).content.decode())
    assert "Décisions en brouillon" in detail
    assert reverse("pilotage:meeting_validate", args=[meeting.pk]) not in detail
    # Validating before the meeting is refused and sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("pilotage:meeting_validate", args=[meeting.pk]), follow=True)
    assert "Le COPIL n'a pas encore eu lieu" in unescape(response.content.decode())
    assert mail.outbox == [] and Meeting.objects.get(pk=meeting.pk).decisions_validated_at is None


def test_a_held_meeting_applies_the_decisions_and_validation_notifies_every_outcome(
    login, world, make_proposal, funders, envelopes, django_capture_on_commit_callbacks
):
    meeting, first, second, third = _meeting(world, make_proposal, days=-1)
    client = login(world.a.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("pilotage:meeting_decisions", args=[meeting.pk]),
            form_data(meeting, _choices(funders, first, second, third)),
        )
    assert response.status_code == 302
    statuses = dict(Action.objects.filter(pk__in=[first.pk, second.pk, third.pk]).values_list("pk", "status"))
    assert statuses == {first.pk: "programmed", second.pk: "rejected", third.pk: "in_review"}
    assert FundingLine.objects.get(action=first, funder=funders["anct"]).decided_amount == 90000
    assert mail.outbox == []  # the transitions of a COPIL send nothing themselves
    assert meeting.agenda_items.get(action=first).decision == AgendaItem.Decision.PROGRAMMED
    detail = unescape(client.get(meeting.get_absolute_url()).content.decode())
    assert reverse("pilotage:meeting_validate", args=[meeting.pk]) in detail

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("pilotage:meeting_validate", args=[meeting.pk]))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.decisions_validated_by == world.a.coordinator and meeting.decisions_validated_at
    # One e-mail per decided proposal and porteur address (3 proposals × 2 addresses).
    assert len(mail.outbox) == 6
    subjects = sorted({email.subject for email in mail.outbox})
    assert subjects == sorted(
        {
            f"Décision sur votre proposition {first.reference} : programmée",
            f"Décision sur votre proposition {second.reference} : non retenue",
            f"Décision sur votre proposition {third.reference} : ajournée",
        }
    )
    by_subject = {email.subject: email.body.replace("\u202f", " ").replace("\u00a0", " ") for email in mail.outbox}
    programmed = by_subject[f"Décision sur votre proposition {first.reference} : programmée"]
    assert "COPIL de programmation 2026" in programmed
    assert "ANCT – programme 147 : 90 000,00 €" in programmed and "Agglomération : 20 000,00 €" in programmed
    assert "Total : 110 000,00 €" in programmed
    rejected = by_subject[f"Décision sur votre proposition {second.reference} : non retenue"]
    assert "Hors des priorités de l'appel." in rejected
    deferred = by_subject[f"Décision sur votre proposition {third.reference} : ajournée"]
    assert "Budget à préciser." in deferred and "€" not in deferred

    # Validated: once, and the decisions no longer change.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse("pilotage:meeting_validate", args=[meeting.pk]), follow=True)
        changed = client.post(
            reverse("pilotage:meeting_decisions", args=[meeting.pk]),
            form_data(meeting, _choices(funders, first, second, third)),
        )
    assert "déjà été validées" in unescape(again.content.decode())
    assert changed.status_code == 422 and mail.outbox == []


def test_a_draft_is_applied_once_the_meeting_is_held(
    login, world, make_proposal, funders, envelopes, django_capture_on_commit_callbacks
):
    meeting, first, second, third = _meeting(world, make_proposal, days=7)
    client = login(world.a.coordinator)
    url = reverse("pilotage:meeting_decisions", args=[meeting.pk])
    client.post(url, form_data(meeting, _choices(funders, first, second, third)))
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=2))
    page = unescape(client.get(url).content.decode())
    assert 'value="90000,00"' in page  # the draft, ready to be applied
    assert client.post(url, form_data(meeting, _choices(funders, first, second, third))).status_code == 302
    first.refresh_from_db()
    assert first.status == Action.Status.PROGRAMMED
    item = meeting.agenda_items.get(action=first)
    assert (item.decision, item.draft_decision) == ("programmed", "")


def test_programming_with_no_money_needs_a_reason_in_the_copil(login, world, make_proposal, funders, envelopes):
    meeting, first, second, third = _meeting(world, make_proposal, days=-1)
    choices = _choices(funders, first, second, third)
    choices[first.pk] = (
        "programmed",
        "",
        {subsidy(first, funders["anct"]).pk: "0", subsidy(first, funders["agglo"]).pk: "0"},
    )
    response = login(world.a.coordinator).post(
        reverse("pilotage:meeting_decisions", args=[meeting.pk]), form_data(meeting, choices)
    )
    assert response.status_code == 422
    assert "Programmée sans financement : motivez la décision (commentaire)." in unescape(response.content.decode())
    first.refresh_from_db()
    assert first.status == Action.Status.IN_REVIEW


def test_the_decision_screen_shows_the_troika_opinions(login, world, make_proposal, funders):
    meeting, first, second, third = _meeting(world, make_proposal, days=7)
    Opinion.objects.create(action=first, author=world.a.pilot, verdict="reserved", comment="Préciser le public.")
    Opinion.objects.create(action=first, author=world.a.prefecture, verdict="favourable")
    response = login(world.a.coordinator).get(reverse("pilotage:meeting_decisions", args=[meeting.pk]))
    page = " ".join(re.sub(r"<[^>]+>", "", unescape(response.content.decode())).split())
    assert "Avis de la troïka" in page
    assert f"Réservé – {world.a.pilot.full_name} (Pilotage (troïka)) : Préciser le public." in page
    assert f"Favorable – {world.a.prefecture.full_name} (Préfecture)" in page
    assert page.count("Aucun avis pour l'instant.") == 2
