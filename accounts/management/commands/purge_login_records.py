from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.throttling import purge_login_records


class Command(BaseCommand):
    help = (
        "Supprime les compteurs d'échecs de connexion expirés (plus anciens que AXES_COOLOFF_MINUTES) "
        "et les journaux de connexion plus anciens que la durée de conservation. À planifier chaque nuit."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--jours",
            type=int,
            default=None,
            help=f"durée de conservation des journaux, en jours (par défaut {settings.LOGIN_RECORDS_RETENTION_DAYS})",
        )

    def handle(self, *args, jours=None, **options):
        counts = purge_login_records(retention_days=jours)
        self.stdout.write(
            f"Supprimés : {counts['attempts']} compteur(s) d'échecs, {counts['logins']} connexion(s) "
            f"et {counts['failures']} échec(s) journalisés."
        )
