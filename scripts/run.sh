#!/usr/bin/env bash
# Serves the portal on http://127.0.0.1:8000 with a real Celery worker beside it.
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

# prefork (not solo): the time limits and --max-memory-per-child only apply to a pool child.
.venv/bin/celery -A portail worker --loglevel=INFO --concurrency=1 --max-memory-per-child=600000 &
worker=$!
stop() {
  trap - INT TERM EXIT
  echo "Arrêt du worker Celery…"
  kill -TERM "$worker" 2>/dev/null || true
  wait "$worker" 2>/dev/null || true
}
trap stop INT TERM EXIT

echo "Portail : http://127.0.0.1:8000  (comptes de démonstration dans README.md, Ctrl-C pour arrêter)"
"$PY" manage.py runserver 127.0.0.1:8000 --noreload
