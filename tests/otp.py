"""The second factor in tests: a real confirmed TOTP device, a session verified by it as
``django_otp.login`` leaves it, and the code an authenticator application would show.

The production middleware is untouched: tests that log a staff user in with
``force_login`` (or ``client.login``) go through :func:`verify_session`, the browser
journeys type :func:`current_code` into the real verification page.
"""

import base64
import re
import time

from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor

# RFC 6238's example secret (hex): known to the tests, never to a real account.
KEY = "3132333435363738393031323334353637383930"


def enrolled_device(user, key=KEY):
    """The user's confirmed TOTP device, created with ``key`` when they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Application de test", key=key, confirmed=True)
    return device


def verify_session(client, user):
    """Mark the client's (logged-in) session as verified by the user's device."""
    device = enrolled_device(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def force_login_verified(client, user):
    """``client.force_login(user)`` with the second factor given, as after a real login."""
    client.force_login(user)
    verify_session(client, user)
    return client


def code_for_key(key, drift=0):
    """The 6 digits an application holding ``key`` (hex, or base32 as shown on the
    enrolment page) shows now (``drift`` steps later)."""
    if not all(character in "0123456789abcdef" for character in key):
        key = base64.b32decode(key.replace(" ", "").upper() + "=" * (-len(key.replace(" ", "")) % 8)).hex()
    return f"{totp(bytes.fromhex(key), drift=drift):06d}"


def current_code(device):
    """The code the application shows now for ``device``, never one it already accepted
    (a replayed code is refused): when this time step's code was used, the next step's,
    which the device accepts (tolerance of one step)."""
    device.refresh_from_db()
    now_t = (int(time.time()) - device.t0) // device.step + device.drift
    wanted = max(now_t, device.last_t + 1)
    if wanted > now_t + device.tolerance:
        time.sleep(device.step - time.time() % device.step + 0.1)
        return current_code(device)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + wanted - now_t):06d}"


def owes_second_factor(user):
    """Whether a password login of ``user`` asks for the second factor (staff, or enrolled)."""
    from accounts.scope import Scope

    return second_factor.is_staff(user, Scope.for_user(user)) or second_factor.is_enrolled(user)


def pass_second_factor_in_browser(page, user):
    """After the password step, type the code of the user's device (enrolled beforehand with
    :func:`enrolled_device`) into the real verification page."""
    page.wait_for_url(re.compile(re.escape(reverse("accounts:second_factor"))))
    page.get_by_label("Code de vérification").fill(current_code(enrolled_device(user)))
    page.get_by_role("button", name="Valider").click()
