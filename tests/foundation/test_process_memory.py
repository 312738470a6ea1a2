"""Room on a small server (issue 22, item 6): what every process that builds the app loads,
and what the forking processes share with their children (bench/memory.py measures it)."""

from __future__ import annotations

import gc
import runpy
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

import worker as worker_module
from tests.support.workers import APP_PROCESS_SECONDS

ROOT = Path(__file__).resolve().parent.parent.parent
# Loaded only by the commands that use them: migrations (alembic, which brings mako and
# pygments), the QR code of a TOTP enrolment (segno), and the language guess (lingua).
ONLY_WHEN_USED = ("alembic", "mako", "pygments", "segno", "lingua")


def test_building_the_app_loads_no_package_only_one_command_or_the_guess_uses() -> None:
    # The web tier's entry point and the RQ worker both import the factory with every CLI
    # group and every service. A fresh interpreter: this test process has imported them all.
    script = ("import sys, app.factory, worker; "
              f"print(' '.join(m for m in {ONLY_WHEN_USED!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True,
                            capture_output=True, text=True,
                            timeout=APP_PROCESS_SECONDS).stdout.split()
    assert loaded == []


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # this test process should collect its garbage as before


@pytest.mark.usefixtures("unfrozen")
def test_gunicorn_freezes_the_preloaded_app_before_it_forks_a_worker() -> None:
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert gc.get_freeze_count() == 0
    settings["pre_fork"](None, None)
    assert gc.get_freeze_count() > 0


@pytest.mark.usefixtures("unfrozen")
def test_the_worker_freezes_its_app_before_rq_forks(app: Flask,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    frozen_when_working: list[int] = []

    def work(_settings: object) -> None:
        frozen_when_working.append(gc.get_freeze_count())

    monkeypatch.setattr(worker_module, "create_app", lambda: app)
    monkeypatch.setattr(worker_module, "work_until_stopped", work)
    monkeypatch.setattr(worker_module.Sweeper, "start", lambda _self: None)
    monkeypatch.setattr(worker_module.Sweeper, "stop", lambda _self: None)
    assert worker_module.main() == 0
    assert len(frozen_when_working) == 1
    assert frozen_when_working[0] > 0
