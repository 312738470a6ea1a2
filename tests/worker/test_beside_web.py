"""RQ workers forked by gunicorn's master from the app it has built (issue 22, item 6).

On one small server the RQ worker shares the preloaded app's pages with the web tier instead
of building a copy of its own (app/worker/beside_web.py, QUIETLINE_WEB_RQ_WORKERS). The master
keeps it running as systemd keeps a worker unit: started again when it ends, stopped with it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from app.worker.beside_web import PROCESS_NAME, ForkedWorkers, leave_master
from tests.support.servers import free_port, wait_for
from tests.support.workers import WORKER_START_SECONDS

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def ended(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists() or "State:\tZ" in Path(
        f"/proc/{pid}/status").read_text()


def test_a_worker_that_ends_is_started_again_after_the_pause() -> None:
    clock = Clock()
    workers = ForkedWorkers(1, lambda: 0, restart_pause=2.0, clock=clock)
    workers.keep_running()
    (first,) = workers.pids
    wait_for(lambda: ended(first), timeout=10, what="the first child to end")
    workers.keep_running()  # notices it ended: not started again yet
    assert not workers.pids
    clock.now = 1.9
    workers.keep_running()
    assert not workers.pids
    clock.now = 2.0
    workers.keep_running()
    (second,) = workers.pids
    assert second != first
    workers.stop(timeout=5)


def test_stop_asks_each_worker_to_stop_and_kills_one_that_does_not(tmp_path: Path) -> None:
    def obliging() -> int:
        signal.pause()  # SIGTERM's default ends it
        return 0

    def stubborn() -> int:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        (tmp_path / f"ignoring-{os.getpid()}").touch()
        while True:
            time.sleep(1)

    polite = ForkedWorkers(2, obliging)
    polite.keep_running()
    pids = polite.pids
    assert len(pids) == 2
    polite.stop(timeout=10)
    assert all(ended(pid) for pid in pids)
    polite.keep_running()  # a stopped set starts nothing again
    assert not polite.pids

    deaf = ForkedWorkers(1, stubborn)
    deaf.keep_running()
    (pid,) = deaf.pids
    wait_for((tmp_path / f"ignoring-{pid}").exists, timeout=10, what="the child")
    deaf.stop(timeout=0.5)
    assert ended(pid)


def test_the_child_is_named_in_its_own_group_and_leaves_the_masters_signals_and_files(
        tmp_path: Path) -> None:
    report = tmp_path / "child"
    kept, closed = os.pipe()

    def master_handler(_number: int, _frame: object) -> None:
        raise AssertionError("the master's handler ran in the child")

    previous = signal.signal(signal.SIGUSR1, master_handler)

    def run() -> int:
        name = Path("/proc/self/comm").read_text().strip()
        handler = signal.getsignal(signal.SIGUSR1)
        try:
            os.fstat(closed)
            open_after = True
        except OSError:
            open_after = False
        own_group = os.getpgid(0) == os.getpid()
        report.write_text(f"{name} {handler == signal.SIG_DFL} {open_after} {own_group}")
        return 0

    try:
        workers = ForkedWorkers(1, run, in_child=lambda: leave_master([signal.SIGUSR1],
                                                                     [closed]))
        workers.keep_running()
        wait_for(report.exists, timeout=10, what="the child's report")
        wait_for(lambda: len(report.read_text().split()) == 4, timeout=10, what="the report")
        workers.stop(timeout=5)
    finally:
        signal.signal(signal.SIGUSR1, previous)
        os.close(kept)
        os.close(closed)
    assert report.read_text() == f"{PROCESS_NAME.decode()} True False True"


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def rq_workers(master: int) -> list[int]:
    named = []
    for pid in children(master):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == PROCESS_NAME.decode():
                named.append(pid)
        except OSError:
            continue
    return named


def idle_workers(environ: dict[str, str]) -> int:
    connection = redis.Redis.from_url(environ["REDIS_URL"])
    return sum(1 for key in connection.smembers("rq:workers")
               if connection.hget(key, "state") == b"idle")


@pytest.fixture
def gunicorn(environ: dict[str, str], tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    redis.Redis.from_url(environ["REDIS_URL"]).flushdb()
    environ.update(QUIETLINE_WEB_RQ_WORKERS="1", PATH=os.environ.get("PATH", ""),
                   LANG="C.UTF-8")
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                   cwd=ROOT, env=environ, check=True, capture_output=True, timeout=300)
    with (tmp_path / "gunicorn.log").open("wb") as log:
        process = subprocess.Popen(
            [str(GUNICORN), "--config", "gunicorn.conf.py", "--bind",
             f"127.0.0.1:{free_port()}", "--workers", "1", "--threads", "2", "wsgi:app"],
            cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=150)


@pytest.mark.slow
def test_gunicorns_master_forks_the_rq_worker_keeps_it_and_stops_it(
        gunicorn: subprocess.Popen[bytes], environ: dict[str, str]) -> None:
    wait_for(lambda: len(rq_workers(gunicorn.pid)) == 1 and idle_workers(environ) == 1,
             timeout=WORKER_START_SECONDS, what="an RQ worker forked by the master")
    (first,) = rq_workers(gunicorn.pid)
    os.kill(first, signal.SIGKILL)  # as the kernel's OOM killer would
    wait_for(lambda: rq_workers(gunicorn.pid) not in ([], [first]), timeout=60,
             what="the master to fork another")
    (second,) = rq_workers(gunicorn.pid)
    assert second != first
    wait_for(lambda: any(redis.Redis.from_url(environ["REDIS_URL"]).hget(key, "pid")
                         == str(second).encode()
                         for key in redis.Redis.from_url(environ["REDIS_URL"]).smembers(
                             "rq:workers")), timeout=WORKER_START_SECONDS,
             what="the new worker to register")
    gunicorn.terminate()
    gunicorn.wait(timeout=150)
    wait_for(lambda: ended(second), timeout=10, what="the RQ worker to stop with the master")


def test_without_the_setting_the_master_forks_no_rq_worker(environ: dict[str, str]) -> None:
    """QUIETLINE_WEB_RQ_WORKERS unset: separate `python worker.py` processes (several hosts)."""
    from app.config import load_settings  # noqa: PLC0415

    assert load_settings(environ).web_rq_workers == 0
    assert load_settings({**environ, "QUIETLINE_WEB_RQ_WORKERS": "1"}).web_rq_workers == 1
