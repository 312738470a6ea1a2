"""`python worker.py` ends on SIGTERM (systemd's stop, Ctrl-C), idle or after a Redis failure.

worker.py restarts RQ's worker when it quits on a Redis error; a person's stop must still end
the process, or every deploy and every `make run` Ctrl-C would wait for a kill.
"""

from __future__ import annotations

import os
import signal
import subprocess

import pytest
import redis

from tests.support.servers import wait_for
from tests.support.workers import WORKER_START_SECONDS, start_worker

pytestmark = pytest.mark.slow


def listening(environ: dict[str, str]) -> bool:
    """Registered and idle: RQ has installed its signal handlers and waits for a job."""
    connection = redis.Redis.from_url(environ["REDIS_URL"])
    return any(connection.hget(key, "state") == b"idle"
               for key in connection.smembers("rq:workers"))


def ended(process: subprocess.Popen[bytes]) -> bool:
    return process.poll() is not None


def test_sigterm_ends_an_idle_worker(environ: dict[str, str]) -> None:
    redis.Redis.from_url(environ["REDIS_URL"]).flushdb()
    process = start_worker(environ)
    try:
        wait_for(lambda: listening(environ), timeout=WORKER_START_SECONDS,
                 what="the worker to wait for jobs")
        process.send_signal(signal.SIGTERM)  # as scripts/run.py and the health test stop it
        wait_for(lambda: ended(process), timeout=20, what="the worker to end after SIGTERM")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
