"""ProConnect: agents log in with their administration's identity (OpenID Connect).

mozilla-django-oidc runs the authorization-code flow; this module adapts it to the
portal. ProConnect never opens an account: the e-mail address it returns is matched
(case-insensitively) to an existing, active user who holds at least one active
membership, and anyone else gets the « aucun compte » page. The whole feature is off
until the client and the provider's endpoints are configured (settings, read from the
environment): no button, and its URLs answer 404.

A session opened through ProConnect carries ``portail_auth_method = "proconnect"`` (the
second factor is skipped for it: ProConnect's identity providers already checked the
agent) and ProConnect's id_token, which our logout sends back to ProConnect's
end_session endpoint as ``id_token_hint``.
"""

import logging
import secrets
from urllib.parse import urlencode, urlsplit

import jwt
import requests
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import SuspiciousOperation
from django.dispatch import receiver
from django.http import Http404
from django.shortcuts import render, resolve_url
from django.utils.decorators import method_decorator
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from .models import Membership

logger = logging.getLogger(__name__)

BACKEND_PATH = "accounts.proconnect.ProConnectBackend"
AUTH_METHOD_KEY = "portail_auth_method"  # read by the second-factor middleware
AUTH_METHOD = "proconnect"
ID_TOKEN_KEY = "oidc_id_token"  # where mozilla-django-oidc stores it (OIDC_STORE_ID_TOKEN)
REQUIRED_SETTINGS = (
    "OIDC_RP_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
)


def is_configured():
    """True when the client and every endpoint the login needs are set."""
    return all(getattr(settings, name, "") for name in REQUIRED_SETTINGS)


def provider_origins():
    """The provider's origins our pages may send a form to (the logout redirects there)."""
    if not is_configured():
        return []
    urls = (settings.OIDC_OP_AUTHORIZATION_ENDPOINT, getattr(settings, "OIDC_OP_LOGOUT_ENDPOINT", ""))
    return sorted({f"{parts.scheme}://{parts.netloc}" for parts in map(urlsplit, urls) if parts.netloc})


def is_proconnect_session(request):
    return request.session.get(AUTH_METHOD_KEY) == AUTH_METHOD


def _end_session_url(request, id_token):
    query = {
        "id_token_hint": id_token,
        "state": secrets.token_urlsafe(16),
        "post_logout_redirect_uri": request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL)),
    }
    return f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{urlencode(query)}"


def provider_logout_url(request):
    """Where the browser goes on logout (``OIDC_OP_LOGOUT_URL_METHOD``): ProConnect's
    end_session, with the id_token as hint, for a session opened through ProConnect;
    our own logout page otherwise. Call it before the session is flushed."""
    id_token = request.session.get(ID_TOKEN_KEY)
    if is_configured() and settings.OIDC_OP_LOGOUT_ENDPOINT and id_token and is_proconnect_session(request):
        return _end_session_url(request, id_token)
    return resolve_url(settings.LOGOUT_REDIRECT_URL)


class ProConnectBackend(OIDCAuthenticationBackend):
    """Matches ProConnect's e-mail claim to an existing account; never creates one."""

    def authenticate(self, request, **credentials):
        # Only the callback view passes a nonce: a password login never reaches the
        # provider, even with ``code`` and ``state`` in its query string.
        if request is None or "nonce" not in credentials or not is_configured():
            return None
        return super().authenticate(request, **credentials)

    def store_tokens(self, access_token, id_token):
        super().store_tokens(access_token, id_token)
        # login() flushes the session when another user was logged in: the signal
        # receiver below puts the id_token back from here.
        self.request.proconnect_id_token = id_token

    def filter_users_by_claims(self, claims):
        email = (claims.get("email") or "").strip()
        if not email:
            return self.UserModel.objects.none()
        members = Membership.objects.active().values("user_id")
        return self.UserModel.objects.filter(email__iexact=email, is_active=True, pk__in=members)

    def get_or_create_user(self, access_token, id_token, payload):
        user = super().get_or_create_user(access_token, id_token, payload)
        if user is None:
            # Known to ProConnect, unknown here (or without an active role): the callback
            # answers with the « aucun compte » page.
            self.request.proconnect_refused = True
        return user

    def create_user(self, claims):
        """Never: accounts are opened by invitation only (OIDC_CREATE_USER is False too)."""
        return None

    def update_user(self, user, claims):
        if not user.full_name:
            full_name = " ".join(filter(None, (claims.get("given_name"), claims.get("usual_name"))))
            if full_name:
                user.full_name = full_name
                user.save(update_fields=["full_name", "updated_at"])
        return user

    def get_user(self, user_id):
        # ModelBackend's: an account deactivated since the login loses its session.
        return ModelBackend.get_user(self, user_id)


class OnlyWhenConfiguredMixin:
    def dispatch(self, request, *args, **kwargs):
        if not is_configured():
            raise Http404("ProConnect n'est pas configuré.")
        return super().dispatch(request, *args, **kwargs)


@method_decorator(login_not_required, name="dispatch")
class AuthenticateView(OnlyWhenConfiguredMixin, OIDCAuthenticationRequestView):
    """The ProConnect button: sends the browser to ProConnect's authorization endpoint."""


@method_decorator(login_not_required, name="dispatch")
class CallbackView(OnlyWhenConfiguredMixin, OIDCAuthenticationCallbackView):
    """ProConnect sends the browser back here; every failure gets a French page."""

    def get(self, request):
        try:
            return super().get(request)
        except SuspiciousOperation as error:
            logger.warning("ProConnect : réponse refusée (%s)", error)
            return self._error(400, "La réponse de ProConnect n'a pas pu être vérifiée.")
        except (requests.RequestException, jwt.PyJWTError, ValueError, KeyError) as error:
            logger.warning("ProConnect injoignable ou réponse invalide (%s)", error)
            return self._error(502, "ProConnect ne répond pas pour le moment.")

    def login_failure(self):
        if getattr(self.request, "proconnect_refused", False):
            # The id_token of a refused visit is not kept in the session; it only lets the
            # agent leave ProConnect to come back with another identity.
            id_token = self.request.session.pop(ID_TOKEN_KEY, None)
            logout_url = (
                _end_session_url(self.request, id_token) if id_token and settings.OIDC_OP_LOGOUT_ENDPOINT else ""
            )
            return render(
                self.request, "accounts/proconnect_no_account.html", {"provider_logout_url": logout_url}, status=403
            )
        return self._error(400, "La connexion avec ProConnect n'a pas abouti.")

    def _error(self, status, reason):
        return render(self.request, "accounts/proconnect_error.html", {"reason": reason}, status=status)


@receiver(user_logged_in, dispatch_uid="accounts.proconnect.remember_auth_method")
def remember_auth_method(sender, request, user, **kwargs):
    """Marks the session with how the user logged in; a password login clears the mark
    and the id_token of an earlier ProConnect login in the same session."""
    if request is None or not hasattr(request, "session"):
        return
    if request.session.get(BACKEND_SESSION_KEY) == BACKEND_PATH:  # set by login() just before
        request.session[AUTH_METHOD_KEY] = AUTH_METHOD
        id_token = getattr(request, "proconnect_id_token", None)
        if id_token:
            request.session[ID_TOKEN_KEY] = id_token
    else:
        request.session.pop(AUTH_METHOD_KEY, None)
        request.session.pop(ID_TOKEN_KEY, None)
