#!/usr/bin/env python3
"""The stack of the deployment test (scripts/deployment_test.py): one machine standing in
for several.

It starts, each on a free port of 127.0.0.1 and each stopped by its pid at the end (even
on failure): its own redis-server (never the shared 6379), the moto S3 server, an SMTP
sink that files every message it accepts, two gunicorn processes, two Celery workers
(prefork, concurrency 1) and one beat, with the commands of deploy/systemd/ (checked
with ``systemd-analyze verify``) and a production-like environment (DEBUG off, a
PostgreSQL database of its own on 127.0.0.1:5432, created then dropped). Then, over
HTTP as the demo partner, it posts messages (e-mails to the coordination) and asks for
PDF action sheets, and meanwhile kills a worker mid-render (SIGKILL), stops the broker
and stops the SMTP sink. It asserts that every report is done and downloadable and
every queued e-mail reached the sink exactly once, and prints each fault, what it
killed, what came back and how long it took.

"""

import email
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG = "postgres://postgres@127.0.0.1:5432"
PARTNER, PASSWORD = "partenaire.ales@example.org", "Demo-Cite-2026!"
TIMEOUT = 240  # seconds a recovery may take before the test fails

SINK = """
import sys, uuid, asyncio
from pathlib import Path
from aiosmtpd.controller import Controller
class Files:
    async def handle_DATA(self, server, session, envelope):
        Path(sys.argv[2], uuid.uuid4().hex + ".eml").write_bytes(envelope.original_content)
        return "250 OK"
Controller(Files(), hostname="127.0.0.1", port=int(sys.argv[1])).start()
asyncio.new_event_loop().run_forever()
"""

FAULTS = []  # (fault, what the user saw, what was recovered, time to recover)


