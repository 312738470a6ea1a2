"""redis-server and the gunicorns: start them, wait until they answer, and always stop them.

Every process is registered on a `contextlib.ExitStack` as it starts, so it is stopped when the
stack closes, whether the run finished, failed, or was interrupted (SIGTERM included, see
`install_sigterm_handler`).
"""

from __future__ import annotations

import contextlib
import http.client
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

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


def start_process(
    stack: contextlib.ExitStack, name: str, argv: list[str], log: Path, *,
    env: Mapping[str, str] | None = None, port: int = 0,
) -> Server:
    """Start `argv` with output to `log`; it is stopped when `stack` closes, whatever happens."""
    with log.open("wb") as handle:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
        )
    stack.callback(stop_process, process)
    return Server(name, process, port, log)


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
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

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
    worker_class: str = "sync",
) -> Server:
    port = free_port()
    server = start_process(
        stack, f"gunicorn ({name})",
        [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--worker-class",
         worker_class, "--bind", f"127.0.0.1:{port}", GUNICORN_TARGETS[name]],
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
