"""Periodic and mail tasks that belong to no domain (scheduled in
``settings.CELERY_BEAT_SCHEDULE``)."""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from post_office.utils import cleanup_expired_mails

from . import mail

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def send_queued_mail():
    """Send the mails that are due: after each commit that queued some, and every minute
    from beat, which catches what a down broker or SMTP server left behind."""
    return mail.send_queued()


@shared_task(ignore_result=True)
def cleanup_mail(days=None):
    """Delete the mails (and their logs) older than ``MAIL_KEEP_DAYS``."""
    days = settings.MAIL_KEEP_DAYS if days is None else days
    deleted, _attachments = cleanup_expired_mails(timezone.now() - datetime.timedelta(days=days))
    logger.info("%s e-mails de plus de %s jours supprimés.", deleted, days)
    return deleted


@shared_task(ignore_result=True)
def clear_expired_sessions():
    """Delete the expired sessions from the database (Django's ``clearsessions``)."""
    call_command("clearsessions")
