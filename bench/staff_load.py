"""Load on the staff side (issue 22, item 5): a full queue and a full shift, on both databases.

On loopback, as in production and as in bench/soak.py (whose stack this reuses): our own
redis-server, SQLite and then PostgreSQL (a private cluster), gunicorn with gunicorn.conf.py
serving `wsgi:app`, RQ workers, and the local fake of Twilio's REST API.

1. 1,000 open cases: 800 survivors text "person" to the real, signed webhook and 200 ask for a
   person in the web chat, each from their own number or chat, so every one is its own case.
2. 30 advocates: accounts made by the service's own account code, each signed in through the
   real login form (password and TOTP code) with its own session, as 30 browsers would be.
3. The shift, for `--seconds` (default 60): every advocate polls /advocates/queue.json as the
   queue page does (every 500 ms, start to start, sending back the last answer's ETag so an
   unchanged queue is a 304: app/advocates/static/queue.js), and about
   once a minute does what an advocate on shift does: claims one of the ten longest-waiting open
   cases, opens it, writes a reply and, for one case in three, releases it back to the queue.
   Those writes land while the other 29 keep polling, which is where a database would lock.

Measured per database: the queue data's latency as the advocates see it (client side, from
request to the last byte of the answer) and as gunicorn logged it (server side), p50 / p95 /
p99 / max, over the shift; the same for the claims, case pages and replies; every answer that
was not 200 (or 302 for a form); and every "database is locked", deadlock or
OperationalError in the web and worker logs. The bench's own 30 polling threads share the
2 cores with the server; the server-side figure shows the part the service owns.

Target: queue data p95 under 100 ms and no database lock errors, on both databases. Missing the
target is reported, not fatal; a lock error, a 5xx or cases that do not reach the queue make
the exit status 1.

Results: bench/results/staff-load.json and staff-load.txt.
Run: `.venv/bin/python bench/staff_load.py [--cases 1000 --advocates 30 --seconds 60]`
(make bench runs it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402 -- after the path set-up

from app.crypto import Totp  # noqa: E402
from bench.machine import git_revision, machine_info  # noqa: E402
from bench.processes import install_sigterm_handler  # noqa: E402
from bench.soak_checks import percentiles  # noqa: E402
from bench.soak_desk import csrf  # noqa: E402
from bench.soak_stack import Stack  # noqa: E402
from bench.soak_survivors import Ledger, Survivors  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SEED = 20261206
PASSWORD = "staff-load-password-" + "x" * 8  # noqa: S105 -- throwaway accounts, private stack
WEB_WORKERS = 2  # as `make run` and docs/deploy.md's small server
POLL_SECONDS = 0.5  # app/advocates/static/queue.js INTERVAL_MS
TARGET_P95_MS = 100.0
# How often (on average) an advocate on shift claims and works a case, in seconds: thirty of
# them take a new case every two seconds between them, a busier hour than any helpline has.
WORK_EVERY = 60.0
LOCK_ERRORS = re.compile(r"database is locked|deadlock detected|OperationalError|"
                         r"could not serialize", re.IGNORECASE)
# gunicorn.conf.py's access_log_format: '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'. The log
# filter masks anything that looks like a phone number, such as "200 472465" (a status and a
# large answer's size), as "[redacted]" (app/logs.py).
ACCESS_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+)" (?:\d{3} \S+|\[redacted\]) '
                         r"(?P<ms>\d+)ms")
ACCOUNTS_SCRIPT = """
import json, os, sys
from app import create_app
from app.services import services
app = create_app()
out = []
with app.app_context():
    for email in sys.argv[1:]:
        enrolment = services().accounts.create(email, "advocate", os.environ["BENCH_PASSWORD"])
        out.append([email, enrolment.uri])
print(json.dumps(out))
"""


@dataclass
class Timings:
    """Latencies (ms) and statuses by kind of request, from every advocate's thread."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    errors: Counter[str] = field(default_factory=Counter)
    bytes: list[int] = field(default_factory=list)  # each queue.json answer's size

    def add(self, kind: str, started: float, status: int) -> None:
        with self.lock:
            self.ms[kind].append((time.monotonic() - started) * 1000)
            self.statuses[kind][status] += 1

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] += 1


