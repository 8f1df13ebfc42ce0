"""Celery application: configuration comes from Django settings (CELERY_*)."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portail.settings")

app = Celery("portail")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def refuse_to_start_without_secret_key(**kwargs):
    """A worker signs links in e-mails (invitations, sign-up): like the web server, it does
    not start without a secret key (see :mod:`core.checks`)."""
    from core.checks import MISSING_KEY, has_secret_key

    if not has_secret_key():
        # SystemExit, because Celery logs and ignores the exceptions of signal receivers.
        raise SystemExit(MISSING_KEY)
