from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Socle commun"

    def ready(self):
        from post_office.signals import email_queued

        from . import checks  # noqa: F401  (registers the secret-key check)
        from .mail import dispatch_queued_mail

        email_queued.connect(dispatch_queued_mail, dispatch_uid="core.mail.dispatch_queued_mail")
