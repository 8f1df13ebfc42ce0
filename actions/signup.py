"""Partner sign-up from a call for projects.

1. The visitor gives an e-mail address; a signed, time-limited link is mailed to it
   (``TimestampSigner``: nothing is stored before the address is proven).
2. The link opens the account form: name, password and the organisation's SIRET.
   - A SIRET already known: a :class:`JoinRequest` that a référent of the organisation
     approves (the national administration when it has none), which creates the partner
     membership. A cité's coordinator never decides it: granting access to an
     organisation is the decision of someone who already holds it.
   - A new SIRET: the organisation is created in the call's cité with the partner as its
     first member and référent, and a request that the cité's coordination validates;
     the partner drafts at once but cannot submit before approval.

Approving never links the organisation to a cité: the links are set when it is created.
"""

from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Role, User
from cites.models import Organisation

from . import notifications
from .models import JoinRequest

SALT = "actions.signup"
LINK_MAX_AGE = timedelta(hours=48)


class SignupError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def make_token(email, call):
    return signing.TimestampSigner(salt=SALT).sign_object({"email": email.strip().lower(), "call": call.pk})


def read_token(token):
    """{"email", "call"} from a link, or :class:`SignupError` (invalid or expired)."""
    try:
        return signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired as error:
        raise SignupError(
            "Ce lien a expiré (il est valable 48 heures) : demandez-en un nouveau depuis la page de l'appel."
        ) from error
    except signing.BadSignature as error:
        raise SignupError("Ce lien n'est pas valide : demandez-en un nouveau depuis la page de l'appel.") from error


def sign_up_partner(*, email, full_name, password, siret, organisation_name, organisation_kind, call):
    """Create the account and the join request (and the organisation when the SIRET is new)."""
    with transaction.atomic():
        if User.objects.filter(email__iexact=email).exists():
            raise SignupError("Un compte existe déjà avec cette adresse : connectez-vous.")
        user = User(email=email, full_name=full_name.strip())
        user.set_password(password)
        user.save()
        organisation = Organisation.objects.filter(siret=siret).first()
        creates_organisation = organisation is None
        if creates_organisation:
            organisation = Organisation(
                name=organisation_name.strip(), kind=organisation_kind, siret=siret, email=email
            )
            organisation.full_clean()
            organisation.save()
            organisation.cites.add(call.cite)
            Membership.objects.create(user=user, role=Role.PARTNER, organisation=organisation, is_referent=True)
        request = JoinRequest.objects.create(
            user=user, organisation=organisation, cite=call.cite, creates_organisation=creates_organisation
        )
        notifications.notify_join_request(request)
    return user, request


def decide(join_request, *, by, approve):
    """Approve (membership created, organisation validated) or refuse a pending request.

    Who decides is :meth:`JoinRequestQuerySet.managed_by`: a référent of the organisation
    (or the national administration) for a known organisation, the cité's coordination
    for a new one. The organisation's cités are left as they are.
    """
    with transaction.atomic():
        locked = JoinRequest.objects.managed_by(by).select_for_update().filter(pk=join_request.pk).first()
        if locked is None:
            raise SignupError(
                "Seuls les référents de l'organisation (ou l'administration nationale) décident de cette demande."
            )
        if locked.status != JoinRequest.Status.PENDING:
            raise SignupError("Cette demande a déjà été traitée.")
        locked.status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.REJECTED
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        if approve:
            membership, _ = Membership.objects.get_or_create(
                user_id=locked.user_id,
                role=Role.PARTNER,
                organisation_id=locked.organisation_id,
                cite=None,
                departement="",
            )
            if not membership.is_active:
                membership.is_active = True
                membership.save(update_fields=["is_active", "updated_at"])
    return locked


def organisation_awaits_validation(organisation_id):
    """True while an organisation created by a sign-up has not been validated."""
    return (
        JoinRequest.objects.filter(organisation_id=organisation_id, creates_organisation=True)
        .exclude(status=JoinRequest.Status.APPROVED)
        .exists()
    )
