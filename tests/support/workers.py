"""Real `python worker.py` processes for tests, and the deployment file they run with: the demo
deployment with someone on duty at every hour, since a worker reads the machine's clock."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

from app.config import DEFAULT_CONFIG

ROOT = Path(__file__).resolve().parents[2]

ON_CALL = "+447700900999"  # the demo deployment's on-call phone (config/demo.toml)

# How long a new worker may take to register with Redis. Idle, it takes a few seconds (it
# reads flows/ and the triage rules, and warms up before it forks); on a machine at load 13 it
# took over 30 s and four worker tests failed for that alone (a CI run on cd56b9f). The wait
# ends as soon as the worker registers, so a generous bound costs a healthy run nothing.
WORKER_START_SECONDS = 180.0
# The same for a fresh Python process that imports the app (wsgi, worker, `flask ...`): idle,
# 5-15 s (the language models, flows/ and the triage rules); under load 10-13 one took over
# 120 s (CI run on f2d6446). A bound against a hang, never a measure of speed.
APP_PROCESS_SECONDS = 300.0


def always_open_config(directory: Path, alerts: bool) -> Path:
    """The demo deployment, with someone on duty at every hour (the test runs any time)."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^(monday|tuesday|wednesday|thursday|friday) = .*$', "", text)
    text = text.replace('timezone = "Europe/London"', 'timezone = "Europe/London"\n' + "\n".join(
        # 24:00, not 23:59: a worker running in the minute before midnight is still in hours.
        f'{day} = ["00:00-24:00"]' for day in
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")))
    text = text.replace('holidays = ["2026-12-25", "2026-12-28", "2027-01-01"]', "holidays = []")
    if not alerts:
        text = text.replace(f'alert_sms = ["{ON_CALL}"]', "alert_sms = []")
    path = directory / "deployment.toml"
    path.write_text(text, encoding="utf-8")
    return path


def start_worker(environ: dict[str, str],
                 output: IO[bytes] | int = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    """A worker in a session of its own, so kill -9 can take the worker and the work-horse
    process RQ forks for each job together, as when a machine or container dies."""
    return subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT,
                            env={**os.environ, **environ}, stdout=output,
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the worker's session (a warm shutdown); kill it if it has not ended in 10 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
