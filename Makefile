# Crisis Desk — the commands a developer needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
# manage.py and Celery default to the production settings; a developer's commands use local.
MANAGE := DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py

# Python 3.12: the first that answers among python3.12 on PATH and pyenv's installs.
PYENV_ROOT ?= $(HOME)/.pyenv
PYTHON_CANDIDATES := python3.12 $(wildcard $(PYENV_ROOT)/versions/3.12*/bin/python3.12) \
	/usr/local/bin/python3.12 /usr/bin/python3.12
PYTHON312 := $(firstword $(foreach c,$(PYTHON_CANDIDATES),$(shell $(c) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1 && echo $(c))))

# The demo's language: `make run LANGUAGE=tr` loads it in Turkish; English unless told. Only a
# LANGUAGE given to make counts: the shell's own (gettext's, often "en_US:en") is not the demo's.
DEMO_LANGUAGE := $(if $(filter command line,$(origin LANGUAGE)),$(LANGUAGE))

# make test runs against PostgreSQL and Redis on localhost unless told otherwise.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/crisis_desk
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# The suite runs on two processes (pytest-xdist), one per core of the machines it runs on;
# TEST_WORKERS=0 runs it in this one process. The 25 slowest tests are listed at the end.
TEST_WORKERS ?= 2

.PHONY: help run test lint format bench lock install assets messages migrate seed clean

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(VENV)/.installed: requirements-dev.lock
	@if [ -z "$(PYTHON312)" ]; then \
		echo "Python 3.12 was not found. Install it (e.g. 'pyenv install 3.12' or your system's python3.12 package) and run make again."; \
		exit 1; fi
	test -x $(PY) || $(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The Turkish catalogue, compiled from its .po (GNU gettext's msgfmt, Debian's package gettext).
MESSAGES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))

locale/%.mo: locale/%.po
	@command -v msgfmt >/dev/null || { echo "msgfmt was not found: install GNU gettext (apt-get install gettext) and run make again."; exit 1; }
	msgfmt --check-format -o $@ $<

messages: $(MESSAGES) ## compile the translations (locale/*/LC_MESSAGES/*.po)

install: $(VENV)/.installed node_modules/.installed $(MESSAGES) ## create .venv, install locked Python and front-end packages, compile the translations

assets: node_modules/.installed

migrate: install ## apply database migrations
	$(MANAGE) migrate --noinput

seed: migrate ## load the demo data (idempotent; LANGUAGE=tr loads it in Turkish)
	$(MANAGE) seed_demo $(if $(DEMO_LANGUAGE),--language $(DEMO_LANGUAGE))

run: seed ## set up and start web + worker + beat on http://127.0.0.1:$(PORT) (Ctrl-C stops all)
	PORT=$(PORT) $(VENV)/bin/honcho -f Procfile.dev start

# --create-db: the test databases are built from this checkout's migrations every run, so a
# database left by another branch or an older schema on the same server never decides the result.
test: install ## the whole suite on PostgreSQL + Redis, browser tests included
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		$(VENV)/bin/pytest -p no:cacheprovider --create-db -n $(TEST_WORKERS) --durations=25 $(PYTEST_ARGS)

lint: install ## ruff, ruff format --check, mypy, the layers (import-linter), makemigrations --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports --no-cache
	$(MANAGE) makemigrations --check --dry-run

format: install ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install ## seed the benchmark databases and print the numbers (pages, publishing, a crash, the schedule, postmortem export, listening, live pages, the statement page)
	BENCH_DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/crisis_desk_bench} \
		$(PY) bench/run.py
	$(PY) bench/publish.py
	$(PY) bench/crash.py
	$(PY) bench/schedule.py
	$(PY) bench/postmortem_export.py
	$(PY) bench/listening.py
	$(PY) bench/live.py
	$(PY) bench/live_sse.py
	$(PY) bench/statement_page.py

lock: install ## re-resolve pyproject.toml into the hashed lock files
	$(VENV)/bin/uv pip compile pyproject.toml --generate-hashes --no-strip-extras --python-version 3.12 \
		--python-platform linux -o requirements.lock -q
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --no-strip-extras --python-version 3.12 \
		--python-platform linux -o requirements-dev.lock -q

clean: ## remove the virtualenv, node_modules and local data under var/
	rm -rf $(VENV) node_modules var
