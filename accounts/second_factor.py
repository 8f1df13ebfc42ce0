"""The second factor (TOTP with django-otp, plus single-use recovery codes).

Who must give it: staff — an active coordinator, pilot or préfecture membership, or an
admin (``is_staff``/``is_superuser``) — who logged in with a password, and partners who
chose to enrol. A ProConnect login (the session's ``portail_auth_method`` is
``"proconnect"``, set by the ProConnect login only) skips it: the identity provider
already asked for one.

The enrolment secret stays in the session until the first code proves the application
has it; only then is a confirmed :class:`TOTPDevice` created, with the recovery codes.
"""

import secrets
from base64 import b32encode
from binascii import unhexlify

import segno
from django.db import transaction
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from .proconnect import is_proconnect_session

PENDING_KEY_SESSION_KEY = "portail_otp_pending_key"
TOTP_NAME = "Application d'authentification"
RECOVERY_NAME = "Codes de secours"
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_DIGITS = 10


def is_staff(user, scope):
    """Admin, coordinator, pilot or préfecture (an active membership)."""
    return user.is_staff or user.is_superuser or scope.is_staff_of_some_cite


def is_enrolled(user):
    """Has the user a confirmed authenticator application (recovery codes alone do not count)?"""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def logged_in_with_proconnect(request):
    return is_proconnect_session(request)


def is_verified(request):
    return request.user.is_authenticated and request.user.is_verified()


def is_required(request):
    """Must this authenticated session give the second factor before anything else?"""
    user = request.user
    if not user.is_authenticated or logged_in_with_proconnect(request):
        return False
    return is_staff(user, request.scope) or is_enrolled(user)


# --- Enrolment ----------------------------------------------------------------------------
def pending_key(session):
    """The secret offered for enrolment, kept in the session until it is confirmed."""
    key = session.get(PENDING_KEY_SESSION_KEY)
    if not key:
        key = session[PENDING_KEY_SESSION_KEY] = random_hex(20)
    return key


def secret_for_display(key):
    """The secret in base32, in groups of four, for manual entry in the application."""
    text = b32encode(unhexlify(key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_code_svg(user, key):
    """An inline SVG QR code of the ``otpauth://`` URL of an (unsaved) device."""
    url = TOTPDevice(user=user, key=key, name=TOTP_NAME).config_url
    return segno.make(url, error="m").svg_inline(
        scale=5, title="Code QR à scanner avec votre application d'authentification", border=2, omitsize=True
    )


def confirm_enrolment(user, key, code):
    """The confirmed device when ``code`` comes from ``key``, else ``None``; on success the
    user's previous devices are replaced and recovery codes created (returned too)."""
    with transaction.atomic():
        device = TOTPDevice.objects.create(user=user, key=key, name=TOTP_NAME, confirmed=False)
        if not device.verify_token(code):
            transaction.set_rollback(True)
            return None, []
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = regenerate_recovery_codes(user)
    return device, codes


# --- Recovery codes -----------------------------------------------------------------------
def _random_recovery_code():
    return f"{secrets.randbelow(10**RECOVERY_CODE_DIGITS):0{RECOVERY_CODE_DIGITS}d}"


def format_recovery_code(code):
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def regenerate_recovery_codes(user):
    """Replace the user's recovery codes with new ones; returns them, formatted for display."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
        device.token_set.all().delete()
        codes = set()
        while len(codes) < RECOVERY_CODE_COUNT:
            codes.add(_random_recovery_code())
        codes = sorted(codes)  # easier to tick off on paper; the set is drawn uniformly
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
        StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return [format_recovery_code(code) for code in codes]


def remaining_recovery_codes(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- Verification -------------------------------------------------------------------------
def normalise_code(code):
    return "".join(character for character in code if character.isdigit())


def verify(user, code, *, allow_recovery=True):
    """``(device, throttled)``: the device that accepts ``code`` (a TOTP of 6 digits or a
    recovery code, which then stops working) or ``None``; ``throttled`` when the device
    refuses to check anything after too many failures (django-otp's growing delay)."""
    code = normalise_code(code)
    if len(code) == 6:
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    elif len(code) == RECOVERY_CODE_DIGITS and allow_recovery:
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
    else:
        return None, False
    throttled = False
    for device in devices.order_by("pk"):
        if not device.verify_is_allowed()[0]:
            throttled = True
            continue
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified, False
    return None, throttled


def reset(user):
    """Delete every second-factor device of ``user``: they enrol again at their next login."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
