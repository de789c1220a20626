# LambdaLab: `make run` sets everything up and starts the site; `make test` sets up and runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST := $(VENV)/bin/pytest
# The suite runs on PostgreSQL; a smoke part also runs on SQLite.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test test-only browser bench lint setup install assets migrate lessons demo clean

run: setup
	$(PY) manage.py serve

test: setup browser
	$(MAKE) --no-print-directory test-only

# Browser tests drive Debian's Chromium (test tools' own browser downloads cannot work offline).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Chromium for the browser tests"; \
	    (apt-get install -y -q chromium >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)); \
	  else echo "Browser tests need /usr/bin/chromium (apt-get install chromium)"; fi; \
	fi

test-only:
	LAMBDALAB_VAR_DIR=var/test DATABASE_URL=$(TEST_DATABASE_URL) TEST_DATABASE_NAME=test_lambdalab_$$PPID TEST_REDIS_URL=$(TEST_REDIS_URL) $(PYTEST) -p no:cacheprovider
	LAMBDALAB_VAR_DIR=var/test DATABASE_URL= TEST_REDIS_URL=$(TEST_REDIS_URL) $(PYTEST) -p no:cacheprovider -m smoke

bench: setup
	$(PY) -m bench

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

setup: install assets .env migrate lessons demo

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "LambdaLab needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

assets: static/dist/.built

static/dist/.built: package.json package-lock.json static/js/*.js
	@command -v npm >/dev/null || { echo "npm is needed to bundle the front end (apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build
	touch $@

.env:
	cp .env.example .env

migrate: install .env
	$(PY) manage.py migrate --no-input -v 0

lessons: migrate
	@if $(PY) manage.py help sync_lessons >/dev/null 2>&1; then $(PY) manage.py sync_lessons; fi

demo: migrate
	@echo "Demo accounts:"
	@$(PY) manage.py seed_demo

clean:
	rm -rf $(VENV) node_modules static/dist var
