"""`--profile`: the real app in-process (Flask test client) under cProfile, and timings.

The real app is timed, its SQLite write window measured, then profiled on fresh requests; the
reference app is timed on the same kind of requests for comparison.
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import os
import platform
import pstats
import re
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Engine, event

from app import create_app
from app.config import load_settings
from app.services import services
from bench import ROOT
from bench.apps import WEBHOOK_PATH, reference
from bench.environment import REAL_INBOUND_SQL, count_rows
from bench.machine import cpu_count, cpu_model
from bench.signed_requests import RequestFactory, SignedRequest

WARMUP_REQUESTS = 200
WRITES = {"INSERT", "UPDATE", "DELETE"}


def post_all(app: Flask, requests: Sequence[SignedRequest]) -> dict[int, int]:
    """Send the requests through Flask's test client; count the responses by status."""
    client = app.test_client()
    statuses: dict[int, int] = {}
    for request in requests:
        response = client.post(
            WEBHOOK_PATH, data=request.body, content_type="application/x-www-form-urlencoded",
            headers={"X-Twilio-Signature": request.signature},
        )
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    return statuses


def timed(
    app: Flask, requests: Sequence[SignedRequest], profiler: cProfile.Profile | None = None,
    cpu: list[float] | None = None,
) -> tuple[float, dict[int, int]]:
    """Milliseconds per request and the statuses; under `profiler` if one is given. The
    process's CPU milliseconds per request are appended to `cpu` when it is given: on a shared
    machine they say more than the wall clock, which counts the waits for a core."""
    # The profiler is switched on and off here, so the profile holds post_all and nothing of
    # the caller's.
    if profiler is not None:
        profiler.enable()
    started, cpu_started = time.perf_counter(), time.process_time()
    statuses = post_all(app, requests)
    elapsed, cpu_elapsed = time.perf_counter() - started, time.process_time() - cpu_started
    if profiler is not None:
        profiler.disable()
    if cpu is not None:
        cpu.append(cpu_elapsed / len(requests) * 1e3)
    return elapsed / len(requests) * 1e3, statuses


def shorten_paths(text: str) -> str:
    for prefix in sorted({p for p in sys.path if p}, key=len, reverse=True):
        text = text.replace(prefix.rstrip("/") + "/", "")
    return text


@contextlib.contextmanager
def logs_to(path: Path) -> Iterator[None]:
    """The app's log lines (written to stderr) go to `path`, as gunicorn's would to a file."""
    with path.open("w", encoding="utf-8") as handle, contextlib.redirect_stderr(handle):
        yield


class WriteTransactionTimer:
    """How long each request holds SQLite's write lock, from its first write to its commit.

    pysqlite opens the transaction (and SQLite takes the write lock) at the first INSERT,
    UPDATE or DELETE; the lock is released by the commit, after which the session returns its
    connection to the pool. With several workers on one file only one can be inside this
    window at a time, so 1 / (mean window) bounds the throughput of any number of workers.
    """

    def __init__(self, engine: Engine) -> None:
        self.started: float | None = None
        self.windows: list[float] = []
        event.listen(engine, "before_cursor_execute", self.before_execute)
        event.listen(engine, "reset", self.returned)

    def before_execute(self, *args: Any) -> None:
        statement: str = args[2]
        if self.started is None and statement.lstrip()[:6].upper() in WRITES:
            self.started = time.perf_counter()

    def returned(self, *_args: Any) -> None:
        if self.started is not None:
            self.windows.append(time.perf_counter() - self.started)
            self.started = None


@dataclass
class ProfileRun:
    count: int
    revision: str
    real_ms: float = 0.0
    profiled_ms: float = 0.0
    write_window_ms: float = 0.0
    reference_ms: float = 0.0
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)
    stored: int = 0
    sent: int = 0
    # CPU time, not the wall clock: the machine may be shared (see `timed`).
    profiler: cProfile.Profile = field(
        default_factory=lambda: cProfile.Profile(time.process_time))
    real_cpu: list[float] = field(default_factory=list)  # ms/request: timed, then profiled
    reference_cpu: list[float] = field(default_factory=list)


def profile_real(env: Mapping[str, str], factory: RequestFactory, run: ProfileRun) -> None:
    """Time the real app, measure its write window, then profile it on fresh requests."""
    real = create_app(load_settings(env))
    with real.app_context():
        database, connection = services().database, services().redis
    post_all(real, factory.batch(WARMUP_REQUESTS))
    timer = WriteTransactionTimer(database.engine)
    run.real_ms, run.statuses["real"] = timed(real, factory.batch(run.count),
                                              cpu=run.real_cpu)
    run.write_window_ms = statistics.fmean(timer.windows) * 1e3 if timer.windows else 0.0
    run.profiled_ms, run.statuses["real, profiled"] = timed(
        real, factory.batch(run.count), run.profiler, cpu=run.real_cpu)
    run.sent = WARMUP_REQUESTS + 2 * run.count
    run.stored = count_rows(env["DATABASE_URL"], REAL_INBOUND_SQL)
    database.dispose()
    connection.close()


def time_reference(env: Mapping[str, str], factory: RequestFactory, run: ProfileRun) -> None:
    app = reference({**env, "DATABASE_URL": env["REFERENCE_DATABASE_URL"]})
    post_all(app, factory.batch(WARMUP_REQUESTS))
    run.reference_ms, run.statuses["reference"] = timed(app, factory.batch(run.count),
                                                        cpu=run.reference_cpu)


