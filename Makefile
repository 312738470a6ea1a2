# Quietline: `make run` to try it, `make test` to check it. Every install step lives here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SYSTEM_PACKAGES := redis-server=redis-server chromium=chromium pg_ctlcluster=postgresql msgfmt=gettext nginx=nginx-light
# The fonts the survivors' pages name for Punjabi (Gurmukhi), Arabic and Urdu (Nastaliq): on
# a stock Debian Punjabi shows as empty boxes without them, and the browser tests check it.
FONT_PACKAGES := font:NotoSansGurmukhi-Regular=fonts-noto-core \
	font:NotoNaskhArabic-Regular=fonts-noto-core font:NotoNastaliqUrdu-Regular=fonts-noto-core
SYSTEM_PACKAGES += $(FONT_PACKAGES)
BENCH_PACKAGES := wrk=wrk

.PHONY: language-models run run-prod-like test lint typecheck flows-check translations-check unit bench second-opinion soak screenshots translations system-deps clean help

help:
	@echo "make run    - set up and start Quietline (Redis, worker, web) on http://127.0.0.1:$${PORT:-5000}"
	@echo "make run-prod-like - the same on PostgreSQL, with several web and worker processes"
	@echo "make test   - set up and run lint, type checks and the whole test suite"
	@echo "make language-models - build the language guess's n-gram file for the deployment's languages, and map the second opinion"
	@echo "make bench  - run the benchmarks, results in bench/results/"
	@echo "make second-opinion - choose the learned second opinion by cross-validation on eval dev/ + opened/, retrain flows/second_opinion.json"
	@echo "make soak   - the worst day: load while parts fail, and long route fuzzing (about 15 min)"
	@echo "make screenshots - each cover site at phone and desktop sizes, in bench/results/covers/"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

system-deps:
	@scripts/ensure-system-packages $(SYSTEM_PACKAGES)

# The language guess's n-gram file (`[languages] models = "ngrams"`, the default;
# app/content/ngram_build.py): built from lingua 1.4.2's wheel (Apache-2.0; its models are
# brotli-compressed JSON) for the languages of the deployment file (QUIETLINE_CONFIG, else
# config/demo.toml). The wheel is kept in the user's cache folder (~/.cache/quietline, or
# $XDG_CACHE_HOME/quietline), so every clone on the machine downloads it once; the build
# does nothing when the file already holds those languages, and builds it again when they
# change.
WHEEL_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/quietline
LINGUA_WHEEL := $(WHEEL_CACHE)/lingua_language_detector-1.4.2-py3-none-any.whl
$(LINGUA_WHEEL): | $(STAMP)
	$(PY) -m pip download --quiet --no-deps --only-binary=:all: -d $(WHEEL_CACHE) \
		'lingua-language-detector==1.4.2'

# Also the learned second opinion's weights as a memory-mapped file, derived from
# flows/second_opinion.json (app/content/second_opinion_map.py; made again when the JSON changes).
language-models: $(STAMP) $(LINGUA_WHEEL)
	$(PY) -m app.content.ngram_build --wheel $(LINGUA_WHEEL)
	$(PY) -m app.content.second_opinion_map

run: $(STAMP) system-deps language-models
	$(PY) scripts/run.py

# The production shape on this machine: PostgreSQL, gunicorn with gunicorn.conf.py and four
# workers, two RQ workers, Redis with AOF (docs/deploy.md); development secrets and content.
run-prod-like: $(STAMP) system-deps language-models
	QUIETLINE_RUN_PROFILE=prod-like $(PY) scripts/run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# One pytest process per core (pytest-xdist): many tests wait on Redis, PostgreSQL, chromium
# or a subprocess, and each process has its own servers and folders (tests/conftest.py).
# --dist worksteal: an idle process takes tests queued for a busy one, so the slow tests
# (browsers, real servers) do not leave one core idle at the end.
# TEST_PROCESSES=0 runs them all in this one process.
TEST_PROCESSES ?= auto
unit: $(STAMP) system-deps language-models
	$(VENV)/bin/pytest -q -n $(TEST_PROCESSES) --dist worksteal --durations=15

