from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Invitation


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_invitation_email(invitation_id, token):
    invitation = (
        Invitation.objects.select_related("cite", "organisation", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or not invitation.is_usable:
        return
    context = {
        "invitation": invitation,
        "url": settings.SITE_URL + reverse("accounts:invitation_accept", args=[token]),
        "validity_days": settings.INVITATION_VALIDITY_DAYS,
    }
    subject = render_to_string("emails/invitation_subject.txt", context).strip()
    body = render_to_string("emails/invitation_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_password_reset_email(email):
    """The reset link, if ``email`` is an active account's: looked up and sent by the
    worker, so the request answers in the same time whether the account exists or not."""
    form = PasswordResetForm({"email": email})
    if form.is_valid():
        site = urlsplit(settings.SITE_URL)
        form.save(
            domain_override=site.netloc,
            use_https=site.scheme == "https",
            subject_template_name="emails/password_reset_subject.txt",
            email_template_name="emails/password_reset_body.txt",
            from_email=settings.DEFAULT_FROM_EMAIL,
        )
