"""Durable e-mail (core.mail, django-post-office): a notification is a row written with
the change that causes it, survives an SMTP outage and leaves exactly once."""

import socket
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from post_office.models import STATUS, Email, Log

from accounts.models import Invitation, Role
from accounts.services import invite
from core import mail as mail_module
from core import tasks

pytestmark = pytest.mark.django_db


class Sink:
    """An SMTP server that keeps what it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """Real SMTP delivery to 127.0.0.1:<port>, where nothing listens until ``start()``."""
    settings.POST_OFFICE = {
        **settings.POST_OFFICE,
        "BACKENDS": {"default": "django.core.mail.backends.smtp.EmailBackend"},
    }
    port = free_port()
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    sink, controllers = Sink(), []

    def start():
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)

    yield SimpleNamespace(sink=sink, start=start, port=port)
    for controller in controllers:
        controller.stop()


def invite_pilot(world, email="nouvelle.pilote@example.org"):
    return invite(email=email, role=Role.PILOT, by=world.a.coordinator, cite=world.a.cite)


def test_an_smtp_outage_requeues_the_mail_and_a_later_sweep_delivers_it_once(
    world, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the commit wakes a worker (eager here)
        invite_pilot(world)
    email = Email.objects.get()
    assert email.status == STATUS.requeued and email.number_of_retries == 1
    assert email.scheduled_time > timezone.now() + timedelta(minutes=10)  # RETRY_INTERVAL away
    log = Log.objects.get(email=email)
    assert log.status == STATUS.failed and "Connection refused" in log.message

    smtp.start()
    assert tasks.send_queued_mail() == 0  # not due yet: nothing is sent before its retry time
    assert smtp.sink.envelopes == []

    Email.objects.update(scheduled_time=timezone.now() - timedelta(seconds=1))  # the interval has passed
    assert tasks.send_queued_mail() == 1
    assert tasks.send_queued_mail() == 0
    [envelope] = smtp.sink.envelopes
    assert envelope.rcpt_tos == ["nouvelle.pilote@example.org"]
    assert "vous invite à rejoindre le Portail" in envelope.content.decode()
    email.refresh_from_db()
    assert email.status == STATUS.sent
    assert list(email.logs.order_by("id").values_list("status", flat=True)) == [STATUS.failed, STATUS.sent]


def test_a_mail_that_keeps_failing_is_marked_failed_after_its_retries(world, smtp, settings):
    settings.POST_OFFICE = {**settings.POST_OFFICE, "MAX_RETRIES": 2}
    invite_pilot(world)
    for _ in range(3):  # the first attempt and two retries
        Email.objects.update(scheduled_time=timezone.now() - timedelta(seconds=1))
        tasks.send_queued_mail()
    email = Email.objects.get()
    assert (email.status, email.number_of_retries, email.logs.count()) == (STATUS.failed, 2, 3)


def test_the_mail_is_written_in_the_transaction_of_its_change(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        invite_pilot(world)
        assert Email.objects.filter(to="nouvelle.pilote@example.org").exists()  # same transaction
        raise RuntimeError("the change fails after the mail was queued")
    assert not Invitation.objects.exists()
    assert not Email.objects.exists()
    assert mail.outbox == []

    invite_pilot(world)
    assert Email.objects.get().to == ["nouvelle.pilote@example.org"]


def test_the_cleanup_deletes_old_mails_only(world):
    invite_pilot(world, "ancienne@example.org")
    invite_pilot(world, "recente@example.org")
    Email.objects.filter(to="ancienne@example.org").update(created=timezone.now() - timedelta(days=91))
    assert tasks.cleanup_mail() == 1
    assert [email.to for email in Email.objects.all()] == [["recente@example.org"]]


def test_one_sweep_at_a_time(world):
    """While a sweep sends (here: another thread holds the lock, as another worker or
    machine would), a second one sends nothing; the mail leaves once, with the next."""
    invite_pilot(world)
    holding, done = threading.Event(), threading.Event()

    def other_sweep():
        try:
            with mail_module.sweep_lock() as acquired:
                assert acquired
                holding.set()
                done.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_sweep)
    thread.start()
    assert holding.wait(10)
    try:
        assert tasks.send_queued_mail() == 0
        assert Email.objects.get().status == STATUS.queued
    finally:
        done.set()
        thread.join()
    assert tasks.send_queued_mail() == 1
    assert [message.to for message in mail.outbox] == [["nouvelle.pilote@example.org"]]


def test_user_text_is_sent_as_written_never_rendered_again(world, django_capture_on_commit_callbacks):
    text = "Budget {{ settings.SECRET_KEY }} {% debug %} {% endverbatim %} {%"
    with django_capture_on_commit_callbacks(execute=True):
        mail_module.queue_mail(
            "porteur@example.org", "emails/action_signup_link_subject.txt", "emails/action_signup_link_body.txt",
            {"url": text, "call_title": text, "has_account": False},
        )  # fmt: skip
    [message] = mail.outbox
    assert text in message.body
