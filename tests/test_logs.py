"""Structured logs (JSON lines with request id, user id and task id) and optional Sentry."""

import gzip
import io
import json
import logging
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import brotli
import pytest
from celery import shared_task
from django.conf import settings
from django.utils.module_loading import import_string
from django_guid.log_filters import CorrelationId

from core.logging import ContextFilter

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def json_lines():
    """The portal's JSON formatter and filters, as configured in settings, on a buffer."""
    config = dict(settings.LOGGING["formatters"]["main"])
    config["fmt"] = config.pop("format")
    formatter = import_string(config.pop("()"))(**config)
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(formatter)
    handler.addFilter(CorrelationId())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


@pytest.mark.django_db
def test_a_request_log_line_carries_the_request_id_and_the_user(client, json_lines, django_user_model):
    user = django_user_model.objects.create_user(email="agent@example.fr", password="x" * 12, full_name="Agent")
    client.force_login(user)
    response = client.get("/page-qui-n-existe-pas/", HTTP_X_REQUEST_ID="5f0c3c52b0d94c4e9d3fbb1c6a7e2f10")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "5f0c3c52b0d94c4e9d3fbb1c6a7e2f10"
    line = next(line for line in json_lines() if line["logger"] == "django.request")
    assert line["level"] == "WARNING" and "/page-qui-n-existe-pas/" in line["message"]
    assert line["request_id"] == "5f0c3c52b0d94c4e9d3fbb1c6a7e2f10"
    assert line["user_id"] == user.pk and line["task_id"] is None
    assert "agent@example.fr" not in json.dumps(line)


@shared_task
def _task_that_logs():
    logging.getLogger("portail.test").info("tâche en cours")


def test_a_task_log_line_carries_the_task_id(json_lines):
    result = _task_that_logs.apply()
    line = next(line for line in json_lines() if line["logger"] == "portail.test")
    assert line["message"] == "tâche en cours"
    assert line["task_id"] == result.id


class _SentrySink(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            body = brotli.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_errors_reach_sentry_when_a_dsn_is_set(tmp_path):
    """A local HTTP server stands for Sentry (outside the machine in production)."""
    server = HTTPServer(("127.0.0.1", 0), _SentrySink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    code = (
        "import django, sentry_sdk; django.setup(); from django.test import Client; "
        "from django.test.utils import override_settings\n"
        "with override_settings(ROOT_URLCONF='tests.test_error_pages'):\n"
        "    print(Client(raise_request_exception=False).get('/panne/').status_code)\n"
        "sentry_sdk.flush(timeout=5)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portail.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SENTRY_DSN": f"http://cle@127.0.0.1:{server.server_port}/1",
    }
    try:
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.stdout.strip() == "500", result.stderr
    assert any(b"panne simul" in body for body in _SentrySink.received)
