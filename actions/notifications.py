"""E-mail notifications of the workflow, queued in the transaction of the change that
causes them (core.mail): a change that rolls back sends nothing, one that commits has
its mails stored and sent by Celery, retried until they leave."""

from django.conf import settings
from django.urls import reverse

from accounts.models import Membership, Role, User
from core.mail import queue_mail

# Who hears of what: the coordination learns of what the porteur does, and conversely.
TO_COORDINATION = {"submitted", "resubmitted", "withdrawn", "reported"}
TO_PORTEUR = {"changes_requested", "decision", "closed"}
EVENTS = TO_COORDINATION | TO_PORTEUR | {"message"}


def coordination_emails(cite_id):
    return sorted(
        set(
            Membership.objects.active()
            .filter(role=Role.COORDINATOR, cite_id=cite_id, user__is_active=True)
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


def action_url(action):
    return settings.SITE_URL + reverse("actions:detail", args=[action.pk])


def notify_action(event, action, *, transition=None, message=None):
    """Queue the mails of a workflow ``event`` (or of a thread ``message``): one per
    recipient. Returns how many were queued."""
    if event not in EVENTS:
        raise ValueError(f"Unknown notification event: {event}")
    if event == "message":
        recipients = coordination_emails(action.cite_id) if message.from_porteur else porteur_emails(action)
    elif event in TO_COORDINATION:
        recipients = coordination_emails(action.cite_id)
    else:
        recipients = porteur_emails(action)
    context = {"action": action, "transition": transition, "message": message, "url": action_url(action)}
    return len(queue_mail(recipients, f"emails/action_{event}_subject.txt", f"emails/action_{event}_body.txt", context))


def notify_signup_link(email, url, call_title, has_account):
    """The e-mail verification link of a partner sign-up (or, for a known address, a
    pointer to the login page: the page never tells whether an account exists)."""
    context = {"url": url, "call_title": call_title, "has_account": has_account}
    queue_mail(email, "emails/action_signup_link_subject.txt", "emails/action_signup_link_body.txt", context)


def join_request_deciders(join_request):
    """Who decides: the coordination of the call's cité validates a new organisation; a
    known organisation's référents decide, the national administration when it has none."""
    if join_request.creates_organisation:
        return coordination_emails(join_request.cite_id)
    emails = (
        Membership.objects.referents()
        .filter(organisation_id=join_request.organisation_id, user__is_active=True)
        .values_list("user__email", flat=True)
    )
    if not emails.exists():
        emails = User.objects.filter(is_superuser=True, is_active=True).values_list("email", flat=True)
    return sorted(set(emails))


def notify_join_request(join_request):
    """Tell whoever decides (:func:`join_request_deciders`) that a partner asks to join."""
    context = {"request": join_request, "url": settings.SITE_URL + reverse("actions:join_requests")}
    return len(
        queue_mail(
            join_request_deciders(join_request),
            "emails/action_join_request_subject.txt",
            "emails/action_join_request_body.txt",
            context,
        )
    )
