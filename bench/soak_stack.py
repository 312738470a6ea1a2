"""The soak's stack (bench/soak.py): our own Redis, SQLite or a private PostgreSQL, gunicorn,
RQ workers and the fake of Twilio's REST API, with ways to break each, and the faults the
run plans against them. Also used by bench/staff_load.py.
"""


import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from app.conversation.spool import STREAM as SPOOL_STREAM  # noqa: E402
from bench.environment import bench_environment, gunicorn_environment  # noqa: E402
from bench.processes import (  # noqa: E402
    READY_TIMEOUT,
    Server,
    Spawner,
    free_port,
    http_status,
    redis_pings,
    start_process,
    wait_until,
)
from bench.signed_requests import ACCOUNT_SID, SERVICE_NUMBER  # noqa: E402
from tests.support.fake_twilio import FakeTwilio  # noqa: E402
from tests.support.servers import PostgresServer  # noqa: E402
from tests.support.workers import always_open_config  # noqa: E402

GUNICORN_WORKERS = 3
RQ_WORKERS = 2

# Generous limits: the soak's 500 survivors share one address (loopback), and a flood notice
# instead of the flow's answer would hide what the soak is for.
FLOODS = """
[floods]
contact_burst = 1000
contact_per_minute = 1000
address_burst = 100000
address_per_minute = 100000
new_cases_burst = 100000
new_cases_per_minute = 100000
address_new_cases_burst = 100000
address_new_cases_per_minute = 100000
"""


# --- the stack -------------------------------------------------------------------------------

