"""redis-server and the gunicorns: start them, wait until they answer, and always stop them.

Every process is registered on a `contextlib.ExitStack` as it starts, so it is stopped when the
stack closes, whether the run finished, failed, or was interrupted (SIGTERM included, see
`install_sigterm_handler`).
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from bench import ROOT
from bench.apps import WEBHOOK_PATH

GUNICORN_TARGETS = {
    "bare": "bench.apps:bare()",
    "reference": "bench.apps:reference()",
    # The production entry point: gunicorn's master loads the language models once
    # (preload_app) and the workers share them, instead of each loading them on its first
    # message inside the timed rounds.
    "real": "wsgi:app",
}
APPS = tuple(GUNICORN_TARGETS)
WORKERS = 2
# Threads per worker. gunicorn.conf.py (read from the repo root for all three apps) runs
# gthread workers with 8 threads, as production does; gunicorn turns "sync" into gthread
# whenever threads > 1. BENCH_GUNICORN_THREADS=1 measures true sync workers instead.
THREADS = int(os.environ.get("BENCH_GUNICORN_THREADS") or 8)
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` until it holds; raise TimeoutError naming `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)  # polling interval, not a wait for readiness
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Terminate, then kill if it has not gone within STOP_TIMEOUT."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    app: str = ""  # for gunicorn: which of APPS it serves

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited with status {self.process.returncode}; "
                f"its log ends:\n{tail(self.log)}"
            )


Popen = Callable[..., "subprocess.Popen[bytes]"]


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user and system) used so far by process `pid` and every process below
    it, as /proc says: for gunicorn, the master and its workers. A process that exits takes
    its count away, so take the difference over a span in which none does."""
    clock_ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for member in [pid, *(child for child, _state in descendants(pid))]:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            # After the command's ")": state, ppid, ...; utime is field 14 of stat, stime 15.
            total += (int(fields[11]) + int(fields[12])) / clock_ticks
    return total


def start_process(
    stack: contextlib.ExitStack, name: str, argv: list[str], log: Path, *,
    env: Mapping[str, str] | None = None, port: int = 0, popen: Popen = subprocess.Popen,
) -> Server:
    """Start `argv` with output to `log`; it is stopped when `stack` closes, whatever happens.
    `popen` is how (a `Spawner`'s, for processes that must die with this one)."""
    with log.open("wb") as handle:
        process = popen(
            argv, cwd=ROOT, env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
        )
    stack.callback(stop_process, process)
    return Server(name, process, port, log)


# Run by a fresh interpreter before it becomes the real program (exec keeps the setting):
# the kernel sends it SIGKILL when its parent dies, however the parent dies (SIGKILL, a kill
# of its process group, a closed terminal), so nothing is left running against a dead run.
# If the parent died before the setting was made, it does not start at all.
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit(1)\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)
_PR_SET_CHILD_SUBREAPER = 36


class Spawner:
    """Starts processes that die with this one (PR_SET_PDEATHSIG), from one thread that lives
    until `close`: Linux sends that signal when the *thread* that started a process ends, so
    a process started from a short-lived thread (a fault's recovery) would die with it.

    `adopt_orphans` makes this process the one that inherits its descendants' orphans (a work
    horse whose RQ worker was killed, a gunicorn worker whose master died), so `stragglers`
    finds them after a run, wherever they were started."""

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spawner")

    def popen(self, argv: list[str], **options: Any) -> subprocess.Popen[bytes]:
        wrapped = [sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid()), *argv]

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(wrapped, **options)

        return self._thread.submit(start).result()

    def close(self) -> None:
        self._thread.shutdown(wait=True)

    @staticmethod
    def adopt_orphans() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1)


def descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, state) of every process below `pid`, children first; state "Z" is a zombie."""
    parents: dict[int, list[tuple[int, str]]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents.setdefault(int(fields[1]), []).append((int(entry.name), fields[0]))
    found: list[tuple[int, str]] = []
    below = [pid]
    while below:
        children = parents.get(below.pop(), [])
        found.extend(children)
        below.extend(child for child, _state in children)
    return found


def stragglers() -> int:
    """After a run: kill (SIGKILL) every process still running below this one, reap them and
    any zombies, and return how many were still running. 0 means the run left nothing."""
    running = [pid for pid, state in descendants(os.getpid()) if state != "Z"]
    for pid in running:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        try:
            reaped, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break  # no children left at all
        if reaped == 0:
            if not [p for p, s in descendants(os.getpid()) if s != "Z"]:
                break
            time.sleep(0.05)  # polling interval: a killed process takes a moment to exit
    return len(running)


def redis_pings(port: int) -> bool:
    """Whether a Redis on this loopback port answers PING (not yet, or no longer: False)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(stack: contextlib.ExitStack, directory: Path) -> Server:
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = start_process(
        stack, "redis-server",
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
         "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
        directory / "redis.log", port=port,
    )

    def answers_ping() -> bool:
        server.check_alive()
        return redis_pings(port)

    wait_until(answers_ping, READY_TIMEOUT, f"redis-server on port {port}")
    return server


def http_status(port: int, method: str, path: str) -> int | None:
    """The status of one request to 127.0.0.1:port, or None if nothing answers yet."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request(method, path)
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def start_gunicorn(
    stack: contextlib.ExitStack, name: str, env: Mapping[str, str], directory: Path,
    worker_class: str = "gthread",
) -> Server:
    port = free_port()
    server = start_process(
        stack, f"gunicorn ({name})",
        [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--worker-class",
         worker_class, "--threads", str(THREADS), "--bind", f"127.0.0.1:{port}",
         GUNICORN_TARGETS[name]],
        directory / f"gunicorn-{name}.log", env=env, port=port,
    )
    # The real app has /healthz; the others answer the webhook path's GET with 405, which is
    # enough to show that a worker has imported the app and is answering.
    probe, ready = ("/healthz", {200}) if name == "real" else (WEBHOOK_PATH, {405})

    def answering() -> bool:
        server.check_alive()
        return http_status(port, "GET", probe) in ready

    wait_until(answering, READY_TIMEOUT, f"{name} app on port {port}")
    server.app = name
    return server


def install_sigterm_handler() -> None:
    """Turn SIGTERM into SystemExit, so the clean-up in `finally` blocks runs."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
