"""Account operations: inviting people, accepting invitations, managing an organisation's
members.

Granting scope is a decision of someone who already holds it. A cité's team is invited by
its coordination; an organisation's members are added and removed by its *référents*
(or the national administration). A coordinator may only invite the first member of an
organisation that works in their cités alone and has no member yet; that person becomes
its référent. Nobody invites themselves.
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.mail import queue_mail
from core.permissions import NotAllowed, ensure_allowed

from .models import Invitation, Membership, Role, User
from .scope import Scope


class InvitationError(Exception):
    """An invitation that cannot be used (already used or expired)."""


class MembershipError(Exception):
    """A change to an organisation's members that would break one of its rules."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


SELF_INVITATION = "Vous ne pouvez pas vous inviter vous-même."
REFERENTS_ONLY = "Seuls les référents de l'organisation (ou l'administration nationale) ajoutent ses membres."


def first_member_refusal(scope, organisation, *, ignore_invitation=None):
    """Why a coordinator may not invite the first member of ``organisation`` (or ``None``).

    Allowed only when every cité the organisation works in is one they coordinate, and it
    has no member and no pending invitation yet.
    """
    cite_ids = set(organisation.cites.values_list("pk", flat=True))
    if not cite_ids or not cite_ids <= scope.coordinator_cites:
        return (
            "Cette organisation intervient hors de vos cités : "
            "seule l'administration nationale invite son premier membre."
        )
    if Membership.objects.active().filter(role=Role.PARTNER, organisation=organisation).exists():
        return "Cette organisation a déjà des membres : seuls ses référents en invitent de nouveaux."
    pending = Invitation.objects.pending().filter(role=Role.PARTNER, organisation=organisation)
    if ignore_invitation is not None:
        pending = pending.exclude(pk=ignore_invitation.pk)
    if pending.exists():
        return "Une invitation est déjà en attente pour le premier membre de cette organisation."
    return None


def _check_invitation(*, email, role, by, cite, organisation, is_referent, ignore_invitation=None):
    """Raise :class:`NotAllowed` unless ``by`` may give this role; return the référent flag."""
    ensure_allowed(by is not None and email.lower() != by.email.lower(), SELF_INVITATION)
    scope = Scope.for_user(by)
    if role == Role.PARTNER:
        ensure_allowed(organisation is not None and cite is None, "Choisissez l'organisation du partenaire invité.")
        if scope.can_manage_members(organisation.pk):
            has_members = Membership.objects.active().filter(role=Role.PARTNER, organisation=organisation).exists()
            return is_referent or not has_members
        if scope.coordinator_cites:
            refusal = first_member_refusal(scope, organisation, ignore_invitation=ignore_invitation)
            ensure_allowed(refusal is None, refusal)
            return True  # the first member becomes the organisation's référent
        raise NotAllowed(REFERENTS_ONLY)
    if role in (Role.COORDINATOR, Role.PILOT):
        ensure_allowed(
            cite is not None and organisation is None and scope.can_manage_cite(cite),
            "Seule la coordination de la cité invite de nouveaux membres.",
        )
        return False
    raise NotAllowed("Seule l'administration nationale donne ce rôle.")


def invite(*, email, role, by, cite=None, organisation=None, full_name="", is_referent=False):
    """Create an invitation and its e-mail, in one transaction (sent once it commits).

    Raises :class:`NotAllowed` (403) when ``by`` may not give this role (see the module).
    """
    with transaction.atomic():
        if organisation is not None:
            # Two "first member" invitations at once: the second waits, then sees the first.
            type(organisation).objects.select_for_update().filter(pk=organisation.pk).first()
        is_referent = _check_invitation(
            email=email, role=role, by=by, cite=cite, organisation=organisation, is_referent=is_referent
        )
        invitation, token = Invitation.create_with_token(
            email=email.lower(),
            role=role,
            cite=cite,
            organisation=organisation,
            full_name=full_name,
            invited_by=by,
            is_referent=is_referent,
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
    cannot both succeed. A partner invitation is checked again: its author must still be
    allowed to give it (a coordinator's "first member" invitation is void once the
    organisation has members).
    """
    with transaction.atomic():
        locked = Invitation.objects.select_for_update(of=("self",)).select_related("invited_by").get(pk=invitation.pk)
        if locked.accepted_at is not None:
            raise InvitationError("Cette invitation a déjà été utilisée.")
        if locked.is_expired:
            raise InvitationError("Cette invitation a expiré : demandez-en une nouvelle à la coordination.")
        if locked.role == Role.PARTNER:
            try:
                _check_invitation(
                    email=locked.email,
                    role=locked.role,
                    by=locked.invited_by,
                    cite=locked.cite,
                    organisation=locked.organisation,
                    is_referent=locked.is_referent,
                    ignore_invitation=locked,
                )
            except NotAllowed as error:
                raise InvitationError(
                    "Cette invitation n'est plus valable : demandez-en une nouvelle à un référent de l'organisation."
                ) from error
        user = User.objects.filter(email__iexact=locked.email).first()
        if user is None:
            if not password:
                raise InvitationError("Un mot de passe est nécessaire pour créer le compte.")
            user = User.objects.create_user(email=locked.email, password=password, full_name=full_name)
        membership, _ = Membership.objects.get_or_create(
            user=user,
            role=locked.role,
            cite=locked.cite,
            organisation=locked.organisation,
            departement="",
            defaults={"is_active": True, "is_referent": locked.is_referent},
        )
        if not membership.is_active or (locked.is_referent and not membership.is_referent):
            membership.is_active = True
            membership.is_referent = membership.is_referent or locked.is_referent
            membership.save(update_fields=["is_active", "is_referent", "updated_at"])
        locked.accepted_at = timezone.now()
        locked.accepted_by = user
        locked.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return user


# --- An organisation's members (its référents decide) ------------------------------------
LAST_REFERENT = (
    "L'organisation doit garder au moins un référent tant qu'elle a des membres : désignez d'abord un autre référent."
)


def _lock_partner_memberships(membership, by, refusal):
    """The organisation's active partner memberships, locked; ``membership`` among them."""
    ensure_allowed(Scope.for_user(by).can_manage_members(membership.organisation_id), refusal)
    rows = list(
        Membership.objects.select_for_update()
        .filter(role=Role.PARTNER, organisation_id=membership.organisation_id, is_active=True)
        .order_by("pk")
    )
    locked = next((row for row in rows if row.pk == membership.pk), None)
    if locked is None:
        raise MembershipError("Cette personne n'est plus membre de l'organisation.")
    return locked, [row for row in rows if row.pk != membership.pk]


def remove_member(membership, *, by):
    """Withdraw a partner's access to their organisation (the membership is deactivated)."""
    with transaction.atomic():
        locked, others = _lock_partner_memberships(
            membership, by, "Seuls les référents de l'organisation retirent ses membres."
        )
        if locked.is_referent and others and not any(row.is_referent for row in others):
            raise MembershipError(LAST_REFERENT)
        locked.is_active = False
        locked.is_referent = False
        locked.save(update_fields=["is_active", "is_referent", "updated_at"])
    return locked


def set_referent(membership, *, by, is_referent):
    """Make a member référent of their organisation, or no longer."""
    with transaction.atomic():
        locked, others = _lock_partner_memberships(
            membership, by, "Seuls les référents de l'organisation désignent ses référents."
        )
        if not is_referent and locked.is_referent and not any(row.is_referent for row in others):
            raise MembershipError(LAST_REFERENT)
        locked.is_referent = is_referent
        locked.save(update_fields=["is_referent", "updated_at"])
    return locked
