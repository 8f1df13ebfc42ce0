from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Comptes et rôles"

    def ready(self):
        from . import checks, proconnect  # noqa: F401  (registers the checks and the user_logged_in receiver)