def log(text):
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what, predicate, timeout=TIMEOUT, interval=0.5):
    """Poll ``predicate`` until it returns something true; its value, or a failure."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Délai dépassé ({timeout} s) : {what}")


def children_of(pid):
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            found.append(int(stat.parent.name))
    return found


class Processes:
    """Every process the test starts, each in its own process group, stopped by pid."""

    def __init__(self, logs):
        self.logs = logs
        self.running = {}

    def start(self, name, cmd, env=None):
        log_file = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 (kept open for the child)
        process = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running[name] = process
        log(f"démarré {name} (pid {process.pid})")
        return process

    def kill(self, name):
        """SIGKILL the process and its pool children (its process group): a machine lost."""
        process = self.running.pop(name)
        children = children_of(process.pid)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return process.pid, children

    def signal(self, name, signum):
        """SIGSTOP / SIGCONT to the process group: a machine frozen, then back."""
        os.killpg(self.running[name].pid, signum)
        return self.running[name].pid

    def stop(self, name, timeout=20):
        process = self.running.pop(name, None)
        if process is None or process.poll() is not None:
            return None
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass
        return process.pid

    def stop_all(self):
        for name in reversed(list(self.running)):
            pid = self.stop(name)
            if pid:
                log(f"arrêté {name} (pid {pid})")


def unit_commands(work):
    """The ExecStart lines of deploy/systemd/, for this checkout: verified by
    ``systemd-analyze verify`` when it can run here, then returned by unit name."""
    units = {}
    rendered = work / "units"
    rendered.mkdir()
    for unit in sorted((ROOT / "deploy" / "systemd").glob("*.service")):
        text = unit.read_text().replace("/srv/portail", str(ROOT)).replace("/var/lib/portail", str(work))
        (rendered / unit.name).write_text(text)
        units[unit.name] = re.search(r"^ExecStart=(.*)$", text, re.M).group(1).split()
    analyze = shutil.which("systemd-analyze")
    if analyze is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "systemd"], check=False, capture_output=True)
        analyze = shutil.which("systemd-analyze")
    if analyze is None:
        log("systemd-analyze absent : unités non vérifiées")
        return units
    names = [str(rendered / n.replace("@.", "@1.")) for n in units]
    for name in names:
        if "@1." in name:
            os.symlink(rendered / Path(name).name.replace("@1.", "@."), name)
    result = subprocess.run([analyze, "verify", *names], capture_output=True, text=True)
    assert result.returncode == 0, f"systemd-analyze verify : {result.stderr}"
    log(f"systemd-analyze verify : {len(names)} unités sans erreur")
    return units


def command(units, unit, **subs):
    """A unit's ExecStart with its specifiers (%i, %H) and the test's own sizes."""
    args = []
    for arg in units[unit]:
        for key, value in subs.items():
            arg = arg.replace(key, value)
        args.append(arg)
    return args


class Deployment:
    def __init__(self, work):
        self.work = work
        self.procs = Processes(work)
        self.db = f"portail_deploy_{os.getpid()}"
        self.mail_dir = work / "boite"
        self.mail_dir.mkdir()
        self.ports = {name: free_port() for name in ("redis", "s3", "smtp", "web1", "web2")}
        self.env = None

    # --- Services ---------------------------------------------------------------------
    def start_redis(self):
        port = str(self.ports["redis"])
        cmd = ["redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.procs.start("redis", cmd)
        wait_for("redis", lambda: self._answers(self.ports["redis"]), timeout=30, interval=0.1)

    def start_smtp(self):
        self.procs.start("smtp", [sys.executable, "-c", SINK, str(self.ports["smtp"]), str(self.mail_dir)])
        wait_for("puits SMTP", lambda: self._answers(self.ports["smtp"]), timeout=30, interval=0.1)

    @staticmethod
    def _answers(port):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    def start_services(self):
        self.start_redis()
        self.start_smtp()
        self.procs.start("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.ports["s3"])])
        wait_for("moto", lambda: self._answers(self.ports["s3"]), timeout=60, interval=0.2)
        s3 = boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{self.ports['s3']}",
            aws_access_key_id="cle",
            aws_secret_access_key="secret",
            region_name="eu-west-3",
        )
        s3.create_bucket(Bucket="portail-medias", CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db}"')
            conn.execute(f'CREATE DATABASE "{self.db}"')
        log(f"base PostgreSQL {self.db} créée")

    def environment(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "CELERY_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="portail.settings",
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1",
            SESSION_COOKIE_SECURE="false",
            SITE_URL=f"http://127.0.0.1:{self.ports['web1']}",
            DATABASE_URL=f"{PG}/{self.db}",
            CELERY_BROKER_URL=f"redis://127.0.0.1:{self.ports['redis']}/0",
            EMAIL_URL=f"smtp://127.0.0.1:{self.ports['smtp']}",
            S3_BUCKET="portail-medias",
            S3_ENDPOINT_URL=f"http://127.0.0.1:{self.ports['s3']}",
            S3_REGION="eu-west-3",
            S3_ACCESS_KEY="cle",
            S3_SECRET_KEY="secret",
            VAR_DIR=str(self.work / "var"),
            STATIC_ROOT=str(self.work / "static"),
            LOG_LEVEL="INFO",
            # Shorter than production, so that the test waits minutes, not hours: the sweeps
            # every 5 s, a silent report reclaimed after 60 + 10 s, a broker that lost its
            # messages noticed after 45 s, a refused mail retried after 10 s.
            SWEEP_SECONDS="5",
            CELERY_TASK_SOFT_TIME_LIMIT="50",
            CELERY_TASK_TIME_LIMIT="60",
            CELERY_VISIBILITY_TIMEOUT="75",
            REPORT_DISPATCH_GRACE_SECONDS="10",
            REPORT_LOST_AFTER_SECONDS="45",
            REPORT_HEARTBEAT_MARGIN_SECONDS="10",
            MAIL_RETRY_SECONDS="10",
            REPORT_REQUESTS_LIMIT="100",  # the test asks for more reports than a person would
        )
        self.env = env

    def manage(self, *args):
        result = subprocess.run(
            [str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)} :\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def start_portal(self, units):
        for index in (1, 2):
            self.start_worker(units, index)
        for index in (1, 2):
            cmd = command(units, "portail-web@.service", **{"%i": str(self.ports[f"web{index}"])})
            cmd[cmd.index("--workers") + 1] = "2"  # two cores for the whole test
            self.procs.start(f"web{index}", cmd, self.env)
        self.procs.start("beat", command(units, "portail-beat.service"), self.env)
        for index in (1, 2):
            url = f"http://127.0.0.1:{self.ports[f'web{index}']}/sante/"
            wait_for(f"web{index}", lambda url=url: self._ok(url), timeout=120)
        for index in (1, 2):
            wait_for(f"worker{index} prêt", lambda i=index: "ready." in self.read_log(f"worker{i}"), timeout=120)

    def start_worker(self, units, index):
        cmd = command(units, "portail-worker@.service", **{"%i": str(index), "%H": "deploiement"})
        cmd = [c.replace("--concurrency=2", "--concurrency=1") for c in cmd]
        return self.procs.start(f"worker{index}", cmd, self.env)

    @staticmethod
    def _ok(url):
        try:
            return requests.get(url, timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def read_log(self, name):
        path = self.work / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- Database reads ---------------------------------------------------------------
    def query(self, sql, *params):
        with psycopg.connect(f"{PG}/{self.db}") as conn:
            return conn.execute(sql, params).fetchall()

    def report(self, pk):
        return self.query("SELECT status, task_id, attempts, error FROM pilotage_report WHERE id = %s", pk)[0]

    def sink_messages(self):
        """Message-ID → how many times the sink received it."""
        counts = {}
        for path in self.mail_dir.glob("*.eml"):
            message_id = email.message_from_bytes(path.read_bytes())["Message-ID"].strip()
            counts[message_id] = counts.get(message_id, 0) + 1
        return counts

    def stop(self):
        self.procs.stop_all()
        try:
            with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
            log(f"base PostgreSQL {self.db} supprimée")
        except psycopg.Error as error:
            log(f"base {self.db} non supprimée : {error}")
