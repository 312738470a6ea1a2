"""What a run measured and on what: the git revision, CPU, versions and the filesystem."""

from __future__ import annotations

import contextlib
import os
import platform
import sqlite3
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import ROOT


def filesystem_of(path: Path) -> str:
    """The type of the filesystem holding `path` (where the SQLite files were written)."""
    best, kind = "", "unknown"
    with contextlib.suppress(OSError), open("/proc/mounts", encoding="utf-8") as mounts:
        for line in mounts:
            fields = line.split()
            if len(fields) > 2 and str(path).startswith(fields[1]) and len(fields[1]) > len(best):
                best, kind = fields[1], fields[2]
    return kind


def command_version(argv: list[str]) -> str:
    try:
        completed = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=10)
    except OSError:
        return "unknown"
    lines = (completed.stdout + completed.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def git_revision() -> str:
    """The commit measured, marked "+changes" if app/ differs from it (the app moves fast)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True, timeout=10)
        changes = subprocess.run(["git", "status", "--porcelain", "--", "app"], cwd=ROOT,
                                 capture_output=True, text=True, check=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head.stdout.strip() + ("+changes" if changes.stdout.strip() else "")


def cpu_count() -> int:
    return len(os.sched_getaffinity(0))


def cpu_model() -> str:
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine_info(directory: Path) -> dict[str, Any]:
    packages = ("flask", "werkzeug", "sqlalchemy", "twilio", "cryptography", "gunicorn")
    return {
        "nproc": cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "database_filesystem": filesystem_of(directory),
        "wrk": command_version(["wrk", "-v"]),
        "redis": command_version(["redis-server", "--version"]),
        "packages": {name: metadata.version(name) for name in packages},
    }


def heading(title: str) -> list[str]:
    """A small bench's first two lines: what, when and which commit; on what, how busy (the
    machine may be shared, so the load says how far to trust the figures)."""
    return [f"Quietline {title}, {datetime.now(UTC).isoformat(timespec='seconds')}, "
            f"revision {git_revision()}",
            f"{cpu_count()} CPUs ({cpu_model()}), load average "
            + " ".join(f"{x:.2f}" for x in os.getloadavg())]


def write_result(path: Path, text: str) -> None:
    """Write a small bench's figures to `path` and print them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(text)  # noqa: T201 -- a benchmark prints its figures