def render_profile(run: ProfileRun) -> str:
    window = run.write_window_ms
    lines = [
        f"Quietline SMS webhook profile, {datetime.now(UTC).isoformat(timespec='seconds')}, "
        f"revision {run.revision}",
        f"{cpu_count()} CPUs ({cpu_model()}), Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version} (WAL, synchronous=FULL)",
        "In-process, one thread, Flask test client, signed requests as in the benchmark "
        f"({WARMUP_REQUESTS} warm-up, {run.count} timed, {run.count} profiled).",
        "",
        f"real app:      {run.real_ms:.2f} ms/request ({1e3 / run.real_ms:.0f} req/s on one "
        f"core), {run.profiled_ms:.2f} ms/request under cProfile",
        f"               SQLite write lock held {window:.2f} ms/request, first write to "
        f"commit (so at most {1e3 / window if window else 0:.0f} req/s however many workers)",
        f"reference app: {run.reference_ms:.2f} ms/request ({1e3 / run.reference_ms:.0f} req/s "
        "on one core)",
        f"CPU time:      real {run.real_cpu[0]:.2f} ms/request, reference "
        f"{run.reference_cpu[0]:.2f} ms/request (real/reference "
        f"{run.real_cpu[0] / run.reference_cpu[0]:.2f}); load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()),
        f"statuses: {run.statuses}",
        f"real app inbound messages stored: {run.stored} of {run.sent} sent",
        "",
        *where_the_time_goes(run),
        "",
        "The profiles below count CPU time (time.process_time), not the wall clock.",
    ]
    text = "\n".join(lines)
    sections = (
        ("cumulative", "top 25 functions by cumulative time", ()),
        ("cumulative", "Quietline's own functions (app/) by cumulative time",
         (re.escape(str(ROOT / "app") + os.sep),)),
        ("tottime", "top 25 functions by own (internal) time", ()),
    )
    for order, title, restrictions in sections:
        buffer = io.StringIO()
        stats = pstats.Stats(run.profiler, stream=buffer)
        stats.sort_stats(order).print_stats(*restrictions, 25)
        text += f"\n=== {title} ===\n" + shorten_paths(buffer.getvalue())
    return text


# What one message costs, step by step, as (label, file, function): not nested in each other,
# so together with "the rest" they add up to the whole request.
STEPS = (
    ("form parsed, signature checked (Twilio's validator, HMAC-SHA1)",
     "app/channels/sms.py", "signature_is_valid"),
    ("contact's look-up value (keyed hash)", "app/conversation/service.py", "contact_hash"),
    ("flood allowance (one Redis round trip)", "app/conversation/throttle.py", "check"),
    ("one read: conversation, case, opt-out, word; key unwrapped, state opened",
     "app/storage/vault.py", "find_open"),
    ("a second read for anything under an older contact key (until this change)",
     "app/conversation/service.py", "adopt_contact"),
    ("language guess (lingua)", "app/content/language.py", "guess"),
    ("text folded once for triage and intents", "app/flows/said.py", "of"),
    ("triage", "app/flows/triage.py", "assess"),
    ("learned second opinion (two models, one mapped file)", "app/flows/learned.py", "read"),
    ("flow step (keywords, intents, menu)", "app/flows/engine.py", "step"),
    ("reply rendered from the catalogue", "app/conversation/service.py", "render"),
    ("messages in and out sealed and inserted", "app/storage/vault.py", "add_messages"),
    ("state sealed and saved", "app/storage/vault.py", "save_state"),
    ("case opened or raised, audited", "app/casework/escalation.py", "apply"),
    ("report tallies", "app/storage/tallies.py", "case_changed"),
    ("commit (fsync of the WAL)", "sqlalchemy/engine/base.py", "commit"),
    ("TwiML written", "app/channels/sms.py", "twiml"),
    ("fail-safe language memory", "app/conversation/failsafe.py", "remember"),
    ("response headers (after-request hooks)", "flask/app.py", "process_response"),
)


def where_the_time_goes(run: ProfileRun) -> list[str]:
    """CPU milliseconds per message for each step, from the profile, scaled to the run
    without the profiler (which slows Python code more than C code, so this is a guide)."""
    stats = pstats.Stats(run.profiler)
    # pstats keeps its table in an attribute its stubs do not declare.
    table: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in table.values())  # every function's own time
    profiled, plain = run.real_cpu[1], run.real_cpu[0]
    scale = plain / profiled / run.count * 1e3 if profiled else 0.0
    lines = [f"Where the milliseconds go (CPU, per message; the profile scaled to the "
             f"unprofiled {plain:.2f} ms):"]
    listed = 0.0
    for label, filename, function in STEPS:
        seconds = sum(entry[3] for (file, _, name), entry in table.items()
                      if file.endswith(filename) and name == function)
        listed += seconds
        lines.append(f"  {seconds * scale:6.3f} ms  {label}")
    logs = sum(entry[3] for (file, _, name), entry in table.items()
               if file.endswith("logging/__init__.py") and name == "_log")
    lines.append(f"  {(total - listed) * scale:6.3f} ms  the rest: Flask and Werkzeug (request "
                 "context, routing, hooks before the view), the test client, the view's own "
                 "lines")
    lines.append(f"  ({logs * scale:.3f} ms of the above in log lines)")
    return lines
