"""The settings module: embedded defaults, and refusal to run insecurely."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _clean_env(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTEST_VERSION", "SECRET_KEY", "DEBUG", "DATABASE_URL", "CELERY_BROKER_URL"}
    }
    clean.update(env)
    return clean


def _run(args, **env):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=_clean_env(**env), capture_output=True, text=True, timeout=60
    )


def _run_code(code, **env):
    return _run(["-c", code], **env)


def _run_settings(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTEST_VERSION", "SECRET_KEY", "DEBUG", "DATABASE_URL", "CELERY_BROKER_URL"}
    }
    clean.update(env)
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.LANGUAGE_CODE, s.TIME_ZONE, s.DEBUG)"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def test_refuses_to_start_without_secret_key_even_in_debug():
    """gunicorn (the WSGI module) refuses to start and `check --deploy` fails; commands
    that sign nothing (makemigrations) still run, with the warning."""
    for debug in ("false", "true"):
        env = {"DEBUG": debug, "DJANGO_SETTINGS_MODULE": "portail.settings"}
        served = _run_code("import portail.wsgi", **env)
        assert served.returncode != 0
        assert "SECRET_KEY est obligatoire" in served.stderr
        deploy = _run(["manage.py", "check", "--deploy"], **env)
        assert deploy.returncode != 0 and "portail.E001" in deploy.stderr
        migrations = _run(["manage.py", "makemigrations", "--check", "--dry-run"], **env)
        assert migrations.returncode == 0, migrations.stderr
        assert "portail.W001" in migrations.stderr


def test_the_worker_refuses_to_start_without_secret_key(tmp_path):
    """The worker signs the links of the e-mails it sends: it refuses to start, in French."""
    env = {"DJANGO_SETTINGS_MODULE": "portail.settings", "VAR_DIR": str(tmp_path)}
    celery = str(Path(sys.executable).with_name("celery"))
    worker = subprocess.run(
        [celery, "-A", "portail", "worker", "--pool", "solo", "--loglevel", "warning"],
        cwd=ROOT,
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert worker.returncode != 0
    assert "SECRET_KEY est obligatoire" in worker.stderr + worker.stdout


def test_debug_is_off_unless_asked_for(tmp_path):
    result = _run_settings(SECRET_KEY="k" * 50, DJANGO_SETTINGS_MODULE="portail.settings", VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "False"


def test_the_documented_staging_mode_sends_cookies_over_plain_http(tmp_path):
    """docs/deployment.md's staging block: DEBUG off, cookies without Secure (http)."""
    doc = (ROOT / "docs" / "deployment.md").read_text()
    assert "export SESSION_COOKIE_SECURE=false" in doc.split("## Mode recette", 1)[1]
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    env = {"SECRET_KEY": "k" * 50, "DEBUG": "false", "SESSION_COOKIE_SECURE": "false", "VAR_DIR": str(tmp_path)}
    staging = _run_code(code, DJANGO_SETTINGS_MODULE="portail.settings", **env)
    assert staging.stdout.split() == ["False", "False", "False"], staging.stderr
    env.pop("SESSION_COOKIE_SECURE")
    production = _run_code(code, DJANGO_SETTINGS_MODULE="portail.settings", **env)
    assert production.stdout.split() == ["False", "True", "True"], production.stderr


def test_the_development_key_is_random_private_and_kept(tmp_path):
    def key(var_dir):
        env = {**os.environ, "VAR_DIR": str(var_dir)}
        return subprocess.run(
            ["bash", "scripts/dev_secret_key.sh"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        ).stdout

    first = key(tmp_path / "a")
    assert len(first) >= 50
    assert key(tmp_path / "a") == first
    assert key(tmp_path / "b") != first
    assert (tmp_path / "a" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_embedded_defaults_need_no_server(tmp_path):
    result = _run_settings(
        DEBUG="true",
        SECRET_KEY="k" * 50,
        DJANGO_SETTINGS_MODULE="portail.settings",
        VAR_DIR=str(tmp_path),
        DATABASE_URL="",
        CELERY_BROKER_URL="",
    )
    assert result.returncode == 0, result.stderr
    engine, broker, language, tz, debug = result.stdout.split()
    assert debug == "True"
    assert engine == "django.db.backends.sqlite3"
    assert broker == "filesystem://"
    assert (language, tz) == ("fr-fr", "Europe/Paris")
    # The filesystem broker's folders are created on start.
    assert (tmp_path / "celery" / "queue").is_dir()


def test_check_deploy_is_clean_with_the_variables_of_the_deployment_guide(tmp_path):
    """The `export` lines of docs/deployment.md's production section, as written (placeholders filled in), pass
    `check --deploy --fail-level WARNING` outside pytest's process."""
    guide = (ROOT / "docs" / "deployment.md").read_text().split("## Production type", 1)[1].split("\n## ", 1)[0]
    variables = {}
    for line in guide.splitlines():
        if line.startswith("export "):
            for assignment in line.removeprefix("export ").split("#")[0].split():
                name, _, value = assignment.partition("=")
                variables[name] = value
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "SITE_URL"} <= set(variables)
    variables["SECRET_KEY"] = secrets.token_urlsafe(50)
    variables = {name: value.replace("…", "x") for name, value in variables.items()}
    variables.update(MEDIA_ROOT=str(tmp_path / "media"), STATIC_ROOT=str(tmp_path / "static"))
    pytest_only = {"PYTEST_VERSION", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in pytest_only}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, **variables, "DJANGO_SETTINGS_MODULE": "portail.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def _media_storage(tmp_path, **env):
    """The default storage built by the settings in a fresh process, described as text."""
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "from django.core.files.storage import storages; st = storages['default']; "
        "print(s.STORAGES['default']['BACKEND']); "
        "print(getattr(st, 'location', ''), s.MEDIA_ROOT); "
        "print(getattr(st, 'bucket_name', ''), getattr(st, 'endpoint_url', ''), getattr(st, 'region_name', ''), "
        "getattr(st, 'access_key', '')); "
        "print(getattr(st, 'default_acl', ''), getattr(st, 'querystring_auth', ''), "
        "getattr(st, 'file_overwrite', ''), getattr(st, 'querystring_expire', '')); "
        "c = getattr(st, 'client_config', None); print(c and c.signature_version, c and c.s3)"
    )
    env = {"SECRET_KEY": "k" * 50, "DJANGO_SETTINGS_MODULE": "portail.settings", "VAR_DIR": str(tmp_path), **env}
    result = _run_code(code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_media_go_to_s3_when_a_bucket_is_configured_and_to_the_disk_otherwise(tmp_path):
    s3 = {
        "S3_BUCKET": "portail-medias",
        "S3_ENDPOINT_URL": "https://s3.example.org",
        "S3_ACCESS_KEY": "cle",
        "S3_SECRET_KEY": "secret",
        "S3_REGION": "fr-par",
    }
    backend, _location, target, options, client = _media_storage(tmp_path, **s3)
    assert backend == "storages.backends.s3.S3Storage"
    assert target == "portail-medias https://s3.example.org fr-par cle"
    assert options == "private True False 300"  # private ACL, signed URLs only, never overwritten
    assert client == "s3v4 {'addressing_style': 'path'}"

    disk = {name: "" for name in s3}
    backend, location, *_ = _media_storage(tmp_path, MEDIA_ROOT=str(tmp_path / "medias"), **disk)
    assert backend == "django.core.files.storage.FileSystemStorage"
    assert location.split() == [str(tmp_path / "medias")] * 2
