"""Queue latency: from a survivor's signed SMS asking for a person to the case on screen.

The issue's requirement: a signed inbound SMS saying "person" opens a case, and the case
appears on a signed-in advocate's queue page in a real browser without a reload; p95 under
1 s from webhook to visible, over 50 cases.

The real stack runs as in production, on loopback: our own redis-server, a migrated SQLite
database in a temporary instance directory, gunicorn (gunicorn.conf.py: preloaded app,
threaded workers) serving `wsgi:app`, and one `python worker.py`. An advocate is created with
`flask --app wsgi advocates create ... --password-stdin`, signs in through the real login form
(password and TOTP code) in Debian's Chromium driven by Playwright, and opens /advocates/queue,
which polls /advocates/queue.json every INTERVAL_MS (app/advocates/static/queue.js).

An init script in the page (a MutationObserver) records the wall-clock time,
`performance.timeOrigin + performance.now()`, at which each new `tr[data-case]` first enters
the DOM, and (PerformanceObserver) the start and end of every queue.json request. Python
records the wall-clock time, `time.time()`, just before it sends each signed webhook request.
Both are the wall clock of this one machine; the offset between the page's clock and
Python's is measured before and after the run and reported, so its error is visible.

Latency per case = first time its row is in the DOM - time the webhook request was sent. Each
latency is split into: the webhook's round trip (the case is committed before it answers),
the wait for the page's next poll, that poll's round trip, and rendering. Sends are spaced
1.25-1.75 s apart (seeded jitter), so they land at random phases of the page's poll cycle.
p95 is the nearest-rank 95th percentile (the 48th of 50 sorted values). Before the cases,
new survivors' first messages (which open no case) warm every gunicorn worker up; see
`warm_up` for why, and the report for what they cost.

Missing the target is reported, not fatal; a case that never appears (or a webhook that does
not answer 200 with exactly one new case) makes the exit status 1.

Results: bench/results/queue-latency.json and queue-latency.txt.
Run: `.venv/bin/python bench/queue_latency.py [--cases N]` (make bench runs it).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import math
import random
import re
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402 -- after path set-up
from twilio.request_validator import RequestValidator  # noqa: E402

from app.crypto import Totp  # noqa: E402
from bench.environment import bench_environment, gunicorn_environment, prepare_databases  # noqa: E402
from bench.machine import command_version, git_revision, machine_info  # noqa: E402
from bench.processes import (  # noqa: E402
    READY_TIMEOUT,
    WORKERS,
    Server,
    free_port,
    http_status,
    install_sigterm_handler,
    start_process,
    start_redis,
    tail,
    wait_until,
)
from bench.signed_requests import ACCOUNT_SID, PUBLIC_BASE_URL, SERVICE_NUMBER  # noqa: E402
from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, DEFAULT_TIMEOUT_MS  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WEBHOOK_PATH = "/webhooks/twilio/sms"
TARGET_P95_MS = 1000.0
EMAIL = "bench.advocate@example.org"
# Ofcom's drama range: +447700900000-999. 000 is the service's own number.
FIRST_SENDER = 100
WARMUP_FIRST_SENDER = 900
WARMUP_BODY = "hello there"  # a first message with enough letters for the language guess
WARMUP_BURST = 4             # sent at once, so that every gunicorn worker takes some
WARMUP_MAX_BURSTS = 12
WARMUP_WARM_MS = 200.0       # a burst whose answers all come faster than this is warm
WARMUP_WARM_BURSTS = 3       # ... and this many of those in a row end the warm-up
SPACING_S = 1.5
JITTER_S = 0.25
SEED = 20261126
APPEAR_TIMEOUT_S = 15.0
QUEUE_JS = ROOT / "app" / "advocates" / "static" / "queue.js"

# Runs before any page script in every document (Playwright injects it outside the CSP).
OBSERVER = """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const seen = {};
  const polls = [];
  window.__queueBench = {seen, polls};
  new MutationObserver((records) => {
    const at = now();
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.nodeType !== Node.ELEMENT_NODE) { continue; }
        const rows = node.matches("tr[data-case]") ? [node]
          : Array.from(node.querySelectorAll("tr[data-case]"));
        for (const row of rows) {
          const id = row.getAttribute("data-case");
          if (id in seen) { continue; }
          const entry = {dom: at, frame: null,
                         reference: row.cells.length > 1 ? row.cells[1].textContent : ""};
          seen[id] = entry;
          // The next animation frame: the first paint that can show the row starts then.
          requestAnimationFrame(() => { entry.frame = now(); });
        }
      }
    }
  }).observe(document, {childList: true, subtree: true});
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.name.includes("/advocates/queue.json")) {
        polls.push({start: performance.timeOrigin + e.startTime,
                    end: performance.timeOrigin + e.responseEnd});
      }
    }
  }).observe({type: "resource", buffered: true});
})();
"""
PAGE_CLOCK = "performance.timeOrigin + performance.now()"


@dataclass
class Sent:
    case_id: int
    reference: str
    sender: str
    send_ms: float      # Python's wall clock just before the request was sent
    response_ms: float  # ... and when the webhook's answer had been read


@dataclass
class Measured:
    case_id: int
    reference: str
    sender: str
    sent_at_ms: float        # wall clock, ms since the epoch
    visible_at_ms: float     # wall clock, ms since the epoch
    latency_ms: float        # first in the DOM - sent
    frame_latency_ms: float | None  # next animation frame after that - sent
    webhook_ms: float        # send -> webhook answered (the case is committed before that)
    poll_wait_ms: float      # webhook answered -> start of the poll that brought the case
    poll_ms: float           # that poll's request, start -> response end
    render_ms: float         # response end -> row in the DOM


def nearest_rank(values: Sequence[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def summary(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {}
    return {"count": len(values), "min": min(values), "p50": nearest_rank(values, 50),
            "p95": nearest_rank(values, 95), "max": max(values),
            "mean": statistics.fmean(values)}


def poll_interval_ms() -> int | None:
    found = re.search(r"INTERVAL_MS\s*=\s*(\d+)", QUEUE_JS.read_text(encoding="utf-8"))
    return int(found.group(1)) if found else None


# --- the stack -----------------------------------------------------------------------------

def start_web(stack: contextlib.ExitStack, env: Mapping[str, str], workdir: Path) -> Server:
    """gunicorn as deployed: gunicorn.conf.py (preload, gthread) serving wsgi:app."""
    port = free_port()
    server = start_process(
        stack, "gunicorn (wsgi:app)",
        [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
         "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", "--access-logfile", "-",
         "wsgi:app"],
        workdir / "gunicorn.log", env=env, port=port)

    def answering() -> bool:
        server.check_alive()
        return http_status(port, "GET", "/healthz") == 200

    wait_until(answering, READY_TIMEOUT, f"wsgi:app on port {port}")
    return server


def create_advocate(env: Mapping[str, str], password: str) -> str:
    """The account, made with the administrators' CLI; returns the TOTP secret it printed."""
    completed = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "advocates", "create", EMAIL,
         "--role", "advocate", "--password-stdin"],
        cwd=ROOT, env=dict(env), input=password + "\n", capture_output=True, text=True,
        check=False, timeout=120)
    found = re.search(r"secret=([A-Z2-7]+)", completed.stdout)
    if completed.returncode != 0 or found is None:
        raise RuntimeError(f"advocates create failed ({completed.returncode}):\n"
                           f"{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}")
    return found.group(1)


