import secrets

from django.utils.functional import SimpleLazyObject

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