class OnShift:
    """One advocate's browser: signs in, keeps the queue open, and works a case now and then."""

    def __init__(self, stack: Stack, email: str, secret: str, timings: Timings,
                 rng: random.Random) -> None:
        self.stack, self.email, self.secret = stack, email, secret
        self.timings = timings
        self.rng = rng
        self.session = requests.Session()
        self.csrf = ""
        self.worked = 0
        self.etag = ""
        self.body = b""

    def sign_in(self) -> None:
        for _ in range(30):
            with contextlib.suppress(requests.RequestException, KeyError):
                page = self.session.get(self.stack.url + "/advocates/login", timeout=30)
                done = self.session.post(self.stack.url + "/advocates/login", timeout=30,
                                         allow_redirects=False, data={
                    "csrf_token": csrf(page.text), "email": self.email, "password": PASSWORD,
                    "code": Totp.code_at(self.secret, time.time())})
                if done.status_code == 302:
                    self.csrf = csrf(self.session.get(self.stack.url + "/advocates/queue",
                                                       timeout=30).text)
                    return
            time.sleep(2.0)  # a TOTP code is used once: wait for the next one
        raise RuntimeError(f"{self.email} could not sign in")

    def shift(self, stop: threading.Event, until: float) -> None:
        next_work = time.monotonic() + self.rng.uniform(0, WORK_EVERY)
        while not stop.is_set() and time.monotonic() < until:
            started = time.monotonic()
            due = time.monotonic() >= next_work
            cases = self.poll(read=due)
            if due:
                self.work(cases)
                next_work = time.monotonic() + self.rng.uniform(0.5, 1.5) * WORK_EVERY
            stop.wait(max(0.0, POLL_SECONDS - (time.monotonic() - started)))

    def poll(self, read: bool = False) -> list[dict[str, Any]]:
        """One poll, timed to the answer's last byte. Its JSON is parsed only when `read`: 30
        threads parsing 1,000 rows twice a second each would make this one Python process
        (one core, one interpreter lock) the bottleneck, where each browser has its own."""
        started = time.monotonic()
        # As the page does (queue.js): the last answer's ETag, so an unchanged queue is a 304.
        headers = {"If-None-Match": self.etag} if self.etag else {}
        try:
            answer = self.session.get(self.stack.url + "/advocates/queue.json", timeout=30,
                                      allow_redirects=False, headers=headers)
            body = answer.content
        except requests.RequestException:
            self.timings.error("queue.json")
            return []
        self.timings.add("queue.json", started, answer.status_code)
        with self.timings.lock:
            self.timings.bytes.append(len(body))
        if answer.status_code == 200:
            self.etag, self.body = answer.headers.get("ETag", ""), body
        elif answer.status_code == 304:
            body = self.body
        if not (read and answer.status_code in (200, 304)):
            return []
        try:
            cases: list[dict[str, Any]] = json.loads(body)["cases"]
        except (ValueError, KeyError):
            self.timings.error("queue.json")
            return []
        return cases

    def work(self, cases: list[dict[str, Any]]) -> None:
        """Claim a long-waiting open case, open it, reply, and sometimes hand it back."""
        open_cases = [case for case in cases if case["status"] == "open" and case["can_claim"]]
        if not open_cases:
            return
        # One of the ten longest waiting, as several people on shift would pick.
        oldest = sorted(open_cases, key=lambda case: -int(case["waiting_seconds"]))[:10]
        case_id = self.rng.choice(oldest)["id"]
        base = f"{self.stack.url}/advocates/cases/{case_id}"
        try:
            started = time.monotonic()
            done = self.session.post(base + "/claim", data={"csrf_token": self.csrf},
                                     timeout=30, allow_redirects=False)
            self.timings.add("claim", started, done.status_code)
            started = time.monotonic()
            page = self.session.get(base, timeout=30)
            self.timings.add("case page", started, page.status_code)
            if page.status_code != 200:
                return  # another advocate won the claim: the page is refused, as it should be
            started = time.monotonic()
            done = self.session.post(base + "/reply", timeout=30, allow_redirects=False, data={
                "csrf_token": csrf(page.text),
                "text": "Thank you for your message. We can talk when you are ready."})
            self.timings.add("reply", started, done.status_code)
            self.worked += 1
            if self.rng.random() < 1 / 3:
                started = time.monotonic()
                done = self.session.post(base + "/release", data={"csrf_token": self.csrf},
                                         timeout=30, allow_redirects=False)
                self.timings.add("release", started, done.status_code)
        except (requests.RequestException, KeyError):
            self.timings.error("casework")


