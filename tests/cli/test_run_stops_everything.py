"""`make run` closed with its terminal: nothing of the stack is left running.

scripts/run.py starts Redis, the RQ worker and gunicorn each in a session of its own (so one
Ctrl-C does not reach them half-way through a job), which means only run.py can stop them.
Closing the terminal sends SIGHUP; left at its default it ended run.py alone, and Redis,
gunicorn and the worker kept running and holding their ports. After Ctrl-C in a terminal the
SIGHUP can also arrive while run.py is still stopping its children.

Real parts: scripts/run.py and everything it starts.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest

from tests.cli.test_sms_try_real_server import answers_health, start_run
from tests.support.servers import free_port, wait_for

pytestmark = pytest.mark.slow


def processes_of(instance: Path, redis_port: int) -> list[int]:
    """Every live process started with our instance folder in its environment, and our Redis
    (which writes its process title, "redis-server 127.0.0.1:PORT", over its environment)."""
    marker = f"QUIETLINE_INSTANCE={instance}".encode()
    title = f"redis-server 127.0.0.1:{redis_port}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            command = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if state != "Z" and (marker in environ.split(b"\0") or command.startswith(title)):
            found.append(int(entry.name))
    return found


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_a_closed_terminal_stops_the_whole_stack(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    port, redis_port = free_port(), free_port()
    log = tmp_path / "run.log"
    process = start_run(instance, log, port, redis_port)
    try:
        children = [pid for pid in processes_of(instance, redis_port) if pid != process.pid]
        assert len(children) >= 3, "Redis, gunicorn and an RQ worker"  # noqa: PLR2004

        process.send_signal(signal.SIGHUP)   # the terminal closes
        time.sleep(0.5)  # the behaviour under test: the next signal comes while it stops
        process.send_signal(signal.SIGINT)   # and a Ctrl-C arrives while it stops
        process.wait(timeout=300)

        wait_for(lambda: not processes_of(instance, redis_port), timeout=60,
                 what="every process of the stack to stop")
        assert not answers_health(port)
        assert not listening(redis_port)
        assert "run: stopping" in log.read_text(encoding="utf-8")
    finally:
        if process.poll() is None:
            process.kill()
        for pid in processes_of(instance, redis_port):  # on failure, leave nothing behind
            os.kill(pid, signal.SIGKILL)
