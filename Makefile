# Portail Cité éducative — `make run` serves the portal, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DJANGO_SETTINGS_MODULE := portail.settings

.PHONY: run test test-fast lint fmt demo bench sysdeps browser-deps migrate clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 ou plus récent est requis.")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { echo "Impossible de créer le virtualenv : installez python3-venv (apt-get install python3-venv)."; exit 1; }
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# WeasyPrint needs Pango (and HarfBuzz); PDF tests read text back with poppler-utils.
sysdeps:
	@bash scripts/check_system_deps.sh

browser-deps:
	@bash scripts/check_system_deps.sh --browser

migrate: $(VENV)/.installed sysdeps
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

run: demo
	@bash scripts/run.sh

test: $(VENV)/.installed sysdeps browser-deps
	$(VENV)/bin/pytest

test-fast: $(VENV)/.installed sysdeps
	$(VENV)/bin/pytest -m "not e2e"

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.installed
	@ls bench/*.py >/dev/null 2>&1 && for f in bench/*.py; do $(PY) $$f; done || echo "Aucun benchmark pour l'instant."

clean:
	rm -rf $(VENV) var
