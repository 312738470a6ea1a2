# Quietline: `make run` to try it, `make test` to check it. Every install step lives here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SYSTEM_PACKAGES := redis-server=redis-server chromium=chromium pg_ctlcluster=postgresql
BENCH_PACKAGES := wrk=wrk

.PHONY: run run-prod-like test lint typecheck flows-check unit bench translations system-deps clean help

help:
	@echo "make run    - set up and start Quietline (Redis, worker, web) on http://127.0.0.1:$${PORT:-5000}"
	@echo "make run-prod-like - the same on PostgreSQL, with several web and worker processes"
	@echo "make test   - set up and run lint, type checks and the whole test suite"
	@echo "make bench  - run the benchmarks, results in bench/results/"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

system-deps:
	@scripts/ensure-system-packages $(SYSTEM_PACKAGES)

run: $(STAMP) system-deps
	$(PY) scripts/run.py

# The production shape on this machine: PostgreSQL, gunicorn with gunicorn.conf.py and four
# workers, two RQ workers, Redis with AOF (docs/deploy.md); development secrets and content.
run-prod-like: $(STAMP) system-deps
	QUIETLINE_RUN_PROFILE=prod-like $(PY) scripts/run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP) system-deps
	$(VENV)/bin/pytest -q

flows-check: $(STAMP)
	QUIETLINE_INSTANCE=$$(mktemp -d) $(VENV)/bin/flask --app wsgi flows check

test: lint typecheck flows-check unit

# Extract message ids from the flows into translations/messages.pot, merge new ids into every
# language's catalogue (new entries arrive empty or fuzzy for translators), and compile .mo
# files for the web pages. The service itself reads the .po files directly.
translations: $(STAMP)
	$(VENV)/bin/pybabel extract --no-location --omit-header --no-wrap -F babel.cfg -o translations/messages.pot .
	$(VENV)/bin/pybabel update --no-wrap --no-fuzzy-matching --ignore-obsolete -i translations/messages.pot -d translations
	$(VENV)/bin/pybabel compile --use-fuzzy --statistics -d translations || true

bench: $(STAMP) system-deps
	@scripts/ensure-system-packages $(BENCH_PACKAGES)
	$(PY) bench/webhook.py
	$(PY) bench/chat.py
	$(PY) bench/queue_latency.py
	$(PY) bench/rotation.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