def make_accounts(stack: Stack, count: int) -> list[tuple[str, str]]:
    """`count` advocates' e-mails and TOTP secrets, made in one process by the service's code
    (`flask advocates create` once each would start the app 30 times)."""
    emails = [f"shift{n:02d}@example.org" for n in range(1, count + 1)]
    done = subprocess.run([sys.executable, "-c", ACCOUNTS_SCRIPT, *emails], cwd=ROOT,
                          env={**stack.env, "BENCH_PASSWORD": PASSWORD}, capture_output=True,
                          text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"making the accounts failed:\n{done.stderr[-2000:]}")
    made = json.loads(done.stdout.strip().splitlines()[-1])
    secrets_by_email = []
    for email, uri in made:
        found = re.search(r"secret=([A-Z2-7]+)", uri)
        if found is None:
            raise RuntimeError("an enrolment URI carried no TOTP secret")
        secrets_by_email.append((email, found.group(1)))
    return secrets_by_email


def open_cases(stack: Stack, count: int) -> None:
    """`count` survivors ask for a person: four in five by SMS, one in five in the web chat."""
    people = Survivors(stack, Ledger())
    chats = count // 5
    texts = count - chats
    if texts > 999:
        raise SystemExit("at most 999 SMS survivors: the test numbers are +447700900001-999")
    jobs: list[tuple[str, str]] = [("sms", f"+447700900{n:03d}") for n in range(1, texts + 1)]
    jobs += [("chat", f"chat-{n}") for n in range(1, chats + 1)]
    random.Random(SEED).shuffle(jobs)

    def ask(job: tuple[str, str]) -> None:
        kind, who = job
        if kind == "sms":
            people.sms(who, "person")
        else:
            people.chat(who, "I need to talk to someone")

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(ask, jobs))


def server_side(log: Path, since: int) -> dict[str, list[float]]:
    """gunicorn's own time per request (ms), by kind, from the access log after `since`."""
    found: dict[str, list[float]] = defaultdict(list)
    with log.open("rb") as handle:
        handle.seek(since)
        for line in handle.read().decode("utf-8", "replace").splitlines():
            match = ACCESS_LINE.search(line)
            if match is None or not match["path"].startswith("/advocates/"):
                continue
            path = match["path"]
            kind = ("queue.json" if path.endswith("/queue.json") else
                    path.rsplit("/", 1)[-1] if re.search(r"/cases/\d+/\w+$", path) else
                    "case page" if re.search(r"/cases/\d+$", path) else None)
            if kind is not None:
                found[kind].append(float(match["ms"]))
    return found


def lock_errors(directory: Path) -> list[str]:
    lines = []
    for name in ("gunicorn.log", "workers.log"):
        path = directory / name
        if path.exists():
            lines += [line.strip()[:200] for line in
                      path.read_text(encoding="utf-8", errors="replace").splitlines()
                      if LOCK_ERRORS.search(line)]
    return lines


