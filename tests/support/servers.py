"""Real servers for the tests: a Redis started per session, waited for with a deadline."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll until `condition()` is true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)  # polling interval, not a wait for an event
    raise TimeoutError(f"timed out waiting for {what}")


class RedisServer:
    """A throw-away redis-server on a free port, with its dump file in `directory`."""

    def __init__(self, directory: Path, *, appendonly: bool = False) -> None:
        self.directory = directory
        # On for a test of what Redis's append-only file keeps, as a deployment runs it.
        self.appendonly = appendonly
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def dump_path(self) -> Path:
        return self.directory / "dump.rdb"

    def start(self) -> RedisServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.directory), "--dbfilename", "dump.rdb", "--save", "",
             "--appendonly", "yes" if self.appendonly else "no", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(self.accepts_connections, what=f"redis on port {self.port}")
        return self

    def accepts_connections(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def _postgres_bin() -> Path:
    """Debian keeps PostgreSQL's server programs off PATH, under a versioned folder."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                   else 0)
    if not found:
        raise RuntimeError("PostgreSQL is not installed (make test installs Debian's postgresql)")
    return found[-1].parent


class PostgresServer:
    """A throw-away PostgreSQL cluster in a folder of its own, on a free port, trusting local
    users.

    As root (CI, this machine) the server runs as the `postgres` system user, because
    PostgreSQL refuses to run as root; its folder is then made in /tmp (pytest's own
    temporary folders are private to root) and removed by `stop`.
    """

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="quietline-pg-"))
        self.port = free_port()
        self.bin = _postgres_bin()

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://quietline@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *argv], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "quietline",
                  "--auth=trust", "--encoding=UTF8", "--no-instructions")
        # fsync off: a test cluster, thrown away after the run; durability is not under test.
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-l",
                  str(self.directory / "server.log"), "-o",
                  f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
                  "-c fsync=off -c synchronous_commit=off -c full_page_writes=off", "start")
        return self

    def restart(self) -> None:
        """Stop (fast: open connections are cut) and start again with the same options, as
        a database restart or a failover does to the service's connections."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-l",
                  str(self.directory / "server.log"), "restart")

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
