from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Comptes et rôles"

    def ready(self):
        from . import proconnect  # noqa: F401  (connects its user_logged_in receiver)