class Stack:
    """The processes, with ways to break them."""

    def __init__(self, stack: contextlib.ExitStack, directory: Path, database: str,
                 web_workers: int = GUNICORN_WORKERS, access_log: bool = False) -> None:
        self.directory = directory
        self.database = database
        # Every process of ours dies with this one, however it dies (bench/processes.py
        # Spawner), and `shutdown` stops them in order: the RQ workers first (each with its
        # work horse: a process group of its own), then gunicorn, then Redis. (Redis stopped
        # first left the workers retrying a dead Redis through their warm shutdown.)
        self.spawner = Spawner()
        stack.callback(self.spawner.close)
        self.processes = contextlib.ExitStack()  # gunicorn and Redis, however often restarted
        self.lock = threading.Lock()
        self.closing = False
        self.workers: list[subprocess.Popen[bytes]] = []
        self.worker_groups: set[int] = set()  # every worker's process group, killed or not
        stack.callback(self.shutdown)
        self.redis_port = free_port()
        self.redis: Server | None = None
        self.start_redis()
        env = bench_environment(directory, f"redis://127.0.0.1:{self.redis_port}/0")
        self.fake = stack.enter_context(FakeTwilio(ACCOUNT_SID, env["TWILIO_AUTH_TOKEN"]))
        self.postgres: PostgresServer | None = None
        if database == "postgresql":
            self.postgres = PostgresServer().start()
            self.processes.callback(self.postgres.stop)  # after the workers (`shutdown`)
            admin = self.postgres.url()
            import sqlalchemy  # noqa: PLC0415

            engine = sqlalchemy.create_engine(admin, isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                connection.exec_driver_sql("CREATE DATABASE soak")
            engine.dispose()
            env["DATABASE_URL"] = self.postgres.url("soak")
        config = always_open_config(directory, alerts=False)
        config.write_text(re.sub(r"(?ms)^\[floods\]\n.*?(?=^\[)", FLOODS.lstrip() + "\n",
                                 config.read_text(encoding="utf-8")), encoding="utf-8")
        env.update({
            "QUIETLINE_CONFIG": str(config),
            "TWILIO_API_BASE_URL": self.fake.url,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_FROM_NUMBER": SERVICE_NUMBER,
            "QUIETLINE_ARGON2_TIME_COST": "1",
            "QUIETLINE_ARGON2_MEMORY_KIB": "1024",
        })
        self.env = gunicorn_environment("real", env)
        self.run_flask("db", "upgrade")
        self.port = free_port()
        self.gunicorn = start_process(
            self.processes, "gunicorn",
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
             "--workers", str(web_workers), "--bind", f"127.0.0.1:{self.port}",
             *(["--access-logfile", "-"] if access_log else []), "wsgi:app"],
            directory / "gunicorn.log", env=self.env, port=self.port,
            popen=self.spawner.popen)
        wait_until(lambda: http_status(self.port, "GET", "/healthz") == 200, READY_TIMEOUT,
                   "gunicorn")
        self.worker_log = (directory / "workers.log").open("ab")
        stack.callback(self.worker_log.close)
        for _ in range(RQ_WORKERS):
            self.start_worker()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run_flask(self, *argv: str, stdin: str | None = None) -> str:
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *argv],
                              cwd=ROOT, env=self.env, input=stdin, capture_output=True,
                              text=True, timeout=300, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(argv)} failed:\n{done.stderr[-2000:]}")
        return done.stdout

    def start_redis(self) -> None:
        # With an append-only file, as docs/deploy.md requires in production: a Redis killed
        # without one comes back empty, and the fail-safe's spool and the queued jobs with it.
        self.redis = start_process(
            self.processes, "redis-server",
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--dir",
             str(self.directory), "--save", "", "--appendonly", "yes"],
            self.directory / "redis.log", port=self.redis_port, popen=self.spawner.popen)
        wait_until(lambda: http_status(self.redis_port, "GET", "/") is None
                   and redis_pings(self.redis_port), READY_TIMEOUT, "redis")

    def kill_redis(self) -> None:
        if self.redis is None:
            return
        self.redis.process.send_signal(signal.SIGKILL)
        self.redis.process.wait()

    def start_worker(self) -> None:
        """An RQ worker in a process group of its own (with the work horses it forks); none
        once the run is shutting down."""
        with self.lock:
            if self.closing:
                return
            worker = self.spawner.popen(
                [sys.executable, "worker.py"], cwd=ROOT, env=self.env, stdout=self.worker_log,
                stderr=subprocess.STDOUT, start_new_session=True)
            self.workers.append(worker)
            self.worker_groups.add(worker.pid)

    def kill_a_worker(self) -> None:
        """SIGKILL a worker's whole session (the worker and the job it is running), then
        start another, as systemd's Restart=always would."""
        with self.lock:
            if self.closing or not self.workers:
                return
            victim = self.workers.pop(0)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        self.start_worker()

    def stop_workers(self) -> None:
        """SIGTERM each worker's group (a warm shutdown: the job under way ends), wait, then
        SIGKILL whatever is left of every group this run started, the killed workers' too."""
        with self.lock:
            self.closing = True
            workers = list(self.workers)
        for worker in workers:
            if worker.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(worker.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for worker in workers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.wait(timeout=max(0.1, deadline - time.monotonic()))
        for group in sorted(self.worker_groups):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        for worker in workers:
            worker.wait()

    def kill_a_web_worker(self) -> None:
        children = _children(self.gunicorn.process.pid)
        if children:
            os.kill(children[0], signal.SIGKILL)

    def restart_postgres(self) -> None:
        if self.postgres is not None:
            self.postgres.restart()

    def shutdown(self) -> None:
        """Everything of ours stopped, in order: workers, gunicorn, Redis."""
        try:
            self.stop_workers()
        finally:
            self.processes.close()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return sorted(found)


@dataclass
class Fault:
    name: str
    at: float  # seconds into the run
    action: Callable[[], None]
    recover: Callable[[], None] | None = None
    recover_after: float = 0.0


def spooled(stack: Stack) -> int:
    """Entries in the fail-safe's spool not yet stored (-1 if Redis does not answer)."""
    import redis  # noqa: PLC0415

    connection = redis.Redis(port=stack.redis_port, socket_timeout=5)
    try:
        return int(connection.xlen(SPOOL_STREAM))
    except redis.RedisError:
        return -1
    finally:
        connection.close()


def db_value(stack: Stack, sql: str) -> Any:
    import sqlalchemy  # noqa: PLC0415

    engine = sqlalchemy.create_engine(stack.env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql(sql).scalar()
    finally:
        engine.dispose()


def db_rows(stack: Stack, sql: str) -> list[Any]:
    import sqlalchemy  # noqa: PLC0415

    engine = sqlalchemy.create_engine(stack.env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return list(connection.exec_driver_sql(sql))
    finally:
        engine.dispose()
