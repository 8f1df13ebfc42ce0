"""Login throttling: django-axes records the failures; the rules of the portal live here.

Two refusals, both answered on the login page in French with status 429:

- **The (account, address) pair** is refused for ``AXES_COOLOFF_TIME`` once it has made
  ``AXES_FAILURE_LIMIT`` failures (axes' own lock, ``AXES_LOCKOUT_PARAMETERS``). Someone
  guessing from elsewhere never locks the account's owner out of their own address.
- **The account**, whatever the address, is slowed down: once it has more than
  ``LOGIN_DELAY_AFTER`` failures within the cool-off, an attempt made too soon after the
  last failure is refused with « réessayez dans N secondes ». N is ``LOGIN_DELAY_BASE``
  doubled at each further failure, capped at ``LOGIN_DELAY_MAX``. A refused attempt checks
  no password and is not counted (``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT =
  False``), so the delay never grows by itself. An address the account logged in from
  successfully within ``LOGIN_RECORDS_RETENTION_DAYS`` is spared this delay: an attacker
  elsewhere cannot keep its owner waiting.

axes checks the lock, then the password, then records the failure, with nothing to stop
a parallel burst from checking the lock N times before any failure is recorded. The login
forms therefore run the whole attempt with :func:`attempt_serialised_per_account`: one
attempt at a time per account, so a burst gets at most the limit of password checks.
"""

import hashlib
import ipaddress
import math
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db import connection
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone

from core.db import serialised

ACCOUNT = "account"
ADDRESS = "address"


def username_of(request, credentials=None):
    """The account an attempt is for, as stored: e-mail addresses in lower case (the login
    form lowers them; the admin's form does not)."""
    if credentials and "username" in credentials:
        raw = credentials["username"]
    else:
        raw = getattr(request, "POST", {}).get("username")
    return (raw or "").strip().lower()[:255] or None  # axes stores at most 255 characters


def client_ip(request):
    """The client's address: ``REMOTE_ADDR``, or behind ``TRUSTED_PROXY_COUNT`` proxies the
    address the outermost one appended to X-Forwarded-For (what precedes it is whatever
    the client chose to send)."""
    address = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if count and len(forwarded) >= count:
        address = forwarded[-count]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def account_delay(failures):
    """Seconds an account must wait after its last failure, given its failures so far."""
    beyond = failures - settings.LOGIN_DELAY_AFTER
    if beyond < 0:
        return 0
    return min(settings.LOGIN_DELAY_BASE * 2 ** min(beyond, 32), settings.LOGIN_DELAY_MAX)


class ThrottlingHandler(AxesDatabaseHandler):
    """axes' database handler, with the per-account delay added to its pair lock. The
    reason and the time left are left on the request for the message."""

    def is_locked(self, request, credentials=None):
        request.login_refusal = None
        if username_of(request, credentials) is None:
            # No account named: a ProConnect callback (the provider has checked the
            # person). Locking (no account, address) would lock every agent behind
            # the same office address out.
            return False
        if super().is_locked(request, credentials):
            request.login_refusal = (ADDRESS, self.pair_wait(request, credentials))
            return True
        wait = self.account_wait(request, credentials)
        if wait > 0:
            request.login_refusal = (ACCOUNT, wait)
            return True
        return False

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if request is not None and username_of(request, credentials) is None:
            return  # not a password attempt: see is_locked
        super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender, request, user, **kwargs):
        if request is not None:  # a login outside any request records nothing
            super().user_logged_in(sender, request, user, **kwargs)

    def pair_wait(self, request, credentials):
        lasts = [qs.aggregate(last=Max("attempt_time"))["last"] for qs in self.get_user_attempts(request, credentials)]
        last = max((moment for moment in lasts if moment), default=timezone.now())
        return _seconds_until(last + get_cool_off(request))

    def account_wait(self, request, credentials):
        username = username_of(request, credentials)
        if username is None:
            return 0
        now = timezone.now()
        recent = AccessAttempt.objects.filter(username=username, attempt_time__gte=now - get_cool_off(request))
        totals = recent.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        delay = account_delay(totals["failures"] or 0)
        if not delay or self.is_known_address(username, request.axes_ip_address):
            return 0
        return _seconds_until(totals["last"] + timedelta(seconds=delay))

    @staticmethod
    def is_known_address(username, ip_address):
        since = timezone.now() - timedelta(days=settings.LOGIN_RECORDS_RETENTION_DAYS)
        return (
            ip_address is not None
            and AccessLog.objects.filter(username=username, ip_address=ip_address, attempt_time__gte=since).exists()
        )


