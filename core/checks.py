"""The portal refuses to serve without a secret key (the settings fail closed).

Settings load without one, so that commands that sign nothing (``makemigrations``,
``collectstatic``) run on a bare checkout, with a warning; gunicorn and ASGI servers do not
start (:func:`require_secret_key`, called by ``portail/wsgi.py`` and ``portail/asgi.py``),
and ``check --deploy`` fails. Nothing can
sign with an empty key: Django refuses to read it.
"""

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

MISSING_KEY = (
    "SECRET_KEY est obligatoire : définissez la variable d'environnement SECRET_KEY "
    "(50 caractères aléatoires, hors du dépôt). En développement, « make run » la crée."
)


def has_secret_key():
    try:
        return bool(settings.SECRET_KEY)
    except ImproperlyConfigured:  # Django refuses to read an empty key
        return False


def require_secret_key():
    if not has_secret_key():
        raise ImproperlyConfigured(MISSING_KEY)


@register()
def secret_key_check(app_configs, **kwargs):
    return [] if has_secret_key() else [Warning(MISSING_KEY, id="portail.W001")]


@register(deploy=True)
def secret_key_deploy_check(app_configs, **kwargs):
    return [] if has_secret_key() else [Error(MISSING_KEY, id="portail.E001")]