# --- the survivor's side -------------------------------------------------------------------

class Survivors:
    """Signed inbound SMS, each from its own number, posted to the real webhook."""

    def __init__(self, port: int, auth_token: str, database: Path) -> None:
        self.port = port
        self.validator = RequestValidator(auth_token)
        self.database = database
        self.prefix = secrets.token_hex(4)
        self.counter = itertools.count(1)  # next() is atomic: warm-up bursts use threads
        self.last_case = 0

    def post(self, sender: str, body: str) -> tuple[float, float, int]:
        """Send one message; returns (sent, answered) wall-clock ms and the status."""
        sid = f"SM{self.prefix}{next(self.counter):024x}"
        params = {"MessageSid": sid, "SmsMessageSid": sid, "SmsSid": sid,
                  "AccountSid": ACCOUNT_SID, "From": sender, "To": SERVICE_NUMBER,
                  "Body": body, "NumMedia": "0", "NumSegments": "1",
                  "SmsStatus": "received", "ApiVersion": "2010-04-01"}
        signature = str(self.validator.compute_signature(PUBLIC_BASE_URL + WEBHOOK_PATH,
                                                         params))
        payload = urlencode(params)
        headers = {"X-Twilio-Signature": signature,
                   "Content-Type": "application/x-www-form-urlencoded"}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.connect()  # outside the timed part: Twilio's connection is its own
            sent = time.time() * 1000
            connection.request("POST", WEBHOOK_PATH, body=payload, headers=headers)
            response = connection.getresponse()
            response.read()
            answered = time.time() * 1000
        finally:
            connection.close()
        return sent, answered, response.status

    def new_cases(self) -> list[tuple[int, str]]:
        with contextlib.closing(sqlite3.connect(self.database, timeout=10)) as connection:
            rows = connection.execute(
                "SELECT escalations.id, conversations.reference FROM escalations"
                " JOIN conversations ON conversations.id = escalations.conversation_id"
                " WHERE escalations.id > ? ORDER BY escalations.id", (self.last_case,)).fetchall()
        if rows:
            self.last_case = int(rows[-1][0])
        return [(int(row[0]), str(row[1])) for row in rows]


