"""No work-horse is forked while the sweeper thread is inside the database.

A fork copies only the forking thread. Forked while another thread was inside SQLite, a child
can inherit one of SQLite's mutexes locked and hang on its first query: measured on this
machine, 9 of 2,000 children forked beside a thread writing to a WAL database hung, and 0 of
2,000 with a lock held around both. In the worker that child is the RQ work-horse running a
reply's send, which then hangs until RQ's job timeout. The guard (app/worker/sweeper.py
FORK_GUARD) is held by the sweeper for each sweep and by the worker for each fork; these tests
check each side holds it, since the hang itself is too rare to catch in a test's time.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import redis
from flask import Flask
from rq import Worker

import worker as worker_module
from app.worker import sweeper as sweeper_module
from app.worker.sweeper import FORK_GUARD, LOCK, Sweeper


def test_the_sweeper_holds_the_guard_while_it_sweeps(app: Flask,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    swept = threading.Event()
    held: list[bool] = []

    def recording_sweep() -> dict[str, int]:
        held.append(FORK_GUARD.locked())
        swept.set()
        return {}

    monkeypatch.setattr(sweeper_module, "sweep", recording_sweep)
    monkeypatch.setattr(sweeper_module, "schedule_daily_purge", lambda: False)
    with app.app_context():
        from app.services import services  # noqa: PLC0415 -- the test app's own services
        services().redis.delete(LOCK)
    running = Sweeper(app)
    running.start()
    try:
        assert swept.wait(timeout=10), "the sweeper did not sweep"
    finally:
        running.stop()
    assert held, "the sweeper did not sweep"
    assert all(held), "a sweep ran without the fork guard"
    assert not FORK_GUARD.locked()


def test_the_worker_forks_its_work_horse_only_under_the_guard(
        environ: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    held: list[bool] = []

    def recording_fork(self: Worker, job: Any, queue: Any) -> None:
        held.append(FORK_GUARD.locked())

    monkeypatch.setattr(Worker, "fork_work_horse", recording_fork)
    rq_worker = worker_module.StoppableWorker(
        ["urgent"], connection=redis.Redis.from_url(environ["REDIS_URL"]))
    rq_worker.fork_work_horse(None, None)
    assert held == [True], "the work-horse was forked without the guard"
    assert not FORK_GUARD.locked(), "the parent must release the guard after the fork"
