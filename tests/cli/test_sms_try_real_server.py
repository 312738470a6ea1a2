"""`make run` on a PORT of its own, then `flask sms try` from another "terminal" that has
neither its PORT nor its PUBLIC_BASE_URL: the reply comes back from the real server.

Real parts: scripts/run.py (migration, flows check, Redis, a worker, gunicorn), and the
`flask` command line in a separate process. Also checks what `make run` prints about
unconfirmed translations (one summary line, not one per text).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.config import RUNNING_SERVER_FILE
from tests.support.servers import free_port, wait_for

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent.parent
FLASK = Path(sys.executable).parent / "flask"
# Starting builds the whole app five times (the migration, flows check and the demo advocate
# one after another, then the worker and gunicorn's master), and `sms try` builds it once
# more: a few seconds each on an idle machine, a minute or more each at a load of 10-25 on
# two cores. The tests wait on readiness; these deadlines bound a hang only.
START_DEADLINE = 900.0
COMMAND_DEADLINE = 300.0


def clean_environment(instance: Path) -> dict[str, str]:
    """This machine's environment without any Quietline setting, and our instance folder."""
    ours = ("QUIETLINE_", "PUBLIC_BASE_URL", "DATABASE_URL", "REDIS_URL", "TWILIO_", "PORT")
    return {**{k: v for k, v in os.environ.items() if not k.startswith(ours)},
            "QUIETLINE_INSTANCE": str(instance)}


@dataclass
class Running:
    instance: Path
    port: int
    log: Path


def start_run(instance: Path, log: Path, port: int, redis_port: int
              ) -> subprocess.Popen[bytes]:
    """scripts/run.py on ports of its own, for `instance`, writing to `log`; returned once it
    is up. The caller stops it."""
    environ = {**clean_environment(instance), "PORT": str(port),
               "QUIETLINE_REDIS_PORT": str(redis_port),
               # the demo advocate's password hash at argon2id's cheapest (same checks)
               "QUIETLINE_ARGON2_TIME_COST": "1", "QUIETLINE_ARGON2_MEMORY_KIB": "1024"}
    with log.open("wb") as output:
        process = subprocess.Popen([sys.executable, "scripts/run.py"], cwd=ROOT, env=environ,
                                   stdout=output, stderr=subprocess.STDOUT)
    try:
        # Up when its /healthz answers and it has printed the banner (which comes after the
        # address file is written); a run.py that stops ends the wait at once.
        wait_for(lambda: process.poll() is not None or (
                     "Quietline is running." in log.read_text(encoding="utf-8")
                     and answers_health(port)),
                 timeout=START_DEADLINE, what="make run to start")
        assert process.poll() is None, log.read_text(encoding="utf-8")
    except BaseException:
        process.send_signal(signal.SIGTERM)  # run.py stops its children in order
        process.wait(timeout=60)
        raise
    return process


@pytest.fixture(scope="module")
def make_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    instance = tmp_path_factory.mktemp("instance")
    port = free_port()
    log = instance.parent / "run.log"
    process = start_run(instance, log, port, free_port())
    try:
        yield Running(instance, port, log)
    finally:
        process.send_signal(signal.SIGTERM)  # run.py stops its children in order
        process.wait(timeout=60)
    assert not (instance / RUNNING_SERVER_FILE).exists()


def answers_health(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz",  # noqa: S310 -- ours
                                    timeout=5) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def sms_try(instance: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(FLASK), "--app", "wsgi", "sms", "try", *args], cwd=ROOT,
                          env={**clean_environment(instance), **extra}, capture_output=True,
                          text=True, timeout=COMMAND_DEADLINE, check=False)


def test_sms_try_reaches_make_run_on_its_port_without_being_told(make_run: Running) -> None:
    result = sms_try(make_run.instance, "hello", "--from", "+447700900201")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert "could not reach" not in result.stdout + result.stderr


def test_sms_try_with_url_reaches_it_too(make_run: Running) -> None:
    result = sms_try(make_run.instance, "hello", "--from", "+447700900202",
                     "--url", f"http://127.0.0.1:{make_run.port}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_a_refused_signature_says_what_must_match(make_run: Running) -> None:
    result = sms_try(make_run.instance, "hello", "--from", "+447700900203",
                     TWILIO_AUTH_TOKEN="another-token-0123456789abcdef")
    assert result.returncode == 1
    assert "refused the signature (403)" in result.stderr
    assert "TWILIO_AUTH_TOKEN" in result.stderr


def test_make_run_summarises_unconfirmed_translations(make_run: Running) -> None:
    printed = make_run.log.read_text(encoding="utf-8")
    assert "is fuzzy (unconfirmed)" not in printed
    assert printed.count("await a translator's confirmation") <= 1