flows-check: $(STAMP) language-models
	QUIETLINE_INSTANCE=$$(mktemp -d) $(VENV)/bin/flask --app wsgi flows check

# GNU msgfmt --check over every catalogue; any warning fails (scripts/check-catalogues).
translations-check: system-deps
	@scripts/check-catalogues translations

test: lint typecheck flows-check translations-check unit

# Two domains: `messages` (what is sent to survivors; ids from the flows, babel.cfg) and `web`
# (the web pages' own words; ids from the templates and the web chat's code, babel-web.cfg).
# Extract each into its template, then merge new ids into every language's catalogue with
# scripts/merge_catalogue.py (not `pybabel update`, which reorders entries and re-wraps
# translators' comments): new entries arrive empty for translators, removed ones are kept as
# obsolete. Then msgfmt checks every catalogue. Nothing is compiled: the service reads the .po
# files themselves (app/content/catalogues.py), so no .mo can go stale.
# TRANSLATIONS=DIR works on a copy (the tests do).
TRANSLATIONS ?= translations
EXTRACT := $(VENV)/bin/pybabel extract --no-location --omit-header --no-wrap
WEB_KEYWORDS := -k t -k _text:2 -k ChatInputError:2 -k text_id
translations: $(STAMP) system-deps
	$(EXTRACT) -F babel.cfg -o $(TRANSLATIONS)/messages.pot .
	$(EXTRACT) --no-default-keywords $(WEB_KEYWORDS) -F babel-web.cfg -o $(TRANSLATIONS)/web.pot .
	@set -e; for domain in messages web; do for po in $(TRANSLATIONS)/*/LC_MESSAGES/$$domain.po; do \
		$(PY) scripts/merge_catalogue.py $(TRANSLATIONS)/$$domain.pot $$po; done; done
	@scripts/check-catalogues $(TRANSLATIONS)

bench: $(STAMP) system-deps language-models
	@scripts/ensure-system-packages $(BENCH_PACKAGES)
	$(PY) bench/webhook.py
	$(PY) bench/chat.py
	$(PY) bench/queue_latency.py
	$(PY) bench/staff_load.py
	$(PY) bench/rotation.py
	$(PY) bench/understanding.py

# The learned second opinion (app/flows/learned.py): choose n-grams, smoothing and thresholds
# by cross-validation on the tuning splits eval/messages/dev and eval/messages/opened ONLY
# (bench/results/second-opinion-cv.txt), then retrain flows/second_opinion.json from both with
# them. Never reads eval/messages/heldout (batch l; the trainer refuses any "heldout" path).
second-opinion: $(STAMP)
	$(PY) bench/second_opinion.py --write
	QUIETLINE_INSTANCE=$$(mktemp -d) $(VENV)/bin/flask --app wsgi flows train-second-opinion eval/messages/dev eval/messages/opened
	$(PY) -m app.content.second_opinion_map

# The worst day (bench/soak.py): steady load on the real stack while Redis, RQ workers, a web
# worker and PostgreSQL are killed; then the route fuzzers with many more examples (100: at
# 150 the whole run took 15 min 28 s, over the issue's 15). About 14 minutes on 2 cores; results in bench/results/soak.txt and soak.json. Not part of make test.
soak: $(STAMP) system-deps language-models
	$(PY) bench/soak.py
	QUIETLINE_FUZZ_EXAMPLES=100 $(PY) -m pytest -q -p no:randomly \
		tests/advocates/test_staff_routes_properties.py tests/channels/test_public_routes_properties.py

# Each built-in cover (app/cover_sites.py) at 390x844 and 1280x800, in English and with the
# chat in Arabic, the cover whole and the chat open over it: for a person to look at. They are
# taken by the covers' browser tests, so what is pictured is what was checked.
COVER_SCREENSHOTS := bench/results/covers
screenshots: $(STAMP) system-deps
	rm -rf $(COVER_SCREENSHOTS)
	QUIETLINE_COVER_SCREENSHOTS=$(abspath $(COVER_SCREENSHOTS)) $(VENV)/bin/pytest -q \
		tests/browser/test_webchat_covers.py -k the_cover_is_a_small_believable_site

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
