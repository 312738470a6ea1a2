"""The RQ worker loads what jobs need before it forks work-horses (app/worker/warm_up.py).

What a horse imports or builds for its job it holds in pages of its own, paid again by every
horse (issue 22, item 6; bench/memory.py). So the worker warms up before it freezes its
objects and forks; the warm-up opens no connection, leaves none in the pool, and works with
the database and Redis down.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.pool import QueuePool

import worker as worker_module
from app.services import services
from app.worker.warm_up import warm_for_jobs
from tests.support.workers import APP_PROCESS_SECONDS

ROOT = Path(__file__).resolve().parents[2]
# Imported by the first `messages` or `calls` of Twilio's client, and so, without the
# warm-up, by every work-horse whose job sends a text or rings a phone.
TWILIO_RESOURCES = ("twilio.rest.api.v2010.account.message",
                    "twilio.rest.api.v2010.account.call")
# Run in a fresh interpreter: this test process has imported everything already.
FRESH_WORKER = """
import json, sys
import worker
from app.services import services
app = worker.create_app()
names = ("app.worker.jobs",) + tuple(sys.argv[1:])
with app.app_context():
    before = [name for name in names if name in sys.modules]
    worker.warm_for_jobs(services())
    after = [name for name in names if name in sys.modules]
    pooled = services().database.engine.pool.checkedin()
print(json.dumps({"before": before, "after": after, "pooled": pooled}))
"""


def warm_in_a_fresh_worker(environ: dict[str, str]) -> dict[str, list[str] | int]:
    done = subprocess.run([sys.executable, "-c", FRESH_WORKER, *TWILIO_RESOURCES], cwd=ROOT,
                          env=environ, capture_output=True,
                          text=True, timeout=APP_PROCESS_SECONDS, check=True)
    found: dict[str, list[str] | int] = json.loads(done.stdout.splitlines()[-1])
    return found


def test_the_warm_up_imports_the_jobs_and_twilio_s_resources(environ: dict[str, str]) -> None:
    found = warm_in_a_fresh_worker(environ)
    assert found["before"] == []
    assert found["after"] == ["app.worker.jobs", *TWILIO_RESOURCES]


def test_the_warm_up_needs_neither_the_database_nor_redis(environ: dict[str, str],
                                                          tmp_path: Path) -> None:
    # A database in a folder that does not exist, and a Redis port nobody listens on.
    environ["DATABASE_URL"] = f"sqlite:///{tmp_path / 'missing' / 'quietline.sqlite3'}"
    environ["REDIS_URL"] = "redis://127.0.0.1:9/0"
    found = warm_in_a_fresh_worker(environ)
    assert found["after"] == ["app.worker.jobs", *TWILIO_RESOURCES]
    assert found["pooled"] == 0


def test_the_warm_up_leaves_no_connection_in_the_pool(app: Flask) -> None:
    with app.app_context():
        pool = services().database.engine.pool
        assert isinstance(pool, QueuePool)  # a file database's and PostgreSQL's
        with services().database.engine.connect():
            pass
        assert pool.checkedin() == 1, "the connection should be back in the pool"
        warm_for_jobs(services())
        pool = services().database.engine.pool  # disposing made a new, empty one
        assert isinstance(pool, QueuePool)
        assert pool.checkedin() == 0


def test_the_worker_warms_up_before_it_freezes_and_works(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    steps: list[str] = []

    def warm(built: object) -> None:
        steps.append("warm")

    def freeze() -> None:
        steps.append("freeze")

    monkeypatch.setattr(worker_module, "create_app", lambda: app)
    monkeypatch.setattr(worker_module, "warm_for_jobs", warm)
    monkeypatch.setattr(worker_module, "share_with_forks", freeze)
    monkeypatch.setattr(worker_module, "work_until_stopped",
                        lambda _settings: steps.append("work"))
    monkeypatch.setattr(worker_module.Sweeper, "start", lambda _self: None)
    monkeypatch.setattr(worker_module.Sweeper, "stop", lambda _self: None)
    assert worker_module.main() == 0
    assert steps == ["warm", "freeze", "work"]
