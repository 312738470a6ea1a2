"""`make run`: start Quietline on this machine and stop all of it on Ctrl-C.

`make run-prod-like` (QUIETLINE_RUN_PROFILE=prod-like) runs the production shape instead:
PostgreSQL (a cluster of its own under instance/postgres), gunicorn with gunicorn.conf.py and
four workers, and two RQ workers, still with development secrets and demo content.

Starts, in order: the database migration, a Redis server of our own (its data under
instance/redis, on its own port so it never touches a system Redis) and the web server
(gunicorn, whose master forks one RQ worker from the app it has built, as
QUIETLINE_WEB_RQ_WORKERS=1 asks), then prints where everything is. Secrets for development
are generated into instance/ on first start (see app/config.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from app.config import RUNNING_SERVER_FILE  # noqa: E402 -- needs ROOT on the path first

VENV_BIN = Path(sys.executable).parent
INSTANCE = Path(os.environ.get("QUIETLINE_INSTANCE", ROOT / "instance"))
RUNNING = INSTANCE / RUNNING_SERVER_FILE
# Everything started here creates files for its owner only: the SQLite file and its WAL, Redis's
# append-only files, instance/ (app/private_files.py does the same inside the app).
OWNER_ONLY_UMASK = 0o077
# How long the web server may take to answer /healthz. Building the app (the triage rules'
# patterns compiled, the language detectors built) takes seconds on an idle machine and a
# minute or more on a loaded one (two cores shared with test runs). This bounds a hang only:
# a child that stops ends the wait at once.
STARTUP_DEADLINE = 600.0


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def wait_until(check: Callable[[], bool], what: str, *, alive: Callable[[], bool],
               timeout: float = STARTUP_DEADLINE) -> None:
    """Poll `check` until it is true; stop at once if `alive` says a process it waits on
    has stopped, and after `timeout` seconds of neither."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if not alive():
            raise SystemExit(f"run: a process stopped before {what} came up")
        time.sleep(0.1)  # polling interval
    raise SystemExit(f"run: {what} did not come up within {timeout:.0f}s")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 -- our own localhost
            return bool(response.status in (200, 503))
    except OSError:
        return False


def prepare_instance(instance: Path, *, prod_like: bool) -> Path:
    """instance/ and Redis's folder in it, both for the owner only; Redis's folder returned.

    As root, `make run-prod-like` keeps PostgreSQL's cluster in instance/postgres and runs it
    as the postgres user, which must be able to pass through instance/ (0711: not list it)."""
    for folder in (instance, instance / "redis"):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)
    if prod_like and os.geteuid() == 0:
        instance.chmod(0o711)
    return instance / "redis"


def redis_command(port: int, directory: Path) -> list[str]:
    return ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
            "--appendonly", "yes", "--save", "", "--loglevel", "warning"]


