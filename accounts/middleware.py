import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from . import second_factor
from .proconnect import provider_origins
from .scope import Scope


class ScopeMiddleware:
    """Puts ``request.scope`` (the user's memberships, loaded once) on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.scope = SimpleLazyObject(lambda: Scope.for_user(request.user))
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """A strict Content-Security-Policy: scripts only from our origin or with the nonce."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if request.path.startswith("/admin/"):
            # The Django admin uses inline scripts of its own.
            script_src = "'self' 'unsafe-inline'"
        else:
            script_src = f"'self' 'nonce-{request.csp_nonce}'"
        # The logout form of a ProConnect session redirects to ProConnect's end_session.
        form_action = " ".join(["'self'", *provider_origins()])
        response.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src {script_src}; "
            "style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
            f"object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action {form_action}",
        )
        return response


class SecondFactorMiddleware:
    """Fails closed: an authenticated session that owes the second factor (see
    :func:`accounts.second_factor.is_required`) reaches only the second-factor pages,
    logout, static files and the health check; every other URL — the admin included —
    redirects to verification, or to enrolment when the user has no device yet."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.user.is_authenticated
            and not second_factor.is_verified(request)  # first: most requests stop here
            and not self.is_exempt(request.path)
            and second_factor.is_required(request)
        ):
            return self.redirect(request)
        return self.get_response(request)

    @staticmethod
    def is_exempt(path):
        return path in {reverse(name) for name in SECOND_FACTOR_EXEMPT_URL_NAMES} or path.startswith(
            (settings.STATIC_URL, settings.MEDIA_URL)
        )

    @staticmethod
    def redirect(request):
        if second_factor.is_enrolled(request.user):
            target = reverse("accounts:second_factor")
        else:
            target = reverse("accounts:second_factor_setup")
        if request.method == "GET" and not request.headers.get("HX-Request"):
            target += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            # An HTMX fragment would swap the whole form page into a corner of the page.
            return HttpResponse(status=204, headers={"HX-Redirect": target})
        return HttpResponseRedirect(target)


# Pages a session that owes the second factor may still open (besides STATIC_URL and
# MEDIA_URL, which only prefix files).
SECOND_FACTOR_EXEMPT_URL_NAMES = (
    "accounts:second_factor",
    "accounts:second_factor_setup",
    "accounts:logout",
    "healthcheck",
)