def _seconds_until(moment):
    return max(0, math.ceil((moment - timezone.now()).total_seconds()))


def attempt_serialised_per_account(username, attempt):
    """Run ``attempt()`` (the lock check, the password check and the recording of a
    failure) in a transaction holding a lock on the account's name, so that attempts for
    one account run one after the other, and return what it returns.

    PostgreSQL: a transaction-scoped advisory lock on a hash of the name (unknown names
    included: their answer takes no different path). SQLite: the transaction is
    ``BEGIN IMMEDIATE``, which serialises every writer already; a writer refused in
    shared-cache mode is run again by :func:`core.db.serialised` (nothing was committed).
    ``attempt`` must not raise for a refused login, or the failure it recorded would be
    rolled back with the transaction: it returns the error instead.
    """

    @serialised
    def run():
        if username and connection.vendor == "postgresql":
            key = int.from_bytes(hashlib.sha256(username.encode()).digest()[:8], "big", signed=True)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
        return attempt()

    return run()


# --- The answer ---------------------------------------------------------------------------
def refusal(request):
    """(reason, seconds left) of the refusal: after the failure that reached the pair's
    limit, the whole cool-off is ahead."""
    return getattr(request, "login_refusal", None) or (ADDRESS, int(get_cool_off(request).total_seconds()))


def refusal_message(request):
    kind, seconds = refusal(request)
    if kind == ACCOUNT:
        return f"Trop de tentatives de connexion échouées pour ce compte : réessayez dans {_duration(seconds)}."
    return (
        "Trop de tentatives de connexion échouées depuis votre adresse : "
        f"réessayez dans {_duration(seconds)}, ou demandez à l'administration du portail "
        "de débloquer votre compte."
    )


def _duration(seconds):
    seconds = max(1, int(seconds))
    if seconds < 120:
        return f"{seconds} seconde{'s' if seconds > 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes"


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: the login page the view drew (the typed address kept,
    the refusal among its errors, see ``accounts.forms.ThrottledLoginMixin``) with status
    429; any other path that authenticates gets a French page of its own."""
    if getattr(request, "login_refusal_shown", False) and original_response is not None:
        response = original_response
        response.status_code = 429
    else:
        context = {"message": refusal_message(request)}
        response = render(request, "accounts/login_refused.html", context, status=429)
    response["Retry-After"] = str(max(1, refusal(request)[1]))
    return response


def forget_failures(username):
    """Unlock an account from every address (its password was just reset)."""
    return AccessAttempt.objects.filter(username=username.lower()).delete()[0]


# --- Purge --------------------------------------------------------------------------------
def purge_login_records(retention_days=None, now=None):
    """Delete the failure counters older than the cool-off (they no longer count) and the
    logs of logins and failures older than the retention. Returns the counts by kind."""
    now = now or timezone.now()
    days = settings.LOGIN_RECORDS_RETENTION_DAYS if retention_days is None else retention_days
    before = now - timedelta(days=days)
    return {
        "attempts": AccessAttempt.objects.filter(attempt_time__lt=now - get_cool_off()).delete()[0],
        "logins": AccessLog.objects.filter(attempt_time__lt=before).delete()[0],
        "failures": AccessFailureLog.objects.filter(attempt_time__lt=before).delete()[0],
    }
