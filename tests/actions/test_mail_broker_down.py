"""Broker unreachable: a message posted is saved once, the page answers as usual, and
its e-mail, stored with it, leaves with the next sweep (core.mail)."""

import logging

import pytest
from django.core import mail
from django.urls import reverse
from post_office.models import STATUS, Email

from actions.models import Action, Message
from core import tasks
from tests.brokers import broker_down as dead_broker

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down():
    with dead_broker():
        yield


def test_a_message_posted_while_the_broker_is_down(
    login, world, make_action, broker_down, caplog, django_capture_on_commit_callbacks
):
    action = make_action(status=Action.Status.IN_REVIEW, contact_email="")
    client = login(world.a.partner)
    with caplog.at_level(logging.WARNING, logger="core.mail"), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("actions:message_create", args=[action.pk]), {"message-text": "Quand aura lieu le COPIL ?"}
        )
    assert response.status_code == 302
    assert response.url == reverse("actions:detail", args=[action.pk]) + "#messages"
    assert "Le message est envoyé." in client.get(response.url).content.decode()
    assert list(Message.objects.values_list("text", flat=True)) == ["Quand aura lieu le COPIL ?"]
    assert "Broker injoignable" in caplog.text
    email = Email.objects.get()
    assert (email.status, email.to) == (STATUS.queued, [world.a.coordinator.email])
    assert mail.outbox == []

    assert tasks.send_queued_mail() == 1  # the beat sweep, a minute later
    assert [message.to for message in mail.outbox] == [[world.a.coordinator.email]]
    assert "Quand aura lieu le COPIL ?" in mail.outbox[0].body
    email.refresh_from_db()
    assert email.status == STATUS.sent


def test_a_password_reset_asked_while_the_broker_is_down(
    client, world, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": world.a.pilot.email})
    assert response.status_code == 302
    assert Email.objects.get().to == [world.a.pilot.email]
    assert tasks.send_queued_mail() == 1
    assert "réinitialisation du mot de passe" in mail.outbox[0].body
