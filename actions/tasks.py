"""E-mail notifications of the workflow, sent by Celery once the transaction commits.

Tasks take primary keys, never objects; a row deleted in the meantime sends nothing.
"""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import Membership, Role, User

from .models import Action, Message, Transition

# Who hears of what: the coordination learns of what the porteur does, and conversely.
TO_COORDINATION = {"submitted", "resubmitted", "withdrawn", "reported"}
TO_PORTEUR = {"changes_requested", "decision", "closed"}
EVENTS = TO_COORDINATION | TO_PORTEUR | {"message"}


def coordination_emails(action):
    return sorted(
        set(
            Membership.objects.active()
            .filter(role=Role.COORDINATOR, cite_id=action.cite_id, user__is_active=True)
            .values_list("user__email", flat=True)
        )
    )


def porteur_emails(action):
    emails = set(
        Membership.objects.active()
        .filter(role=Role.PARTNER, organisation_id=action.porteur_id, user__is_active=True)
        .values_list("user__email", flat=True)
    )
    if action.contact_email:
        emails.add(action.contact_email.lower())
    return sorted(emails)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_action_notification(event, action_id, transition_id=None, message_id=None):
    if event not in EVENTS:
        raise ValueError(f"Unknown notification event: {event}")
    action = Action.objects.select_related("cite", "porteur", "call").filter(pk=action_id).first()
    if action is None:
        return 0
    context = {
        "action": action,
        "transition": None,
        "message": None,
        "url": settings.SITE_URL + reverse("actions:detail", args=[action.pk]),
    }
    if transition_id:
        context["transition"] = Transition.objects.select_related("actor").filter(pk=transition_id).first()
    if event == "message":
        message = Message.objects.select_related("author").filter(pk=message_id).first()
        if message is None:
            return 0
        context["message"] = message
        recipients = coordination_emails(action) if message.from_porteur else porteur_emails(action)
    elif event in TO_COORDINATION:
        recipients = coordination_emails(action)
    else:
        recipients = porteur_emails(action)
    if not recipients:
        return 0
    subject = " ".join(render_to_string(f"emails/action_{event}_subject.txt", context).split())
    body = render_to_string(f"emails/action_{event}_body.txt", context)
    # One message per recipient: porteurs and coordinators never see each other's addresses.
    for recipient in recipients:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    return len(recipients)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_signup_link(email, url, call_title, has_account):
    """The e-mail verification link of a partner sign-up (or, for a known address, a
    pointer to the login page: the page never tells whether an account exists)."""
    context = {"url": url, "call_title": call_title, "has_account": has_account}
    subject = " ".join(render_to_string("emails/action_signup_link_subject.txt", context).split())
    body = render_to_string("emails/action_signup_link_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
    return 1


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_join_request_notification(join_request_id):
    from .models import JoinRequest

    request = JoinRequest.objects.select_related("user", "organisation", "cite").filter(pk=join_request_id).first()
    if request is None:
        return 0
    if request.creates_organisation:
        # A new organisation: the coordination of the call's cité validates it.
        deciders = Membership.objects.active().filter(role=Role.COORDINATOR, cite_id=request.cite_id)
    else:
        # A known organisation: its référents decide, the national administration when it has none.
        deciders = Membership.objects.referents().filter(organisation_id=request.organisation_id)
    emails = deciders.filter(user__is_active=True).values_list("user__email", flat=True)
    if not request.creates_organisation and not emails.exists():
        emails = User.objects.filter(is_superuser=True, is_active=True).values_list("email", flat=True)
    recipients = sorted(set(emails))
    context = {"request": request, "url": settings.SITE_URL + reverse("actions:join_requests")}
    subject = " ".join(render_to_string("emails/action_join_request_subject.txt", context).split())
    body = render_to_string("emails/action_join_request_body.txt", context)
    for recipient in recipients:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    return len(recipients)