def run(database: str, case_count: int, advocate_count: int, seconds: float) -> dict[str, Any]:
    print(f"== {database}: {case_count} open cases, {advocate_count} advocates, "
          f"{seconds:g} s shift", flush=True)
    tmp = tempfile.mkdtemp(prefix="quietline-staff-load-")
    with contextlib.ExitStack() as exits:
        if not os.environ.get("BENCH_KEEP"):  # BENCH_KEEP=1 keeps the logs and the database
            exits.callback(shutil.rmtree, tmp, True)
        directory = Path(tmp)
        stack = Stack(exits, directory, database, web_workers=WEB_WORKERS, access_log=True)
        started = time.monotonic()
        open_cases(stack, case_count)
        print(f"  {case_count} survivors asked for a person in "
              f"{time.monotonic() - started:.0f} s", flush=True)
        accounts = make_accounts(stack, advocate_count)
        timings = Timings()
        rng = random.Random(SEED)
        desk = [OnShift(stack, email, secret, timings, random.Random(rng.random()))
                for email, secret in accounts]
        for member in desk:
            member.sign_in()
        on_queue = len(desk[0].poll(read=True))
        print(f"  {on_queue} cases on the queue; {len(desk)} advocates signed in", flush=True)
        timings = Timings()  # the shift only, not the sign-ins and the first look
        for member in desk:
            member.timings = timings
        log = directory / "gunicorn.log"
        since = log.stat().st_size
        stop = threading.Event()
        until = time.monotonic() + seconds
        threads = [threading.Thread(target=member.shift, args=(stop, until), daemon=True)
                   for member in desk]
        load_before = os.getloadavg()[0]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 120)
        stop.set()
        load_after = os.getloadavg()[0]
        server = server_side(log, since)
        locks = lock_errors(directory)
        client = {kind: percentiles(values) for kind, values in sorted(timings.ms.items())}
        failures = []
        if on_queue < case_count:
            failures.append(f"only {on_queue} of {case_count} cases reached the queue")
        if locks:
            failures.append(f"{len(locks)} database lock errors")
        bad = {kind: {str(s): n for s, n in counts.items() if s >= 500}
               for kind, counts in timings.statuses.items()}
        if any(bad.values()):
            failures.append(f"server errors: {bad}")
        p95 = client.get("queue.json", {}).get("p95", float("inf"))
        return {
            "database": database, "cases": case_count, "on_queue": on_queue,
            "advocates": advocate_count, "seconds": seconds,
            "polls": len(timings.ms.get("queue.json", [])),
            "queue_json_kib": round(statistics.fmean(timings.bytes) / 1024, 1)
            if timings.bytes else 0,
            "cases_worked": sum(member.worked for member in desk),
            "client_ms": client,
            "server_ms": {kind: percentiles(values) for kind, values in sorted(server.items())},
            "statuses": {kind: {str(s): n for s, n in sorted(counts.items())}
                         for kind, counts in sorted(timings.statuses.items())},
            "request_errors": dict(timings.errors), "lock_errors": locks[:20],
            "load_average": [round(load_before, 2), round(load_after, 2)],
            "target_met": p95 < TARGET_P95_MS and not locks,
            "failures": failures,
        }


def write_results(results: list[dict[str, Any]], started: float) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"machine": machine_info(Path(tempfile.gettempdir())), "git": git_revision(),
               "wall_clock_s": round(time.monotonic() - started, 1), "runs": results}
    (RESULTS / "staff-load.json").write_text(json.dumps(payload, indent=2) + "\n",
                                             encoding="utf-8")
    lines = ["Load on the staff side: bench/staff_load.py (make bench). See the module",
             "docstring for what runs and what is measured.", "",
             f"git {payload['git']}; wall clock {payload['wall_clock_s']} s", ""]
    for run_ in results:
        lines.append(f"== {run_['database']}: {run_['on_queue']} of {run_['cases']} cases on the "
                     f"queue, {run_['advocates']} advocates polling every {POLL_SECONDS} s for "
                     f"{run_['seconds']:g} s; {run_['polls']} polls, {run_['cases_worked']} "
                     "cases claimed and answered")
        p95 = run_["client_ms"].get("queue.json", {}).get("p95")
        lines.append(f"  target: queue data p95 < {TARGET_P95_MS:g} ms and no lock errors: "
                     f"{'met' if run_['target_met'] else 'NOT met'} (p95 {p95} ms, "
                     f"{len(run_['lock_errors'])} lock errors)")
        lines.append("  " + ("PASSED" if not run_["failures"] else
                             "FAILED: " + "; ".join(run_["failures"])))
        lines.append("  as the advocates' browsers saw it, ms:")
        lines += [f"    {kind}: {_figures(values)}" for kind, values in run_["client_ms"].items()]
        lines.append("  inside gunicorn (its access log), ms:")
        lines += [f"    {kind}: {_figures(values)}" for kind, values in run_["server_ms"].items()]
        lines.append(f"  queue.json answer: {run_['queue_json_kib']} KiB on average")
        lines.append(f"  statuses: {run_['statuses']}; request errors: {run_['request_errors']}")
        lines += [f"  lock error: {line}" for line in run_["lock_errors"]]
        lines.append(f"  load average (1 min) before and after: {run_['load_average']}")
        lines.append("")
    (RESULTS / "staff-load.txt").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


def _figures(values: dict[str, float | int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in values.items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--advocates", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    install_sigterm_handler()
    started = time.monotonic()
    results = [run(database, args.cases, args.advocates, args.seconds)
               for database in args.databases.split(",")]
    write_results(results, started)
    return 1 if any(run_["failures"] for run_ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
