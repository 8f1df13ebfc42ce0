"""System checks of the accounts app: a half-configured ProConnect stays off silently
otherwise (no button), which an operator would only notice from the agents' calls."""

from django.conf import settings
from django.core.checks import Warning, register

from .proconnect import REQUIRED_SETTINGS


@register()
def proconnect_settings(app_configs, **kwargs):
    missing = [name for name in REQUIRED_SETTINGS if not getattr(settings, name, "")]
    if missing and len(missing) < len(REQUIRED_SETTINGS):
        return [
            Warning(
                "ProConnect est configuré en partie seulement : le bouton reste masqué.",
                hint=f"Variables manquantes : {', '.join(missing)} (voir docs/deployment.md).",
                id="accounts.W001",
            )
        ]
    if not missing and not getattr(settings, "OIDC_OP_LOGOUT_ENDPOINT", ""):
        return [
            Warning(
                "ProConnect est configuré sans OIDC_OP_LOGOUT_ENDPOINT : la déconnexion du portail "
                "ne ferme pas la session ProConnect de l'agent.",
                id="accounts.W002",
            )
        ]
    return []
