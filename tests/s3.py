"""A real S3-compatible server for the tests: moto in server mode on a free port of
127.0.0.1, started once per session (on first use) and stopped by its pid at the end.

``s3_storage`` gives a test its own empty bucket and points ``STORAGES["default"]`` at it,
with the options of the settings' S3 block (``portail/settings.py``).
"""

import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest
import requests
from botocore.config import Config

MOTO_SERVER = Path(sys.executable).with_name("moto_server")
CREDENTIALS = {
    "aws_access_key_id": "cle-de-test",
    "aws_secret_access_key": "secret-de-test",
    "region_name": "eu-west-3",
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoServer:
    """One ``moto_server`` process; ``stop()`` ends that process only, ``start()`` runs it again."""

    def __init__(self, log_path):
        self.log_path = log_path
        self.process = None
        self.endpoint = None

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def start(self, timeout=60):
        port = free_port()
        self.endpoint = f"http://127.0.0.1:{port}"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto_server s'est arrêté (voir {self.log_path})")
            try:
                requests.get(self.endpoint, timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto_server ne répond pas après {timeout} s (voir {self.log_path})")

    def stop(self):
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, **CREDENTIALS)


def s3_storage_settings(bucket, endpoint):
    """``STORAGES["default"]`` as the settings build it when ``S3_BUCKET`` is set."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "location": "",
            "endpoint_url": endpoint,
            "access_key": CREDENTIALS["aws_access_key_id"],
            "secret_key": CREDENTIALS["aws_secret_access_key"],
            "region_name": CREDENTIALS["region_name"],
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
            "client_config": Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                connect_timeout=5,
                read_timeout=20,
                retries={"mode": "standard", "max_attempts": 3},
            ),
            "max_memory_size": 2 * 1024 * 1024,
        },
    }


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto_server.log")
    yield server
    server.stop()


@pytest.fixture
def s3_storage(s3_server, settings):
    """An empty private bucket on the moto server, as the portal's default storage.
    Yields its name, the server and a boto3 client (to look into the bucket)."""
    if not s3_server.running:
        s3_server.start()
    client = s3_server.client()
    bucket = f"portail-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": CREDENTIALS["region_name"]})
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings(bucket, s3_server.endpoint)}
    return SimpleNamespace(bucket=bucket, server=s3_server, client=client, keys=lambda: _keys(client, bucket))


def _keys(client, bucket):
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", []))


@pytest.fixture
def s3_unreachable(settings):
    """The default storage on an S3 endpoint where nothing listens (a store that is down)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage_settings("portail", f"http://127.0.0.1:{free_port()}"),
    }