# --- the advocate's side -------------------------------------------------------------------

def wait_in_page(page: Page, expression: str, timeout: float, what: str) -> None:
    """page.evaluate polling: wait_for_function would need eval, which the CSP forbids."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)  # polling interval


def sign_in(page: Page, base_url: str, password: str, secret: str) -> None:
    """Through the login form, as an advocate would; lands on the live queue."""
    page.goto(base_url + "/advocates/login")
    page.fill("#email", EMAIL)
    page.fill("#password", password)
    # A code about to expire could be refused on arrival: wait for the next 30 s step.
    if 30 - time.time() % 30 < 2:
        time.sleep(30 - time.time() % 30 + 0.1)
    page.fill("#code", Totp.code_at(secret, time.time()))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + "/advocates/queue")


def clock_offset(page: Page, tries: int = 25) -> dict[str, float]:
    """The page's wall clock minus Python's, from the round trip with the least delay."""
    best: tuple[float, float] | None = None
    for _ in range(tries):
        before = time.time() * 1000
        in_page = float(page.evaluate(PAGE_CLOCK))
        after = time.time() * 1000
        if best is None or after - before < best[1]:
            best = (in_page - (before + after) / 2, after - before)
    if best is None:
        raise ValueError("tries must be at least 1")
    return {"offset_ms": best[0], "uncertainty_ms": best[1] / 2}


def breakdown(sent: Sent, dom: float, frame: float | None,
              polls: Sequence[Mapping[str, float]]) -> Measured:
    """Split one latency at the poll whose answer brought the row (the last to end first)."""
    before = [p for p in polls if p["end"] <= dom]
    poll = max(before, key=lambda p: p["end"]) if before else {"start": dom, "end": dom}
    return Measured(
        case_id=sent.case_id, reference=sent.reference, sender=sent.sender,
        sent_at_ms=sent.send_ms, visible_at_ms=dom,
        latency_ms=dom - sent.send_ms,
        frame_latency_ms=None if frame is None else frame - sent.send_ms,
        webhook_ms=sent.response_ms - sent.send_ms,
        poll_wait_ms=poll["start"] - sent.response_ms,
        poll_ms=poll["end"] - poll["start"],
        render_ms=dom - poll["end"])


# --- the run -------------------------------------------------------------------------------

@dataclass
class Stack:
    web: Server
    worker: Server
    survivors: Survivors
    password: str
    secret: str


def start_stack(stack: contextlib.ExitStack, workdir: Path) -> Stack:
    """Redis, the database, the advocate's account, the worker and the web server."""
    redis = start_redis(stack, workdir / "redis")
    environ = bench_environment(workdir, f"redis://127.0.0.1:{redis.port}/0")
    prepare_databases(environ)
    # One environment for every process: the CLI, the worker and gunicorn.
    app_env = gunicorn_environment("real", environ)
    password = secrets.token_urlsafe(24)
    secret = create_advocate(app_env, password)
    worker = start_process(stack, "worker", [sys.executable, "worker.py"],
                           workdir / "worker.log", env=app_env)
    web = start_web(stack, app_env, workdir)
    worker.check_alive()
    survivors = Survivors(web.port, environ["TWILIO_AUTH_TOKEN"],
                          Path(environ["DATABASE_URL"].removeprefix("sqlite:///")))
    return Stack(web, worker, survivors, password, secret)


