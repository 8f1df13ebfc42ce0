"""A bounded load run on the coordinator dashboard: gunicorn on 127.0.0.1, wrk as the
client, a few concurrency levels, each for ``--duration`` seconds.

Run (PostgreSQL, after ``migrate`` and ``seed_scale``; ``apt-get install wrk``)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portail_scale \
        .venv/bin/python bench/load.py --workers 4 --duration 20 --connections 2,4,8

Logs in the coordinator of the first seeded cité by creating a session directly (no
login throttling in the way), starts gunicorn (sync workers, production-like settings),
waits for ``/sante/``, runs ``wrk`` per concurrency level and prints a Markdown table:
requests per second, errors (socket errors + non-2xx), median, p95 and p99 latency.
"""

import argparse
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request

from environment import ROOT, production_like

production_like()

LUA = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT requests=%d duration_us=%d errors=%d p50=%.3f p95=%.3f p99=%.3f\\n",
    summary.requests, summary.duration, errors,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def session_cookie(email):
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User

    user = User.objects.get(email=email)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def wait_until_up(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn ne répond pas sur {url}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--duration", type=int, default=20, help="secondes par palier")
    parser.add_argument("--connections", default="2,4,8")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--email", default="coordination.sc0001@scale.example.org")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk est introuvable : apt-get install -y wrk")

    cookie = session_cookie(args.email)
    base = f"http://127.0.0.1:{args.port}"
    gunicorn = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "portail.wsgi:application", "--bind", f"127.0.0.1:{args.port}",
         "--workers", str(args.workers), "--log-level", "warning"],
        cwd=ROOT,
        env={**os.environ},
    )  # fmt: skip
    rows = []
    try:
        wait_until_up(f"{base}/sante/")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LUA)
        # Check the page answers 200 with this session before loading it.
        request = urllib.request.Request(f"{base}/", headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200 and b"Tableau de bord" in response.read()
        subprocess.run(["wrk", "-t1", "-c2", "-d3s", "-H", f"Cookie: {cookie}", f"{base}/"], capture_output=True)
        for connections in [int(value) for value in args.connections.split(",")]:
            output = subprocess.run(
                ["wrk", f"-t{min(connections, 2)}", f"-c{connections}", f"-d{args.duration}s", "--timeout", "10s",
                 "-H", f"Cookie: {cookie}", "-s", script.name, f"{base}/"],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            match = re.search(
                r"RESULT requests=(\d+) duration_us=(\d+) errors=(\d+) p50=([\d.]+) p95=([\d.]+) p99=([\d.]+)", output
            )
            requests, duration, errors = int(match[1]), int(match[2]), int(match[3])
            rows.append((connections, requests / (duration / 1e6), requests, errors, *map(float, match.groups()[3:])))
        os.unlink(script.name)
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)

    print(
        f"gunicorn {args.workers} workers sync, wrk {args.duration} s par palier, GET / (tableau de bord coordination)"
    )
    print()
    print("| connexions | requêtes/s | requêtes | erreurs | médiane (ms) | p95 (ms) | p99 (ms) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for connections, rps, requests, errors, p50, p95, p99 in rows:
        print(f"| {connections} | {rps:.1f} | {requests} | {errors} | {p50:.1f} | {p95:.1f} | {p99:.1f} |")


if __name__ == "__main__":
    main()
