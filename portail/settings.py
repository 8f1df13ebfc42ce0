"""Settings of the portal, read from the environment with embedded defaults.

With no configuration at all the portal runs on SQLite and a Celery broker that needs
no server (kombu's filesystem transport), both under ``var/``. Production selects
PostgreSQL, Redis and a real e-mail server with environment variables only.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django_guid.integrations import CeleryIntegration

from core.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    env.read_env(str(env_file))

# pytest (>= 8.2) sets PYTEST_VERSION while it runs.
TESTING = "PYTEST_VERSION" in os.environ

# Fail closed: without variables DEBUG is off and there is no secret key, so nothing
# serves: runserver, gunicorn and the Celery workers refuse to start (core/checks.py).
# `make run` and `make test` set their development values explicitly (DEBUG=true and a
# random key kept in var/secret_key, see scripts/dev_secret_key.sh). Only a pytest
# process, which no deployment is, gets a key of its own.
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY and TESTING:
    SECRET_KEY = "tests-only-key-set-because-PYTEST_VERSION-is-in-the-environment"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "widget_tweaks",  # loaded by django-dsfr's field templates, which the DSFR pack reuses
    "dsfr",
    "crispy_forms",
    "django_filters",
    "django_htmx",
    "simple_history",
    "health_check",
    "django_guid",
    "post_office",
    "core",
    "accounts",
    "cites",
    "actions",
    "financements",
    "pilotage",
    "demo",
]

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "core.logging.LogContextMiddleware",
    "accounts.middleware.ScopeMiddleware",
    "accounts.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.storage.StorageUnavailableMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "portail.urls"
WSGI_APPLICATION = "portail.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portail.menu.navigation",
            ],
            "builtins": ["core.templatetags.formatting"],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# An empty variable counts as unset: the embedded default applies.
DATABASES = {
    "default": env.db_url_config(env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'portail.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the Celery worker write to the same file: WAL and immediate
    # transactions avoid "database is locked" errors.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day
INVITATION_VALIDITY_DAYS = env.int("INVITATION_VALIDITY_DAYS", default=14)

# --- Login throttling: django-axes, with our rules in accounts/throttling.py -----------
# A wrong password counts against the (account, address) pair: after AXES_FAILURE_LIMIT
# failures that pair is refused for AXES_COOLOFF_MINUTES, so nobody locks someone else out
# from another address. Per account, from any address, each failure past
# LOGIN_DELAY_AFTER makes the next attempt wait LOGIN_DELAY_BASE seconds, doubled at each
# further failure, up to LOGIN_DELAY_MAX: a refusal that says how long, never a sleep.
# Addresses the account logged in from lately are spared that delay (not the pair lock).
INSTALLED_APPS += ["accounts.apps.AxesConfig"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last: it turns a refusal into the 429 page
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_HANDLER = "accounts.throttling.ThrottlingHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a refused attempt is not a failure
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.throttling.username_of"
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.throttling.lockout_response"
AXES_VERBOSE = False
# Proxies in front of the portal that append the client's address to X-Forwarded-For.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if env.bool("BEHIND_TLS_PROXY", default=False) else 0)
LOGIN_DELAY_AFTER = env.int("LOGIN_DELAY_AFTER", default=5)
LOGIN_DELAY_BASE = env.int("LOGIN_DELAY_BASE", default=1)
LOGIN_DELAY_MAX = env.int("LOGIN_DELAY_MAX", default=60)
LOGIN_RECORDS_RETENTION_DAYS = env.int("LOGIN_RECORDS_RETENTION_DAYS", default=90)

# ProConnect (OpenID Connect, mozilla-django-oidc): off until the client and the endpoints
# are set (docs/deployment.md). PROCONNECT_URL is ProConnect's API base,
# https://<PROCONNECT_DOMAIN>/api/v2, from which each OIDC_OP_* endpoint defaults.
PROCONNECT_URL = env.str("PROCONNECT_URL", default="").rstrip("/")


def _proconnect_endpoint(name, path):
    return env.str(name, default=f"{PROCONNECT_URL}/{path}" if PROCONNECT_URL else "")


OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = _proconnect_endpoint("OIDC_OP_AUTHORIZATION_ENDPOINT", "authorize")
OIDC_OP_TOKEN_ENDPOINT = _proconnect_endpoint("OIDC_OP_TOKEN_ENDPOINT", "token")
OIDC_OP_USER_ENDPOINT = _proconnect_endpoint("OIDC_OP_USER_ENDPOINT", "userinfo")
OIDC_OP_JWKS_ENDPOINT = _proconnect_endpoint("OIDC_OP_JWKS_ENDPOINT", "jwks")
OIDC_OP_LOGOUT_ENDPOINT = _proconnect_endpoint("OIDC_OP_LOGOUT_ENDPOINT", "session/end")
OIDC_RP_SIGN_ALGO = "RS256"  # id_token and userinfo (a signed JWT) alike
OIDC_RP_SCOPES = "openid email given_name usual_name"
OIDC_CREATE_USER = False  # accounts are opened by invitation only
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of the logout
OIDC_OP_LOGOUT_URL_METHOD = "accounts.proconnect.provider_logout_url"
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)
AUTHENTICATION_BACKENDS += ["accounts.proconnect.ProConnectBackend"]  # after axes and ModelBackend

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# --- Second factor (django-otp) -------------------------------------------------------
# TOTP for staff who log in with a password, recovery codes, optional for partners
# (accounts/second_factor.py). OTPMiddleware must come right after AuthenticationMiddleware;
# SecondFactorMiddleware fails closed on every page but the exempt ones.
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
_after = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
MIDDLEWARE.insert(_after, "django_otp.middleware.OTPMiddleware")
_after = MIDDLEWARE.index("accounts.middleware.ContentSecurityPolicyMiddleware") + 1
MIDDLEWARE.insert(_after, "accounts.middleware.SecondFactorMiddleware")
OTP_TOTP_ISSUER = "Portail Cité éducative"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a secret or a recovery code

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
# Uploaded files are never served by URL: every download goes through a view that
# checks permissions, so there is no MEDIA_URL route.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media-non-servi/"
# Media on S3-compatible object storage when S3_BUCKET is set (several machines share it),
# on the local disk under MEDIA_ROOT otherwise. Private either way: downloads stream
# through the permission-checked views (core/files.py), never from a bucket URL.
# Without S3_ACCESS_KEY, boto3 looks for its usual credentials (AWS_* variables, role).
S3_BUCKET = env.str("S3_BUCKET", default="")
MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if S3_BUCKET:
    from botocore.config import Config as BotoConfig

    MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "location": env.str("S3_PREFIX", default=""),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY", default="") or None,
            "secret_key": env.str("S3_SECRET_KEY", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
            # s3v4 signatures and path-style addresses suit every S3-compatible server; short
            # timeouts and few retries, so an unreachable store fails a request in seconds.
            "client_config": BotoConfig(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                connect_timeout=5,
                read_timeout=20,
                retries={"mode": "standard", "max_attempts": 3},
            ),
            "max_memory_size": 2 * 1024 * 1024,  # a download larger than this spills to a temp file
        },
    }
STORAGES = {
    "default": MEDIA_STORAGE,
    # The manifest variant rewrites DSFR's CSS and breaks its integrity hashes.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
# Every upload (attachments, conventions, meeting documents): one limit, checked by core.uploads.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)

# --- E-mail ---------------------------------------------------------------------------
# Durable e-mail (django-post-office): every mail is a database row written in the
# transaction of the change that causes it (core.mail.queue_mail); a Celery task sends
# it after the commit, and the beat sweep below retries what the broker or the SMTP
# server missed. EMAIL_URL names the real transport; EMAIL_BACKEND queues, so a stray
# send_mail() is durable too.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Portail Cité éducative <ne-pas-repondre@example.org>")
POST_OFFICE = {
    "BACKENDS": {"default": EMAIL_BACKEND},  # noqa: F821  (set by env.email_url above)
    # Dispatch is ours (core.mail): post-office's own Celery hook turns a broker outage
    # into an error after the commit, and its lock file does not span machines.
    "CELERY_ENABLED": False,
    "DEFAULT_PRIORITY": "medium",
    "MAX_RETRIES": env.int("MAIL_MAX_RETRIES", default=12),  # 12 × 15 min: three hours of retries
    "RETRY_INTERVAL": timedelta(
        seconds=env.int("MAIL_RETRY_SECONDS", default=60 * env.int("MAIL_RETRY_MINUTES", default=15))
    ),
    "SENDING_ORDER": ["-priority", "id"],
    "LOG_LEVEL": 2,  # a log line per attempt, sent or failed, shown in the admin
}
EMAIL_BACKEND = "post_office.EmailBackend"
MAIL_KEEP_DAYS = env.int("MAIL_KEEP_DAYS", default=90)  # sent and failed mails are then deleted
LOCALE_PATHS = [BASE_DIR / "locale"]  # French labels of post-office's admin (it ships none)

# --- Celery ---------------------------------------------------------------------------
CELERY_QUEUE_DIR = VAR_DIR / "celery"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "filesystem://"
# Redis gives an unacknowledged message to another worker after visibility_timeout: above
# the hard time limit, so no running task is ever duplicated (dead workers' reports are
# reclaimed sooner by the sweep, pilotage.jobs). A dead broker fails fast (2 s connect).
# The restore of unacknowledged messages (a worker machine that died) runs every
# interval × throttle seconds: 10 × 10 by default in kombu, 5 × 1 here.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": 2,
    "unacked_restore_interval": 5,
    "unacked_restore_throttle": 1,
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (CELERY_QUEUE_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "data_folder_in": str(CELERY_QUEUE_DIR / "queue"),
        "data_folder_out": str(CELERY_QUEUE_DIR / "queue"),
        "processed_folder": str(CELERY_QUEUE_DIR / "processed"),
        "control_folder": str(CELERY_QUEUE_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # a killed pool child's task is redelivered at once
# The longest task renders a 500-action COPIL dossier in 84 s (docs/benchmarks.md). Soft:
# the task stops and is queued again; hard: the pool child is killed.
# Shorter limits only for the deployment test (scripts/deployment_test.py), which kills a
# worker and waits for the sweep; the visibility timeout must stay above the hard limit.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
# Report requests per user and window (pilotage.services.request_report): each one costs a
# worker up to minutes of PDF rendering.
REPORT_REQUESTS_LIMIT = env.int("REPORT_REQUESTS_LIMIT", default=10)
REPORT_REQUESTS_WINDOW = timedelta(minutes=env.int("REPORT_REQUESTS_WINDOW_MINUTES", default=10))
# A request never waits on a dead broker: one quick retry, then the report stays queued
# and the sweep sends it (pilotage.jobs).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# The report sweep's thresholds (pilotage.jobs): a request the broker never got is sent
# again after REPORT_DISPATCH_GRACE; one the broker got but nobody took (a broker restarted
# without persistence), after REPORT_LOST_AFTER; a running report silent for the hard time
# limit plus REPORT_HEARTBEAT_MARGIN lost its worker.
REPORT_DISPATCH_GRACE = timedelta(seconds=env.int("REPORT_DISPATCH_GRACE_SECONDS", default=60))
REPORT_LOST_AFTER = timedelta(seconds=env.int("REPORT_LOST_AFTER_SECONDS", default=3600))
REPORT_HEARTBEAT_MARGIN = timedelta(seconds=env.int("REPORT_HEARTBEAT_MARGIN_SECONDS", default=60))
SWEEP_SECONDS = float(env.int("SWEEP_SECONDS", default=60))  # the mail and report sweeps
# Periodic tasks, run by exactly one `celery -A portail beat` process (docs/deployment.md).
CELERY_BEAT_SCHEDULE = {
    "mail-sweep": {"task": "core.tasks.send_queued_mail", "schedule": SWEEP_SECONDS},
    "mail-cleanup": {"task": "core.tasks.cleanup_mail", "schedule": crontab(hour=3, minute=40)},
    "sessions-purge": {"task": "core.tasks.clear_expired_sessions", "schedule": crontab(hour=3, minute=20)},
    "invitations-purge": {"task": "accounts.tasks.purge_expired_invitations", "schedule": crontab(hour=3, minute=0)},
    "login-records-purge": {"task": "accounts.tasks.purge_login_records", "schedule": crontab(hour=3, minute=10)},
    "pilotage-sweep-reports": {"task": "pilotage.tasks.sweep_reports", "schedule": SWEEP_SECONDS},
}
INVITATION_KEEP_DAYS = env.int("INVITATION_KEEP_DAYS", default=30)  # after expiry, then deleted

# --- Forms and front end --------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = ("dsfr",)
CRISPY_TEMPLATE_PACK = "dsfr"
DSFR_USE_INTEGRITY_CHECKSUMS = True

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 10
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The monitoring's key to /sante/complet/ (core/health.py); unset: the admins only.
HEALTHCHECK_TOKEN = env.str("HEALTHCHECK_TOKEN", default="")

# --- Logs and error reporting ------------------------------------------------------------
# JSON lines with request id (X-Request-ID, django-guid), user id and task id: core/logging.py.
LOGGING = logging_config(level=env.str("LOG_LEVEL", default="INFO"), json=env.bool("LOG_JSON", default=not DEBUG))
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True, log_parent=True)],
}
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:  # optional error reporting; no personal data is sent
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        send_default_pii=False,
        traces_sample_rate=0.0,
    )