def open_queue(stack: contextlib.ExitStack, workdir: Path, running: Stack) -> Page:
    """Chromium, signed in, on the live queue, with the observer installed."""
    playwright = stack.enter_context(sync_playwright())
    context = playwright.chromium.launch_persistent_context(
        str(workdir / "profile"), executable_path=str(CHROMIUM), headless=True,
        args=CHROMIUM_ARGS)
    stack.callback(context.close)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.add_init_script(OBSERVER)
    page = context.pages[0] if context.pages else context.new_page()
    sign_in(page, running.web.url, running.password, running.secret)
    wait_in_page(page, "document.getElementById('status').textContent.startsWith('0 cases')",
                 10, "the queue's first poll")
    if not page.evaluate("window.__queueBench !== undefined"):
        raise RuntimeError("the observer script is not installed in the queue page")
    return page


def warm_up(survivors: Survivors, problems: list[str]) -> list[float]:
    """New survivors' first messages, which open no case, in concurrent bursts until every
    answer is quick; returns each warm-up request's round trip (ms).

    In development (this benchmark's settings) the language guesser loads lingua's models
    lazily, in each gunicorn worker's first request with a message long enough to guess
    (app/services/wiring.py preloads them only in production): about 0.85 s here. This keeps that
    one-off cost per worker out of the measured cases; the report shows it.
    """
    numbers = itertools.count(WARMUP_FIRST_SENDER)
    durations: list[float] = []
    warm = 0
    with ThreadPoolExecutor(max_workers=WARMUP_BURST) as pool:
        for _ in range(WARMUP_MAX_BURSTS):
            senders = [f"+447700900{next(numbers):03d}" for _ in range(WARMUP_BURST)]
            answers = list(pool.map(lambda sender: survivors.post(sender, WARMUP_BODY),
                                    senders))
            burst = [answered - sent for sent, answered, _ in answers]
            durations.extend(burst)
            problems.extend(f"warm-up message: status {status}" for _, _, status in answers
                            if status != 200)
            warm = warm + 1 if max(burst) < WARMUP_WARM_MS else 0
            if warm == WARMUP_WARM_BURSTS:
                break
        else:
            problems.append("the webhook was still slow after the warm-up")
    if survivors.new_cases():
        problems.append("a warm-up message opened a case")
    return durations


def send_cases(survivors: Survivors, count: int, problems: list[str]) -> list[Sent]:
    """`count` survivors each ask for a person, 1.25-1.75 s apart."""
    jitter = random.Random(SEED)
    sent: list[Sent] = []
    for index in range(count):
        sender = f"+447700900{FIRST_SENDER + index:03d}"
        send_ms, response_ms, status = survivors.post(sender, "person")
        cases = survivors.new_cases()
        if status != 200 or len(cases) != 1:
            problems.append(f"{sender}: status {status}, {len(cases)} new case(s)")
        sent.extend(Sent(case_id, reference, sender, send_ms, response_ms)
                    for case_id, reference in cases[:1])
        if index + 1 < count:
            time.sleep(SPACING_S + jitter.uniform(-JITTER_S, JITTER_S))
    return sent


def collect(page: Page, sent: Sequence[Sent],
            problems: list[str]) -> tuple[list[Measured], list[dict[str, float]]]:
    """Wait for every case's row, then read what the page recorded."""
    ids = [str(s.case_id) for s in sent]
    with contextlib.suppress(TimeoutError):  # reported below, case by case
        wait_in_page(page, f"{json.dumps(ids)}.every((id) => window.__queueBench.seen[id]"
                     " && window.__queueBench.seen[id].frame !== null)",
                     APPEAR_TIMEOUT_S, "every case on the queue page")
    recorded = page.evaluate("window.__queueBench")
    navigations = int(page.evaluate("performance.getEntriesByType('navigation').length"))
    if navigations != 1 or not page.url.endswith("/advocates/queue"):
        problems.append(f"the queue page reloaded or moved ({navigations} navigations, "
                        f"{page.url})")
    polls = sorted(recorded["polls"], key=lambda p: p["start"])
    measured: list[Measured] = []
    for case in sent:
        seen = recorded["seen"].get(str(case.case_id))
        if seen is None:
            problems.append(f"case {case.case_id} never appeared on the queue page")
            continue
        if seen["reference"] != case.reference:
            problems.append(f"case {case.case_id}: row shows {seen['reference']!r}, "
                            f"database has {case.reference!r}")
        measured.append(breakdown(case, seen["dom"], seen["frame"], polls))
    return measured, polls


