# Portail Cité éducative — `make run` serves the portal, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DJANGO_SETTINGS_MODULE := portail.settings
# Development values, set explicitly: the settings fail closed without them (DEBUG off, no
# start without SECRET_KEY). A variable already in the environment wins. The suite runs
# with DEBUG off, as production does.
run demo migrate: export DEBUG ?= true
ifndef SECRET_KEY
export SECRET_KEY := $(shell bash scripts/dev_secret_key.sh)
endif

.PHONY: run test test-heavy test-fast deployment-test lint fmt demo bench bench-scale sysdeps browser-deps migrate clean lock

# The local OpenID Connect provider of the ProConnect journeys (npm oidc-provider, locked
# in tests/oidc_provider/package-lock.json): installed once, again when the lock changes.
OIDC_PROVIDER := tests/oidc_provider/node_modules/.package-lock.json

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 ou plus récent est requis.")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { echo "Impossible de créer le virtualenv : installez python3-venv (apt-get install python3-venv)."; exit 1; }
	$(PIP) install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt
	@touch $@

# The locks: requirements.in and requirements-dev.in hold the top-level pins; this compiles
# them, every transitive dependency pinned and hashed, into requirements*.txt.
PIP_COMPILE := $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock: $(VENV)/.installed
	$(PIP_COMPILE) --output-file=requirements.txt requirements.in
	$(PIP_COMPILE) --output-file=requirements-dev.txt requirements-dev.in

# WeasyPrint needs Pango (and HarfBuzz); PDF tests read text back with poppler-utils.
sysdeps:
	@bash scripts/check_system_deps.sh

browser-deps:
	@bash scripts/check_system_deps.sh --browser

$(OIDC_PROVIDER): tests/oidc_provider/package.json tests/oidc_provider/package-lock.json
	@bash scripts/check_system_deps.sh --browser
	npm ci --prefix tests/oidc_provider --no-audit --no-fund
	@# oidc-provider 9 needs Node.js >= 20.12 (crypto.hash); Debian 12 ships 18: then a
	@# pinned Node.js for the provider only, from the npm registry (the `node` package).
	@node -e 'process.exit(typeof require("node:crypto").hash === "function" ? 0 : 1)' || \
	  npm install --prefix tests/oidc_provider/runtime --no-audit --no-fund --no-save node@22.23.3

migrate: $(VENV)/.installed sysdeps
	$(PY) manage.py migrate --noinput

# The explicit reset: brings every demo object back to its demo values.
demo: migrate
	$(PY) manage.py load_demo

# Loads the demo only into an empty database: a restart keeps what a person edited.
run: migrate
	$(PY) manage.py load_demo --if-empty
	@bash scripts/run.sh

# The whole suite but the heavy whole-portal checks, which CI runs once, in its
# PostgreSQL pass; `make test-heavy` runs them here.
test: $(VENV)/.installed sysdeps browser-deps $(OIDC_PROVIDER)
	$(VENV)/bin/pytest -m "not heavy"

test-heavy: $(VENV)/.installed sysdeps
	$(VENV)/bin/pytest -m heavy

test-fast: $(VENV)/.installed sysdeps
	$(VENV)/bin/pytest -m "not e2e and not heavy"

# The deployment test (docs/deployment.md): two web, two workers, beat, its own redis-server,
# S3 and SMTP servers, under faults; needs PostgreSQL on 127.0.0.1:5432. CI runs it too.
deployment-test: $(VENV)/.installed sysdeps
	$(PY) scripts/deployment_test.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache --no-logo

fmt: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# PDF reports on a throw-away SQLite database: works from a fresh clone.
bench: $(VENV)/.installed sysdeps
	$(PY) bench/reports.py

# Pages and load at national scale: needs a local PostgreSQL (and wrk for the load run).
SCALE_DB ?= postgres://postgres@127.0.0.1:5432/portail_scale
bench-scale: $(VENV)/.installed
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || { echo "Installez wrk : apt-get install wrk"; exit 1; }
	@psql "$(SCALE_DB)" -c "select 1" >/dev/null 2>&1 || createdb -h 127.0.0.1 -U postgres portail_scale
	DATABASE_URL=$(SCALE_DB) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(SCALE_DB) $(PY) manage.py seed_scale --cites 300 --years 5 --actions-per-year 60 || echo "(jeu seed_scale déjà chargé : il est réutilisé)"
	DATABASE_URL=$(SCALE_DB) $(PY) bench/pages.py
	DATABASE_URL=$(SCALE_DB) $(PY) bench/load.py

clean:
	rm -rf $(VENV) var tests/oidc_provider/node_modules tests/oidc_provider/runtime
