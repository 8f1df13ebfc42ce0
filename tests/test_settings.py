"""The settings module: embedded defaults, and refusal to run insecurely."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run_settings(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTEST_VERSION", "SECRET_KEY", "DEBUG", "DATABASE_URL", "CELERY_BROKER_URL"}
    }
    clean.update(env)
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.LANGUAGE_CODE, s.TIME_ZONE)"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = _run_settings(DEBUG="false", DJANGO_SETTINGS_MODULE="portail.settings")
    assert result.returncode != 0
    assert "SECRET_KEY est obligatoire" in result.stderr


def test_embedded_defaults_need_no_server(tmp_path):
    result = _run_settings(
        DEBUG="true",
        DJANGO_SETTINGS_MODULE="portail.settings",
        VAR_DIR=str(tmp_path),
        DATABASE_URL="",
        CELERY_BROKER_URL="",
    )
    assert result.returncode == 0, result.stderr
    engine, broker, language, tz = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert broker == "filesystem://"
    assert (language, tz) == ("fr-fr", "Europe/Paris")
    # The filesystem broker's folders are created on start.
    assert (tmp_path / "celery" / "queue").is_dir()