def run(options: argparse.Namespace, workdir: Path,
        stack: contextlib.ExitStack) -> dict[str, Any]:
    running = start_stack(stack, workdir)
    page = open_queue(stack, workdir, running)
    problems: list[str] = []
    warmup = warm_up(running.survivors, problems)
    time.sleep(2)  # the page polls on through the warm-up; let it settle
    clock_before = clock_offset(page)
    sent = send_cases(running.survivors, options.cases, problems)
    measured, polls = collect(page, sent, problems)
    clocks = {"before": clock_before, "after": clock_offset(page)}
    running.worker.check_alive()
    running.web.check_alive()
    access = running.web.log.read_text(errors="replace")
    failsafe = access.count("event=sms.failsafe")
    if failsafe:
        problems.append(f"{failsafe} fail-safe replies")
    return build_report(options.cases, workdir, measured, polls=polls, access=access,
                        clocks=clocks, warmup=warmup, problems=problems)


def build_report(cases: int, workdir: Path, measured: Sequence[Measured], *,
                 polls: Sequence[Mapping[str, float]], access: str,
                 clocks: Mapping[str, Mapping[str, float]], warmup: Sequence[float],
                 problems: list[str]) -> dict[str, Any]:
    figures = summary([m.latency_ms for m in measured])
    parts = {part: summary([getattr(m, part) for m in measured])
             for part in ("webhook_ms", "poll_wait_ms", "poll_ms", "render_ms")}
    # The page's poll cycle while the cases were sent (the warm-up slowed a few polls).
    first = min((m.sent_at_ms for m in measured), default=0.0)
    last = max((m.visible_at_ms for m in measured), default=0.0)
    starts = [p["start"] for p in polls if first - 2000 <= p["start"] <= last]
    period = summary([b - a for a, b in zip(starts, starts[1:], strict=False)])
    # With sends at random phases of the cycle, the wait for the next poll is uniform over
    # one period, so p95 is about the other parts plus 95% of a period.
    expected = (parts["webhook_ms"]["p50"] + 0.95 * period["p50"] + parts["poll_ms"]["p50"]
                + parts["render_ms"]["p50"]) if measured and period else None
    return {
        "benchmark": "Queue latency: signed SMS 'person' -> case row in the advocate's queue page",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "revision": git_revision(),
        "machine": {**machine_info(workdir),
                    "chromium": command_version([str(CHROMIUM), "--version"])},
        "config": {
            "cases": cases, "spacing_s": [SPACING_S - JITTER_S, SPACING_S + JITTER_S],
            "jitter_seed": SEED,
            "gunicorn": f"wsgi:app, gunicorn.conf.py, --workers {WORKERS}",
            "worker": "python worker.py (one RQ worker)", "database": "SQLite",
            "page_poll_interval_ms": poll_interval_ms(),
            "percentile": "nearest rank",
            "clocks": "send time: Python time.time() just before the request; visible time: "
                      "performance.timeOrigin + performance.now() in the page when the row "
                      "entered the DOM (MutationObserver); both the wall clock of this machine",
        },
        "clock_offset_page_minus_python": clocks,
        "warmup": {"body": WARMUP_BODY, "messages": len(warmup), "webhook_ms": list(warmup),
                   "note": "new survivors' first messages (no case), concurrent bursts of "
                           f"{WARMUP_BURST} until {WARMUP_WARM_BURSTS} bursts in a row answer "
                           f"under {WARMUP_WARM_MS:.0f} ms; the slow ones are each gunicorn "
                           "worker's first language guess (lingua loads its models lazily "
                           "outside production)"},
        "latency_ms": figures,
        "next_frame_latency_ms": summary([m.frame_latency_ms for m in measured
                                          if m.frame_latency_ms is not None]),
        "parts_ms": parts,
        "poll_period_ms": period,
        "expected_p95_ms": expected,
        # From gunicorn's access log (whole milliseconds): the measured webhook requests are
        # the last `cases` POSTs; queue.json is every poll of the run.
        "server_side_ms": {
            "webhook": summary(access_durations(access, "POST", WEBHOOK_PATH)[-cases:]),
            "queue_json": summary(access_durations(access, "GET", "/advocates/queue.json")),
        },
        "target": {"name": f"p95 < {TARGET_P95_MS:.0f} ms", "p95_ms": figures.get("p95"),
                   "met": bool(figures) and figures["p95"] < TARGET_P95_MS},
        "problems": problems,
        "cases": [asdict(m) for m in measured],
    }


