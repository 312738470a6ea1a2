"""A worker killed with kill -9 mid-job loses nothing and sends nothing twice.

Real parts: two `python worker.py` processes one after the other, a real Redis, the SQLite
file the app uses, and the fake Twilio server counting what reaches it. The first worker is
killed while the fake holds its request open (Twilio has the message, the worker never hears
back); the second must find that message instead of sending it again, and must send what the
first never started.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from tests.support.cases import claim, open_case, send_reply
from tests.support.fake_twilio import FakeTwilio
from tests.support.servers import wait_for
from tests.support.staff import make_advocate, sign_in
from tests.support.twilio_signing import SURVIVOR, TwilioSigner
from tests.support.workers import (
    ON_CALL,
    WORKER_START_SECONDS,
    always_open_config,
    start_worker,
    stop_worker,
)

pytestmark = pytest.mark.slow
REPLY = "Hello, this is Sam. I can talk now if you can."


@pytest.fixture
def worker_environ(environ: dict[str, str], fake_twilio: FakeTwilio, tmp_path: Path,
                   request: pytest.FixtureRequest) -> dict[str, str]:
    environ["QUIETLINE_CONFIG"] = str(always_open_config(tmp_path, request.param))
    environ["QUIETLINE_SWEEP_SECONDS"] = "0.3"
    environ["QUIETLINE_SEND_LEASE_SECONDS"] = "1.5"
    redis.Redis.from_url(environ["REDIS_URL"]).flushdb()  # no jobs left by earlier tests
    return environ


class Workers:
    """The test's worker processes, one after another, each writing its log to a file that
    is printed if the test fails (a timeout alone says nothing of what the worker did)."""

    def __init__(self, environ: dict[str, str], logs: Path) -> None:
        self.environ = {**os.environ, **environ}
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs = logs

    def start(self) -> subprocess.Popen[bytes]:
        with (self.logs / f"worker-{len(self.processes) + 1}.log").open("wb") as output:
            process = start_worker(self.environ, output)
        self.processes.append(process)
        connection = redis.Redis.from_url(self.environ["REDIS_URL"])
        wait_for(lambda: bool(connection.scard("rq:workers")), timeout=WORKER_START_SECONDS,
                 what="the worker to register")
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            stop_worker(process)

    def output(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')}"
                         for log in sorted(self.logs.glob("worker-*.log")))


@pytest.fixture
def workers(worker_environ: dict[str, str], tmp_path: Path,
            request: pytest.FixtureRequest) -> Iterator[Workers]:
    started = Workers(worker_environ, tmp_path)
    yield started
    started.stop_all()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(started.output())  # shown with the failure: what each worker did


def claim_and_reply(app: Flask, client: FlaskClient, case_id: int) -> None:
    advocate = make_advocate(app, "a@example.org")
    sign_in(client, advocate)
    claim(client, case_id)
    send_reply(client, case_id, REPLY)


def children_of(pid: int) -> list[int]:
    """Processes whose parent is `pid` (from /proc: no extra package needed)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def kill_9(process: subprocess.Popen[bytes], workers: Workers) -> None:
    """SIGKILL the worker and the work-horse running its job, as when a machine dies. (RQ
    runs each job in a forked child in a session of its own, so killing the worker's
    process group alone would leave the job running.)"""
    horses = children_of(process.pid)
    assert horses, "the worker should be running a job in a work-horse"
    os.killpg(process.pid, signal.SIGKILL)
    for horse in horses:
        os.kill(horse, signal.SIGKILL)
    process.wait(timeout=10)
    connection = redis.Redis.from_url(workers.environ["REDIS_URL"])
    connection.delete("rq:workers")  # as a crashed worker leaves no goodbye


@pytest.mark.parametrize("worker_environ", [True], indirect=True)
def test_an_alert_in_flight_and_a_pending_reply_are_each_delivered_once(
        app: Flask, client: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        workers: Workers) -> None:
    fake_twilio.hold_next()  # Twilio takes the alert; the worker never hears back
    first = workers.start()
    case_id = open_case(twilio)
    wait_for(lambda: fake_twilio.count(to=ON_CALL) == 1, timeout=20, what="the alert")
    claim_and_reply(app, client, case_id)  # queued behind the stuck alert job
    kill_9(first, workers)
    fake_twilio.release()
    workers.start()
    wait_for(lambda: fake_twilio.count(to=SURVIVOR) == 1, timeout=30, what="the reply")
    # Long enough for the alert's lease to lapse and the sweeper to reconcile it.
    wait_for(lambda: alert_status(app) == "sent", timeout=30, what="the alert reconciled")
    assert fake_twilio.count(to=ON_CALL) == 1
    assert fake_twilio.count(to=SURVIVOR) == 1


@pytest.mark.parametrize("worker_environ", [False], indirect=True)
def test_a_reply_in_flight_when_the_worker_dies_is_sent_once(
        app: Flask, client: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        workers: Workers) -> None:
    first = workers.start()
    case_id = open_case(twilio)
    fake_twilio.hold_next()
    claim_and_reply(app, client, case_id)
    wait_for(lambda: fake_twilio.count(to=SURVIVOR) == 1, timeout=20, what="the reply")
    kill_9(first, workers)
    fake_twilio.release()
    workers.start()
    wait_for(lambda: reply_status(app) == "sent", timeout=30, what="the reply reconciled")
    assert fake_twilio.count(to=SURVIVOR) == 1


def alert_status(app: Flask) -> str | None:
    return _status(app, "alerts")


def reply_status(app: Flask) -> str | None:
    return _status(app, "replies")


def _status(app: Flask, table: str) -> str | None:
    from app.services import services  # noqa: PLC0415

    with app.app_context(), services().database.engine.connect() as connection:
        value = connection.exec_driver_sql(f"SELECT status FROM {table}").scalar()  # noqa: S608 -- fixed names
    return None if value is None else str(value)
