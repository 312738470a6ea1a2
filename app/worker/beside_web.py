"""RQ workers forked by gunicorn's master, on one small server (QUIETLINE_WEB_RQ_WORKERS).

gunicorn's master builds the app before it forks its web workers (gunicorn.conf.py,
`preload_app`), so they share its pages. A `python worker.py` beside them imported and built
a copy of its own: 80 MiB of the `make run` stack's 260, shared with nothing (issue 22,
item 6; bench/memory.py). A worker forked from the master instead shares the imported modules,
the language data and the triage rules with the web tier, and so do its work-horses: the
spool's replay no longer compiles the rules in its horse.

The master keeps these workers as systemd keeps `quietline-worker@` units: one that ends is
started again after a pause (a Redis failover ends none, worker.py restarts its RQ worker
itself), and when the master stops it asks them to stop (SIGTERM: each finishes its job) and
waits. Their sweeper keeps its fork guard (app/worker/sweeper.py): these workers fork
work-horses exactly as `python worker.py` does.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext

log = logging.getLogger(__name__)
# The name `ps` and /proc/<pid>/comm show for a forked RQ worker (and its work-horses): the
# master's other children are web workers.
PROCESS_NAME = b"quietline-rq"
RESTART_PAUSE_SECONDS = 2.0  # as the worker units' RestartSec
PR_SET_PDEATHSIG, PR_SET_NAME = 1, 15  # prctl(2)


class ForkedWorkers:
    """`count` RQ workers, each `run()` in a child forked from this process.

    Each fork happens inside `around_fork()`, in the parent (freeze the app's objects, so the
    child keeps sharing them; hold back what the master's other forks start in the child);
    `in_child` runs first in the child (let go of what belongs to the master: its signal
    handlers, its listening sockets). `run` returns the child's exit code.
    """

    def __init__(self, count: int, run: Callable[[], int], *,
                 around_fork: Callable[[], AbstractContextManager[object]] = nullcontext,
                 in_child: Callable[[], None] = lambda: None,
                 restart_pause: float = RESTART_PAUSE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._run = run
        self._around_fork = around_fork
        self._in_child = in_child
        self._pause = restart_pause
        self._clock = clock
        self._pids: dict[int, int] = {}  # slot -> pid of its running worker
        self._due: dict[int, float] = {slot: 0.0 for slot in range(count)}  # slot -> restart at

    @property
    def pids(self) -> tuple[int, ...]:
        return tuple(sorted(self._pids.values()))

    def keep_running(self) -> None:
        """Start the workers not running (the first time, or one that ended at least the pause
        ago). The master calls it every second or so; it never blocks."""
        now = self._clock()
        for slot, pid in list(self._pids.items()):
            if not _running(pid):
                log.warning("event=worker.ended pid=%s restart_in=%.0f", pid, self._pause)
                del self._pids[slot]
                self._due[slot] = now + self._pause
        for slot, due in sorted(self._due.items()):
            if now >= due:
                del self._due[slot]
                self._pids[slot] = self._fork()

    def stop(self, timeout: float) -> None:
        """Ask every worker to stop (SIGTERM: it finishes its job), wait up to `timeout`
        seconds for all of them, then kill what is left. No worker is started again."""
        self._due.clear()
        pids = list(self._pids.values())
        self._pids.clear()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = self._clock() + timeout
        left = [pid for pid in pids if _running(pid)]
        while left and self._clock() < deadline:
            time.sleep(0.1)
            left = [pid for pid in left if _running(pid)]
        for pid in left:
            log.warning("event=worker.killed pid=%s", pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)

    def _fork(self) -> int:
        with self._around_fork():
            pid = os.fork()
        if pid == 0:  # the child: never returns into the master's code
            code = 1
            try:
                name_this_process()
                stop_with_parent()
                # A process group of its own: a signal to the master's group (`make run`'s
                # stop, a terminal's Ctrl-C) would otherwise reach it beside the master's own
                # SIGTERM, and RQ takes a second SIGTERM as "kill the job now".
                os.setpgid(0, 0)
                self._in_child()
                code = self._run()
            except BaseException:  # noqa: BLE001 -- the child must end here, whatever happened
                log.exception("event=worker.failed")
            finally:
                os._exit(code)
        log.info("event=worker.forked pid=%s", pid)
        return pid


def _running(pid: int) -> bool:
    """Whether our child `pid` is still running; reaps it if it has ended. gunicorn's master
    reaps every child it is signalled about (waitpid(-1)), ours included: a child no longer
    ours to wait for has ended."""
    try:
        ended, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return ended == 0


def name_this_process() -> None:
    """Name this process PROCESS_NAME (Linux's prctl; elsewhere nothing)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_NAME, PROCESS_NAME, 0, 0, 0)


def stop_with_parent() -> None:
    """SIGTERM this process (a warm stop: it finishes its job) if its parent ends without
    stopping it, killed rather than stopped: no worker left behind holding on to Redis."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def leave_master(signals: Iterable[int], files: Iterable[int]) -> None:
    """In a child forked from gunicorn's master: its signals back to their defaults (the
    master's handlers only queue them for a loop this process does not run; SIGCHLD's default
    lets RQ wait for its horses), and the master's listening sockets closed, so a worker that
    outlives a master holds no port."""
    for number in (*signals, signal.SIGCHLD):
        signal.signal(number, signal.SIG_DFL)
    for descriptor in files:
        with contextlib.suppress(OSError):
            os.close(descriptor)
