"""Room on a small server (issue 22, item 6): what the web tier's entry point loads in
gunicorn's master (preload_app), so that the forked workers share one copy of it instead of
each loading its own after the fork (bench/memory.py measures the stack). The language guess's
n-gram file is mapped there (its pages are shared through the page cache anyway)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# As gunicorn's master does: import wsgi, then report what is loaded.
MASTER = """
import json, sys
import wsgi
from babel import localedata
from app.services import services
with wsgi.app.app_context():
    languages = services().settings.deployment.languages
    triage = services().conversations.triage_source.loaded()
from app.content.ngrams import NGRAM_FILE
with open("/proc/self/maps", encoding="utf-8") as maps:
    mapped = str(NGRAM_FILE) in maps.read()
print(json.dumps({"languages": list(languages), "babel": sorted(localedata._cache),
                  "modules": [m for m in ("babel.dates", "babel.numbers", "lingua")
                              if m in sys.modules], "ngrams_mapped": mapped,
                  "triage_loaded": triage}))
"""


def test_the_master_loads_babels_data_for_every_language_before_it_forks(
        environ: dict[str, str]) -> None:
    result = subprocess.run([sys.executable, "-c", MASTER], cwd=ROOT,
                            env={**os.environ, **environ}, check=True, capture_output=True,
                            text=True, timeout=300)
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(loaded["languages"]) > 1
    assert set(loaded["languages"]) <= set(loaded["babel"])
    assert loaded["modules"] == ["babel.dates", "babel.numbers"]
    # The language guess's n-gram file (the default `[languages] models`) is mapped in the
    # master too, and lingua's library not loaded at all.
    assert loaded["ngrams_mapped"]
    # The triage rules too (elsewhere they load on first use): one copy for every worker.
    assert loaded["triage_loaded"]
