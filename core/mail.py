"""Durable e-mail: a notification is a database row before it is anything else.

``queue_mail`` renders the subject and body of a notification and stores one
django-post-office ``Email`` per recipient in the current transaction: a change that
rolls back leaves no mail, a change that commits leaves its mails queued. Once the
transaction commits, ``dispatch_queued_mail`` asks a Celery worker to send them
(``core.tasks.send_queued_mail``). If the broker is down at that moment the rows stay
queued and the beat sweep sends them a minute later; if the SMTP server is down,
post-office requeues them (``POST_OFFICE["MAX_RETRIES"]`` times,
``RETRY_INTERVAL`` apart) and the sweep tries again. The admin lists every mail, its
status and the log of its attempts.
"""

import fcntl
import logging
from contextlib import contextmanager
from email.utils import make_msgid

from django.conf import settings
from django.db import connection, transaction
from django.template.loader import render_to_string
from kombu.exceptions import OperationalError as BrokerError
from post_office.mail import get_queued
from post_office.mail import send_queued as send_batch
from post_office.models import STATUS, Email
from post_office.settings import get_message_id_fqdn
from post_office.signals import email_queued
from post_office.utils import parse_priority

logger = logging.getLogger(__name__)

# Any constant: the PostgreSQL advisory lock that keeps two sweeps from sending the same
# rows at once, whichever machines their workers run on.
SWEEP_LOCK_KEY = 0x6D61696C  # "mail"
MAX_BATCHES = 50  # a sweep sends at most MAX_BATCHES × POST_OFFICE["BATCH_SIZE"] mails


def render_mail(subject_template, body_template, context):
    """The subject (on one line) and the body of a mail, from their templates."""
    subject = " ".join(render_to_string(subject_template, context).split())
    return subject, render_to_string(body_template, context)


def queue_mail(to, subject_template, body_template, context, *, priority=None):
    """Store a mail to each address of ``to`` (one message per recipient: nobody sees the
    other addresses) in the current transaction; sent by Celery once it commits.

    ``to`` is an address or a list of addresses; the templates are rendered here, with
    ``context``, so the worker needs nothing but the row. ``priority``: "low",
    "medium" (default) or "high" (sent first). Returns the ``Email`` rows.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        return []
    subject, body = render_mail(subject_template, body_template, context)
    # Rows built here rather than by post-office's mail.send(), which renders subject
    # and body once more as templates: a user's "{{" or "{%" would break or leak.
    emails = [
        Email(
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient],
            subject=subject,
            message=body,
            status=STATUS.queued,
            priority=parse_priority(priority),
            # Fixed at queue time, the same for every attempt: a mail retried after a lost
            # SMTP answer is recognised by the recipient's client (and the deployment test).
            message_id=make_msgid(domain=get_message_id_fqdn()),
        )
        for recipient in recipients
    ]
    with transaction.atomic():
        for email in emails:
            email.save()  # validates the address (Email.save runs full_clean)
        email_queued.send(sender=Email, emails=emails)
    return emails


def dispatch_queued_mail(sender=None, emails=(), **kwargs):
    """Receiver of post-office's ``email_queued``: wake a worker once the rows commit.

    A broker that is down must not turn a saved change into an error page: the failure
    is logged and the rows wait, queued, for the beat sweep.
    """
    transaction.on_commit(_wake_sender)


def _wake_sender():
    from core.tasks import send_queued_mail

    try:
        send_queued_mail.delay()
    except BrokerError as error:
        logger.warning("Broker injoignable (%s) : les e-mails restent en file, la tâche périodique les enverra.", error)


@contextmanager
def sweep_lock():
    """Yield whether this process may send: one sweep at a time. PostgreSQL's advisory
    lock spans every worker machine."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [SWEEP_LOCK_KEY])
            acquired = cursor.fetchone()[0]
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK_KEY])
        return
    # SQLite serves one machine: an advisory file lock, released if the process dies.
    with open(settings.VAR_DIR / "mail-sweep.lock", "a") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def send_queued():
    """Send every mail due (queued, or requeued and past its retry time); returns how
    many were sent. Does nothing while another sweep is sending."""
    sent = 0
    with sweep_lock() as acquired:
        if not acquired:
            logger.info("Envoi des e-mails déjà en cours ailleurs : rien à faire.")
            return 0
        for _ in range(MAX_BATCHES):
            if not get_queued().exists():  # the usual case, every minute: nothing to log
                break
            batch_sent, _failed, _requeued = send_batch()
            sent += batch_sent
    return sent