def separate_workers(env: dict[str, str], *, prod_like: bool) -> int:
    """How many `python worker.py` to start; sets QUIETLINE_WEB_RQ_WORKERS if it is not set.

    `make run`: none; gunicorn's master forks the RQ worker from the app it has built, so the
    worker shares the web tier's pages (app/worker/beside_web.py: a small server's shape,
    issue 22 item 6). `make run-prod-like`: two, as the quietline-worker@ units of a
    deployment on several hosts."""
    forked = env.setdefault("QUIETLINE_WEB_RQ_WORKERS", "0" if prod_like else "1").strip()
    if forked not in ("", "0"):
        return 0
    return 2 if prod_like else 1


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A child in its own session (stopped as a group) that creates owner-only files."""
    return subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True,
                            umask=OWNER_ONLY_UMASK)


def main() -> int:
    os.umask(OWNER_ONLY_UMASK)
    port = int(os.environ.get("PORT", "5000"))
    redis_port = int(os.environ.get("QUIETLINE_REDIS_PORT", "6380"))
    for p, name in ((port, "PORT"), (redis_port, "QUIETLINE_REDIS_PORT")):
        if not port_is_free(p):
            print(f"run: port {p} is in use; set {name} to another port", file=sys.stderr)
            return 1
    if shutil.which("redis-server") is None:
        print("run: redis-server is missing; `make run` installs it (needs root)", file=sys.stderr)
        return 1

    env = dict(os.environ)
    prod_like = env.get("QUIETLINE_RUN_PROFILE") == "prod-like"
    redis_dir = prepare_instance(INSTANCE, prod_like=prod_like)
    postgres: LocalPostgres | None = None
    if prod_like:
        postgres = LocalPostgres(INSTANCE / "postgres",
                                 int(env.get("QUIETLINE_PG_PORT", "6433"))).start()
        env.setdefault("DATABASE_URL", postgres.url)
    env.setdefault("QUIETLINE_INSTANCE", str(INSTANCE))
    env.setdefault("REDIS_URL", f"redis://127.0.0.1:{redis_port}/0")
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")

    demo = prepare_database_and_content(env, postgres)

    processes: list[subprocess.Popen[bytes]] = []
    # A supervisor's SIGTERM (systemd, `timeout`) and a closed terminal's SIGHUP stop
    # everything, as Ctrl-C does. Each child is in a session of its own, so nothing else stops
    # them: a signal left at its default would end this process alone and leave Redis, the
    # worker and gunicorn running, holding their ports.
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, _interrupt)

    def start(args: list[str]) -> None:
        processes.append(spawn(args, env))

    try:
        start(redis_command(redis_port, redis_dir))
        for _ in range(separate_workers(env, prod_like=prod_like)):
            start([sys.executable, "worker.py"])
        web = (["--config", "gunicorn.conf.py", "--workers", "4"] if prod_like
               else ["--workers", "2", "--access-logfile", "-"])
        start([str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", *web, "wsgi:app"])
        wait_until(lambda: http_ok(f"http://127.0.0.1:{port}/healthz"), "the web server",
                   alive=lambda: all(p.poll() is None for p in processes))
        # For `flask sms try` in another terminal, which has neither our PORT nor our
        # PUBLIC_BASE_URL (app/cli/sms.py); removed again when we stop.
        RUNNING.write_text(json.dumps({"url": f"http://127.0.0.1:{port}",
                                       "public_base_url": env["PUBLIC_BASE_URL"]}) + "\n",
                           encoding="utf-8")
        print_banner(port, redis_port, demo, prod_like=prod_like)
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)  # supervising: wake up to notice a child that died
        print("run: a process stopped unexpectedly; stopping the rest", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
            print("\nrun: stopping", flush=True)
        return 0
    finally:
        # Stopping the children takes seconds; a second signal meanwhile (Ctrl-C pressed again,
        # or the terminal's SIGHUP right after Ctrl-C ends `make`) must not cut it short.
        for stop_signal in STOP_SIGNALS:
            signal.signal(stop_signal, signal.SIG_IGN)
        RUNNING.unlink(missing_ok=True)
        stop_in_reverse(processes)
        if postgres is not None:
            postgres.stop()


def prepare_database_and_content(env: dict[str, str], postgres: LocalPostgres | None) -> str:
    """Migrate, check the flows, make the demo advocate; its lines for the banner. A failure
    stops `make run-prod-like`'s PostgreSQL again: left running, the next start would find its
    port taken."""
    flask = [str(VENV_BIN / "flask"), "--app", "wsgi"]
    try:
        subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True)
        # Unconfirmed translations as one line, not one per text on every start: `flows check`
        # without --summary lists them.
        subprocess.run([*flask, "flows", "check", "--summary"], cwd=ROOT, env=env, check=True)
        return subprocess.run([*flask, "advocates", "demo"], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True).stdout
    except BaseException:
        if postgres is not None:
            postgres.stop()
        raise


def stop_in_reverse(processes: list[subprocess.Popen[bytes]]) -> None:
    """In reverse order, each stopped before the next: the web server, then the worker (which
    finishes its job), then the Redis both of them need until the end."""
    for process in reversed(processes):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class LocalPostgres:
    """A PostgreSQL cluster of `make run-prod-like`'s own, kept under instance/postgres between
    runs. As root it runs as the `postgres` user (PostgreSQL refuses to run as root)."""

    def __init__(self, directory: Path, port: int) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not found:
            raise SystemExit("run: PostgreSQL is missing; `make run-prod-like` installs it")
        self.bin = found[-1].parent
        self.directory = directory
        self.port = port
        self.url = f"postgresql+psycopg://quietline@127.0.0.1:{port}/quietline"

    def _run(self, *argv: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *argv], check=True)

    def start(self) -> LocalPostgres:
        fresh = not (self.directory / "PG_VERSION").exists()
        if fresh:
            self.directory.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(self.directory, "postgres", "postgres")
            self._run(str(self.bin / "initdb"), "-D", str(self.directory), "-U", "quietline",
                      "--auth=trust", "--encoding=UTF8", "--no-instructions")
        # -t 300: pg_ctl's own wait gives up after 60 s, and a cluster recovering after its
        # machine lost power (or starting on a loaded small server) can take longer than that;
        # giving up would report a failed start for a server that is about to be ready.
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.directory), "-w", "-t", "300", "-l",
                  str(self.directory / "server.log"), "-o",
                  f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1", "start")
        if fresh:
            self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                      "-U", "quietline", "quietline")
        return self

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.directory), "-m", "fast", "stop")


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _interrupt(_signum: int, _frame: object) -> None:
    """Stop once: the signals that follow (see `main`) are ignored from here on."""
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, signal.SIG_IGN)
    raise KeyboardInterrupt


def print_banner(port: int, redis_port: int, demo: str, *, prod_like: bool) -> None:
    base = f"http://127.0.0.1:{port}"
    # With QUIETLINE_STAFF_HOST (docs/deploy.md, "Two host names") the staff pages answer only
    # there, e.g. QUIETLINE_STAFF_HOST=localhost: http://localhost:5000/advocates/queue.
    staff = os.environ.get("QUIETLINE_STAFF_HOST", "").strip()
    staff_base = base
    if staff:
        staff_base = f"http://{staff}" if ":" in staff else f"http://{staff}:{port}"
    database = ("PostgreSQL, data in instance/postgres (4 web workers, 2 RQ workers)"
                if prod_like else "instance/quietline.sqlite3")
    print(f"""
Quietline is running.
  Web server        {base}
  Health            {base}/healthz
  SMS webhook       {base}/webhooks/twilio/sms   (POST, signed by Twilio)
  Fallback TwiML    {base}/webhooks/twilio/fallback
  Redis             redis://127.0.0.1:{redis_port}/0 (data in instance/redis)
  Database          {database}

  Advocates' queue  {staff_base}/advocates/queue
  Demo advocate (development only):
    {demo.strip().replace(chr(10), chr(10) + "    ")}

Try a conversation without Twilio (signed locally with the development token):
  .venv/bin/flask --app wsgi sms try "hello"
  .venv/bin/flask --app wsgi sms try "3"

Press Ctrl-C to stop everything.
""", flush=True)


if __name__ == "__main__":
    sys.exit(main())
