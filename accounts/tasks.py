import datetime
import logging
from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.utils import timezone

from core.mail import queue_mail

from .models import Invitation

logger = logging.getLogger(__name__)


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, whose mail is queued (durable) rather than sent at once."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        queue_mail(to_email, subject_template_name, email_template_name, context)


@shared_task(ignore_result=True)
def send_password_reset_email(email):
    """The reset link, if ``email`` is an active account's: looked up by the worker, so
    the request answers in the same time whether the account exists or not. The mail
    itself is queued like every other (core.mail)."""
    form = QueuedPasswordResetForm({"email": email})
    if form.is_valid():
        site = urlsplit(settings.SITE_URL)
        form.save(
            domain_override=site.netloc,
            use_https=site.scheme == "https",
            subject_template_name="emails/password_reset_subject.txt",
            email_template_name="emails/password_reset_body.txt",
            from_email=settings.DEFAULT_FROM_EMAIL,
        )


@shared_task(ignore_result=True)
def purge_expired_invitations(days=None):
    """Delete the invitations never accepted and expired for more than
    ``INVITATION_KEEP_DAYS`` days (accepted ones stay: they record who invited whom)."""
    days = settings.INVITATION_KEEP_DAYS if days is None else days
    cutoff = timezone.now() - datetime.timedelta(days=days)
    deleted, _ = Invitation.objects.expired_before(cutoff).delete()
    if deleted:
        logger.info("%s invitations expirées supprimées.", deleted)
    return deleted


@shared_task(ignore_result=True)
def purge_login_records():
    """Nightly: the login attempts and logs older than their retention (accounts/throttling.py)."""
    from .throttling import purge_login_records as purge

    return purge()
