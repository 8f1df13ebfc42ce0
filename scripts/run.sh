#!/usr/bin/env bash
# Serves the portal on http://127.0.0.1:8000 with a real Celery worker and the Celery
# beat scheduler (periodic tasks: e-mail retries, purges) beside it. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var

# prefork (not solo): the time limits and --max-memory-per-child only apply to a pool child.
.venv/bin/celery -A portail worker --loglevel=INFO --concurrency=1 --max-memory-per-child=600000 &
worker=$!
.venv/bin/celery -A portail beat --loglevel=INFO -s var/celerybeat-schedule &
beat=$!
stop() {
  trap - INT TERM EXIT
  echo "Arrêt du worker et du planificateur Celery…"
  kill -TERM "$worker" "$beat" 2>/dev/null || true
  wait "$worker" "$beat" 2>/dev/null || true
}
trap stop INT TERM EXIT

echo "Portail : http://127.0.0.1:8000  (comptes de démonstration dans README.md, Ctrl-C pour arrêter)"
"$PY" manage.py runserver 127.0.0.1:8000 --noreload
