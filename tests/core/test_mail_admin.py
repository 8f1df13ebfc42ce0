"""The e-mails in the admin: what was sent, what failed and why, in French."""

import pytest
from django.urls import reverse
from post_office.models import STATUS, Email, Log

from core import mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_mail():
    [email] = mail.queue_mail(
        "porteur@example.org", "emails/action_signup_link_subject.txt", "emails/action_signup_link_body.txt",
        {"url": "http://exemple/lien/", "call_title": "Appel 2026", "has_account": False},
    )  # fmt: skip
    Email.objects.filter(pk=email.pk).update(status=STATUS.failed, number_of_retries=12)
    Log.objects.create(email=email, status=STATUS.failed, message="[Errno 111] Connection refused")
    return email


def test_the_list_says_what_failed_and_why_in_french(login, world, failed_mail):
    client = login(world.admin)
    content = client.get(reverse("admin:post_office_email_changelist")).content.decode()
    for label in ("E-mails", "Destinataire", "Objet", "État", "Nouveaux essais", "Dernière erreur", "échoué"):
        assert label in content, label
    assert "[Errno 111] Connection refused" in content
    page = client.get(reverse("admin:post_office_email_change", args=[failed_mail.pk])).content.decode()
    assert "Journaux d&#x27;envoi" in page and "porteur@example.org" in page


def test_requeue_starts_the_retries_over(login, world, failed_mail):
    response = login(world.admin).post(
        reverse("admin:post_office_email_changelist"),
        {"action": "requeue", "_selected_action": [failed_mail.pk]},
        follow=True,
    )
    assert "1 e-mail(s) remis en file" in response.content.decode()
    failed_mail.refresh_from_db()
    assert (failed_mail.status, failed_mail.number_of_retries) == (STATUS.queued, 0)
