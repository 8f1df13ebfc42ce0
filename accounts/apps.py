from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default = True  # the module also holds the throttling app's configuration
    name = "accounts"
    verbose_name = "Comptes et rôles"

    def ready(self):
        from . import checks, proconnect  # noqa: F401  (registers the checks and the user_logged_in receiver)


class AxesConfig(AxesAppConfig):
    """django-axes under a French name in the admin (its models are already translated)."""

    default = False
    verbose_name = "Tentatives de connexion"
