# Quietline: `make run` to try it, `make test` to check it. Every install step lives here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SYSTEM_PACKAGES := redis-server=redis-server
BENCH_PACKAGES := wrk=wrk

.PHONY: run test lint typecheck unit bench system-deps clean help

help:
	@echo "make run    - set up and start Quietline (Redis, worker, web) on http://127.0.0.1:$${PORT:-5000}"
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

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP) system-deps
	$(VENV)/bin/pytest -q

test: lint typecheck unit

bench: $(STAMP) system-deps
	@scripts/ensure-system-packages $(BENCH_PACKAGES)
	$(PY) bench/webhook.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
