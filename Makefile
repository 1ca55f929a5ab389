# Sellsafe: `make demo` serves a demo shop, `make test` runs the suite, `make check` the linters.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The newest Python 3.12+ on PATH (pyenv users get 3.13 from .python-version).
PYTHON ?= $(shell for c in python3.13 python3.12 python3.14 python3; do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; \
	then command -v $$c; break; fi; done)

CHECK_ENV := SELLSAFE_ENV=production SELLSAFE_DATA_DIR=$(CURDIR)/var/check \
	SELLSAFE_SECRET_KEY=check-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGH \
	SELLSAFE_MASTER_KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= \
	SELLSAFE_ALLOWED_HOSTS=shop.example.com SELLSAFE_SMTP_HOST=smtp.example.com

.PHONY: help venv demo serve worker test check fmt migrate clean bench

help:
	@echo "make demo   - set up and serve a demo shop on http://127.0.0.1:$(PORT) (SQLite, embedded worker)"
	@echo "make test   - set up and run the whole test suite (DATABASE_URL / REDIS_URL to use servers)"
	@echo "make check  - ruff, mypy, import-linter, migrations, check --deploy, bandit"

$(STAMP): pyproject.toml requirements.lock
	@if [ -z "$(PYTHON)" ]; then echo "Sellsafe needs Python 3.12 or newer (3.13 recommended): none found on PATH." >&2; exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)

migrate: venv
	$(BIN)/sellsafe migrate --noinput
	$(BIN)/sellsafe createcachetable

demo: migrate
	$(BIN)/sellsafe seed_demo
	@echo "Serving on http://localhost:$(PORT) (Ctrl-C stops the server, the task worker and the periodic jobs)"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/sellsafe db_worker --queue-name '*' & \
	$(BIN)/sellsafe periodic & \
	PORT=$(PORT) $(BIN)/gunicorn sellsafe.wsgi:application --bind 127.0.0.1:$(PORT) --workers 2 \
		--logger-class sellsafe.core.access_log.RedactingLogger \
		--access-logfile - --access-logformat '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'

test: venv
	@$(BIN)/python -c "import shutil,sys; sys.exit(0 if shutil.which('chromium') else 1)" || \
		echo "note: Debian's chromium is not installed; browser tests will be skipped (apt-get install chromium)"
	SELLSAFE_ENV=test $(BIN)/pytest $(PYTEST_ARGS)

check: venv
	$(BIN)/ruff format --check sellsafe tests bench
	$(BIN)/ruff check sellsafe tests bench
	$(BIN)/mypy sellsafe
	$(BIN)/lint-imports
	SELLSAFE_ENV=test $(BIN)/sellsafe makemigrations --check --dry-run
	@mkdir -p var/check
	$(CHECK_ENV) $(BIN)/sellsafe check --deploy --fail-level WARNING
	$(BIN)/bandit -q -c pyproject.toml -r sellsafe

fmt: venv
	$(BIN)/ruff format sellsafe tests bench
	$(BIN)/ruff check --fix sellsafe tests bench

bench: venv
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var/check .pytest_cache .mypy_cache .ruff_cache
