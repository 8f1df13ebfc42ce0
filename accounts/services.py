"""Account operations: inviting people and accepting invitations."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.mail import queue_mail

from .models import Invitation, Membership, User


class InvitationError(Exception):
    """An invitation that cannot be used (already used or expired)."""


def invite(*, email, role, by, cite=None, organisation=None, full_name=""):
    """Create an invitation and its e-mail, in one transaction (sent once it commits)."""
    with transaction.atomic():
        invitation, token = Invitation.create_with_token(
            email=email.lower(), role=role, cite=cite, organisation=organisation, full_name=full_name, invited_by=by
        )
        context = {
            "invitation": invitation,
            "url": settings.SITE_URL + reverse("accounts:invitation_accept", args=[token]),
            "validity_days": settings.INVITATION_VALIDITY_DAYS,
        }
        queue_mail(invitation.email, "emails/invitation_subject.txt", "emails/invitation_body.txt", context)
    return invitation


def find_invitation(token):
    return (
        Invitation.objects.select_related("cite", "organisation")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )


def invitee_has_account(invitation):
    return User.objects.filter(email__iexact=invitation.email).exists()


def accept_invitation(invitation, *, full_name, password):
    """Create (or reuse) the account and give it the invited role. Works once.

    Returns the user. The invitation row is locked so that two clicks at the same time
    cannot both succeed.
    """
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None:
            raise InvitationError("Cette invitation a déjà été utilisée.")
        if locked.is_expired:
            raise InvitationError("Cette invitation a expiré : demandez-en une nouvelle à la coordination.")
        user = User.objects.filter(email__iexact=locked.email).first()
        if user is None:
            if not password:
                raise InvitationError("Un mot de passe est nécessaire pour créer le compte.")
            user = User.objects.create_user(email=locked.email, password=password, full_name=full_name)
        Membership.objects.get_or_create(
            user=user,
            role=locked.role,
            cite=locked.cite,
            organisation=locked.organisation,
            departement="",
            defaults={"is_active": True},
        )
        locked.accepted_at = timezone.now()
        locked.accepted_by = user
        locked.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return user