def access_durations(log: str, method: str, path: str) -> list[float]:
    """Request durations gunicorn logged (gunicorn.conf.py's format ends with `%(M)sms`)."""
    pattern = re.compile(rf'"{method} {re.escape(path)}" \d+ \S+ (\d+)ms')
    return [float(found) for found in pattern.findall(log)]


def render_text(report: Mapping[str, Any]) -> str:
    figures, parts, target = report["latency_ms"], report["parts_ms"], report["target"]
    machine, config = report["machine"], report["config"]
    before = report["clock_offset_page_minus_python"]["before"]
    after = report["clock_offset_page_minus_python"]["after"]

    def line(name: str, values: Mapping[str, float]) -> str:
        if not values:
            return f"  {name:<30} (none)"
        return (f"  {name:<30} p50 {values['p50']:7.1f}  p95 {values['p95']:7.1f}  "
                f"max {values['max']:7.1f}")

    lines = [
        f"Quietline queue latency, {report['date']}, revision {report['revision']}",
        f"{machine['nproc']} CPUs ({machine['cpu']}), Python {machine['python']}, "
        f"SQLite {machine['sqlite']} on {machine['database_filesystem']}, "
        f"{machine['chromium']}",
        f"{config['gunicorn']}; {config['worker']}; page polls every "
        f"{config['page_poll_interval_ms']} ms, start to start",
        f"{figures.get('count', 0)} cases, one signed SMS 'person' each, "
        f"{config['spacing_s'][0]:g}-{config['spacing_s'][1]:g} s apart",
        "",
        "Webhook sent -> case row in the DOM (ms):",
        line("latency", figures),
        line("latency to next frame", report["next_frame_latency_ms"]),
        f"  target {target['name']}: "
        + ("met" if target["met"] else "missed")
        + (f" (p95 {target['p95_ms']:.1f} ms, "
           f"{target['p95_ms'] - TARGET_P95_MS:+.1f} ms vs target)"
           if target["p95_ms"] is not None else ""),
        "",
        "Where the time goes (ms):",
        line("webhook round trip", parts["webhook_ms"]),
        line("wait for the next poll", parts["poll_wait_ms"]),
        line("queue.json round trip", parts["poll_ms"]),
        line("render", parts["render_ms"]),
        line("poll period (start to start)", report["poll_period_ms"]),
        "  model: other parts + 95% of a poll period = p95 of about "
        + (f"{report['expected_p95_ms']:.0f} ms" if report["expected_p95_ms"] else "?"),
        line("server: webhook", report["server_side_ms"]["webhook"]),
        line("server: queue.json (whole run)", report["server_side_ms"]["queue_json"]),
        "",
        f"Warm-up (not measured): {report['warmup']['messages']} first messages "
        f"'{report['warmup']['body']}', webhook round trips "
        + ", ".join(f"{ms:.0f}" for ms in report["warmup"]["webhook_ms"]) + " ms.",
        "",
        f"Clocks: both are this machine's wall clock; page - Python offset "
        f"{before['offset_ms']:+.2f} ms (+/- {before['uncertainty_ms']:.2f}) before, "
        f"{after['offset_ms']:+.2f} ms (+/- {after['uncertainty_ms']:.2f}) after.",
        "Problems: " + ("; ".join(report["problems"]) if report["problems"] else "none"),
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--output", type=Path, default=RESULTS)
    options = parser.parse_args()
    install_sigterm_handler()
    with tempfile.TemporaryDirectory(prefix="quietline-queue-bench-") as temp:
        workdir = Path(temp)
        logs = [workdir / "gunicorn.log", workdir / "worker.log"]
        with contextlib.ExitStack() as stack:
            try:
                report = run(options, workdir, stack)
            except BaseException:
                for log in logs:
                    print(f"--- {log.name}\n{tail(log)}", file=sys.stderr)  # noqa: T201
                raise
    text = render_text(report)
    options.output.mkdir(parents=True, exist_ok=True)
    (options.output / "queue-latency.json").write_text(json.dumps(report, indent=2) + "\n",
                                                       encoding="utf-8")
    (options.output / "queue-latency.txt").write_text(text, encoding="utf-8")
    print(text, end="")  # noqa: T201 -- the benchmark's report
    print(f"Written: {options.output / 'queue-latency.json'}, "  # noqa: T201
          f"{options.output / 'queue-latency.txt'}")
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
