"""Health endpoints: /sante/ fails when the database or the storage is down, /sante/complet/
also when no worker answers; both answer without a login."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_live_check_reports_database_and_storage(client):
    response = client.get(reverse("healthcheck"), {"format": "text"})
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert [line.split("(")[0] for line in lines] == ["Database", "Storage"]
    assert all(line.endswith(": OK") for line in lines)
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_page_for_people_is_french(client):
    page = client.get(reverse("healthcheck"), HTTP_ACCEPT="text/html").content.decode()
    assert '<html lang="fr">' in page and "État du service : opérationnel" in page


@pytest.mark.django_db
def test_live_check_fails_when_the_storage_cannot_be_written(client, settings, tmp_path):
    blocker = tmp_path / "un-fichier"
    blocker.write_text("")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "media")},
        },
    }
    response = client.get(reverse("healthcheck"), {"format": "text"})
    assert response.status_code == 500
    storage_line = next(line for line in response.content.decode().splitlines() if line.startswith("Storage"))
    assert not storage_line.endswith(": OK")


def test_live_check_fails_when_the_database_is_unreachable():
    """A second database address on a closed port stands for a database server that is down."""
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/sante/', {'format': 'text'}); print(r.status_code); print(r.content.decode())"
    )
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:9/portail",
        "DJANGO_SETTINGS_MODULE": "portail.settings",
    }
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    status, *lines = result.stdout.split("\n")
    assert status == "500", result.stderr
    database_line = next(line for line in lines if line.startswith("Database"))
    assert not database_line.endswith(": OK")


@pytest.mark.django_db
def test_full_check_answers_the_monitoring_only(client, settings):
    settings.HEALTHCHECK_TOKEN = "jeton-de-supervision"
    assert client.get(reverse("healthcheck_full")).status_code == 404
    assert client.get(reverse("healthcheck_full"), HTTP_AUTHORIZATION="Bearer autre").status_code == 404


@pytest.mark.django_db
def test_full_check_fails_when_no_worker_answers(client, settings):
    settings.HEALTHCHECK_TOKEN = "jeton-de-supervision"
    response = client.get(
        reverse("healthcheck_full"), {"format": "json"}, HTTP_AUTHORIZATION="Bearer jeton-de-supervision"
    )
    assert response.status_code == 500
    results = response.json()
    assert [value for key, value in results.items() if key.startswith("Ping")] != ["OK"]
    assert results[next(key for key in results if key.startswith("Database"))] == "OK"


@pytest.mark.heavy  # a moto server: run once, in CI's PostgreSQL pass
@pytest.mark.django_db
def test_live_check_passes_on_s3_and_fails_when_the_s3_server_stops(client, s3_storage):
    def storage_line(response):
        return next(line for line in response.content.decode().splitlines() if line.startswith("Storage"))

    response = client.get(reverse("healthcheck"), {"format": "text"})
    assert response.status_code == 200, response.content
    assert storage_line(response).endswith(": OK")
    assert s3_storage.keys() == []  # the probe file was written, read back and deleted
    s3_storage.server.stop()  # the process the fixture started, by its pid
    response = client.get(reverse("healthcheck"), {"format": "text"})
    assert response.status_code == 500
    assert not storage_line(response).endswith(": OK")
    assert next(line for line in response.content.decode().splitlines() if line.startswith("Database")).endswith(": OK")
