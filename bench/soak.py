"""The worst day (issue 22, item 1): steady load on the real stack while its parts fail.

On loopback, as in production: our own redis-server, SQLite and then PostgreSQL (a private
cluster), gunicorn with gunicorn.conf.py and several workers serving `wsgi:app`, two
`python worker.py` RQ workers, and the local fake of Twilio's REST API (the only part that is
not real: it counts every message the service sends). 500 survivors (400 by SMS, 100 in the
web chat) follow real conversation paths at a steady rate: the menu, a request for a person,
answers, free text, STOP and START, erasure. Three advocates sign in through the staff pages
(password and TOTP), claim cases from the queue and reply. Meanwhile:

- Redis is killed with SIGKILL and restarted, twice;
- an RQ worker is killed with SIGKILL every 30 s (and started again, as systemd would);
- one gunicorn worker is killed with SIGKILL (its master starts another);
- on PostgreSQL, the database server is restarted once.

When the load ends the advocates stop, and the run waits (up to 180 s) until every reply they
wrote is sent or held, the fail-safe's spool is empty and every provider copy an erasure queued
is deleted. Then it asserts (the exit status is 1 if any fails), per database:
- every message was answered with 200 and TwiML (fail-safe answers counted apart);
- every message sent after the survivor's last erasure is stored exactly once (by its
  provider id), and nothing sent before an erasure is left;
- no duplicate outbound sends at the fake (each advocate reply carries its own reference);
- every request for a person made after the last erasure is on the queue;
- every advocate reply the service accepted was sent exactly once or is held with a reason:
  at least one SMS reply was accepted (the desk takes cases of both channels), and each
  accepted SMS reply, by its "Ref n-m", is at the fake exactly once, held with a reason or
  erased with its conversation; accepted replies are reconciled with reply rows and erasures
  (bench/soak_replies.py). Advocates' stalls (a case page not 200, a timeout) are counted;
- the warm-up's texts were stored and opened their cases;
- every provider copy an erasure queued for deletion (messages in and out) was deleted;
- nothing the run started is still running after its clean-up (every process dies with the
  run, too, however it ends: bench/processes.py Spawner).
Latency percentiles are reported before, during and after each fault.

Results: bench/results/soak.json and soak.txt. Run: `make soak` (about 12 minutes on 2 cores),
or `.venv/bin/python bench/soak.py --sms 1000 --chat 200` for a short run.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402 -- after the path set-up
from twilio.request_validator import RequestValidator  # noqa: E402

from app.content.failsafe import EMERGENCY_TEXT_EN  # noqa: E402
from app.conversation.spool import STREAM as SPOOL_STREAM  # noqa: E402
from app.crypto import Totp  # noqa: E402
from bench.environment import bench_environment, gunicorn_environment  # noqa: E402
from bench.machine import git_revision, machine_info  # noqa: E402
from bench.processes import (  # noqa: E402
    READY_TIMEOUT,
    Server,
    Spawner,
    free_port,
    http_status,
    install_sigterm_handler,
    start_process,
    stragglers,
    tail,
    wait_until,
)
from bench.signed_requests import ACCOUNT_SID, PUBLIC_BASE_URL, SERVICE_NUMBER  # noqa: E402
from bench.soak_replies import (  # noqa: E402
    Accepted,
    ReplyRow,
    account,
    next_case,
    references_at_fake,
)
from tests.support.fake_twilio import FakeTwilio  # noqa: E402
from tests.support.servers import PostgresServer  # noqa: E402
from tests.support.workers import always_open_config  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WEBHOOK_PATH = "/webhooks/twilio/sms"
GUNICORN_WORKERS = 3
RQ_WORKERS = 2
ADVOCATES = 3
# A case whose page or reply form keeps failing is left after this many tries, so it cannot
# hold its advocate for the rest of the run (the stalls are counted and reported).
CASE_TRIES = 3
# After the load: how long the queue may take to finish what the run left it (replies, the
# spool, provider-copy deletions). A deletion's job runs within a sweep (15 s) of its erasure
# and is retried after 30 s, 1 min, 2 min... if it failed; a worker killed under it leaves its
# row taken for the lease (60 s) and its queued mark for 60 s: 3 minutes cover a copy whose
# job was lost twice.
DRAIN_SECONDS = 180.0
SEED = 20261206
FAILSAFE_MARK = EMERGENCY_TEXT_EN[:40]
PASSWORD = "soak-password-" + "x" * 12  # noqa: S105 -- a throwaway account on a private stack
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
SMS_PATH = ["hello", "1", "2", "person", "it has been really hard at home lately", "3",
            "is anyone there", "thank you", "menu", "2", "I am scared of what he will do",
            "ok", "4", "hello again", "person", "thanks", "1", "menu", "3", "bye"]
CHAT_PATH = ["hi", "1", "person", "I need to talk to someone", "2", "thank you", "menu",
             "3", "is anyone there", "ok"]


# --- the record of what was sent ----------------------------------------------------------

@dataclass
class Sent:
    survivor: str        # the number, or "chat:<n>"
    provider_id: str     # MessageSid or the chat message id
    text: str
    at: float            # time.monotonic() when first sent
    ms: float = 0.0      # to the answer (of the last try)
    status: int = 0
    tries: int = 0
    failsafe: bool = False
    empty: bool = False  # answered with no message (STOP, START, while opted out)
    epoch: int = 0       # erasures of this survivor before this message


@dataclass
class Ledger:
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: list[Sent] = field(default_factory=list)
    erasures: Counter[str] = field(default_factory=Counter)
    replies: dict[str, Accepted] = field(default_factory=dict)  # by reference
    accepted_by_channel: Counter[str] = field(default_factory=Counter)
    refused_replies: int = 0
    stalls: Counter[str] = field(default_factory=Counter)  # what held an advocate up
    warm_up_sids: list[str] = field(default_factory=list)
    warm_up_numbers: int = 0
    events: list[tuple[float, str]] = field(default_factory=list)

    def stall(self, what: str) -> None:
        with self.lock:
            self.stalls[what] += 1

    def event(self, what: str) -> None:
        with self.lock:
            self.events.append((time.monotonic(), what))
        print(f"  [{time.strftime('%H:%M:%S')}] {what}", flush=True)


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
                   and _redis_pings(self.redis_port), READY_TIMEOUT, "redis")

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


def _redis_pings(port: int) -> bool:
    import socket  # noqa: PLC0415

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return sorted(found)


# --- survivors ---------------------------------------------------------------------------

class Survivors:
    """Signed SMS to the real webhook, and the web chat's own requests, each retried (same
    provider id) after a connection error or a 5xx, as Twilio and the chat's page do."""

    def __init__(self, stack: Stack, ledger: Ledger) -> None:
        self.stack = stack
        self.ledger = ledger
        self.validator = RequestValidator(stack.env["TWILIO_AUTH_TOKEN"])
        self.local = threading.local()
        self.chat_tokens: dict[str, str] = {}
        self.sids = itertools.count(1)
        self.prefix = secrets.token_hex(6)

    def session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        session: requests.Session = self.local.session
        return session

    def sms(self, number: str, text: str) -> None:
        sid = f"SM{self.prefix}{next(self.sids):020x}"
        params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT_SID, "From": number,
                  "To": SERVICE_NUMBER, "Body": text, "NumMedia": "0", "NumSegments": "1"}
        signature = self.validator.compute_signature(PUBLIC_BASE_URL + WEBHOOK_PATH, params)
        with self.ledger.lock:
            record = Sent(number, sid, text, time.monotonic(),
                          epoch=self.ledger.erasures[number])
            self.ledger.sent.append(record)
        for attempt in range(1, 6):
            record.tries = attempt
            started = time.monotonic()
            try:
                answer = self.session().post(
                    self.stack.url + WEBHOOK_PATH, data=params, timeout=15,
                    headers={"X-Twilio-Signature": signature})
            except requests.RequestException:
                record.status = 0
                time.sleep(1.0)
                continue
            record.ms = (time.monotonic() - started) * 1000
            record.status = answer.status_code
            if answer.status_code < 500:
                messages = [m.text or "" for m in
                            ElementTree.fromstring(answer.text).iter("Message")]  # noqa: S314
                record.empty = not messages
                record.failsafe = any(FAILSAFE_MARK in m for m in messages)
                return
            time.sleep(1.0)

    def chat(self, name: str, text: str) -> None:
        session = self.session()
        token = self.chat_tokens.get(name)
        if token is None:
            token = self._post(session, "/chat/start", {})["token"]
            self.chat_tokens[name] = token
        message_id = secrets.token_hex(16)
        with self.ledger.lock:
            record = Sent(name, "WB" + message_id, text, time.monotonic(),
                          epoch=self.ledger.erasures[name])
            self.ledger.sent.append(record)
        for attempt in range(1, 6):
            record.tries = attempt
            started = time.monotonic()
            try:
                answer = session.post(self.stack.url + "/chat/send", timeout=15, json={
                    "token": token, "id": message_id, "text": text, "language": "en"})
            except requests.RequestException:
                time.sleep(1.0)
                continue
            record.ms = (time.monotonic() - started) * 1000
            record.status = answer.status_code
            if answer.status_code < 500:
                body = answer.text
                record.failsafe = FAILSAFE_MARK in body
                self.poll(name)
                return
            time.sleep(1.0)

    def poll(self, name: str) -> None:
        """What the open chat page does every few seconds: fetch replies waiting for it."""
        token = self.chat_tokens.get(name)
        if token is None:
            return
        with contextlib.suppress(requests.RequestException):
            self.session().post(self.stack.url + "/chat/poll", json={"token": token},
                                timeout=15)

    def erase_chat(self, name: str) -> None:
        token = self.chat_tokens.pop(name, None)
        if token is None:
            return
        with self.ledger.lock:
            self.ledger.erasures[name] += 1
        for _ in range(5):
            try:
                answer = self.session().post(self.stack.url + "/chat/erase", timeout=15,
                                             json={"token": token, "language": "en"})
            except requests.RequestException:
                time.sleep(1.0)
                continue
            if answer.status_code < 500:
                return
            time.sleep(1.0)

    def _post(self, session: requests.Session, path: str, payload: dict[str, Any]
              ) -> dict[str, Any]:
        for _ in range(10):
            with contextlib.suppress(requests.RequestException, ValueError):
                answer = session.post(self.stack.url + path, json=payload, timeout=15)
                if answer.status_code < 500:
                    result: dict[str, Any] = answer.json()
                    return result
            time.sleep(1.0)
        raise RuntimeError(f"{path} never answered")


def scripts(sms_count: int, chat_count: int, survivors: int, rng: random.Random
            ) -> list[tuple[str, str]]:
    """(survivor, text) in the order they are sent: each survivor's path interleaved with
    everyone else's. About one SMS survivor in ten erases (delete, 1) midway, one in seven
    sends STOP and later START; one chat survivor in ten erases."""
    sms_people = [f"+447700900{n:03d}" for n in range(100, 100 + survivors * 4 // 5)]
    chat_people = [f"chat:{n}" for n in range(survivors - len(sms_people))]
    queues: dict[str, list[str]] = {}
    per_sms = max(1, sms_count // len(sms_people))
    for index, person in enumerate(sms_people):
        path = list(itertools.islice(itertools.cycle(SMS_PATH), per_sms))
        if index % 10 == 3 and per_sms > 8:
            path[per_sms // 2:per_sms // 2] = ["delete", "1"]
        if index % 7 == 5 and per_sms > 12:
            path[per_sms // 3:per_sms // 3] = ["STOP"]
            path[per_sms // 3 + 3:per_sms // 3 + 3] = ["START"]
        queues[person] = path[:max(per_sms, 1) + 3]
    per_chat = max(1, chat_count // max(1, len(chat_people)))
    for index, person in enumerate(chat_people):
        path = list(itertools.islice(itertools.cycle(CHAT_PATH), per_chat))
        if index % 10 == 4 and per_chat > 6:
            path[per_chat // 2:per_chat // 2] = ["<erase>"]
        queues[person] = path
    order: list[tuple[str, str]] = []
    pending = {person: iter(path) for person, path in queues.items()}
    while pending:
        for person in rng.sample(sorted(pending), len(pending)):
            text = next(pending[person], None)
            if text is None:
                del pending[person]
            else:
                order.append((person, text))
    return order


# --- advocates ---------------------------------------------------------------------------

class Advocate:
    def __init__(self, stack: Stack, ledger: Ledger, number: int) -> None:
        self.stack = stack
        self.ledger = ledger
        self.number = number
        email = f"soak{number}@example.org"
        out = stack.run_flask("advocates", "create", email, "--role", "advocate",
                              "--password-stdin", stdin=PASSWORD + "\n")
        found = re.search(r"secret=([A-Z2-7]+)", out)
        if found is None:
            raise RuntimeError("advocates create printed no TOTP secret")
        self.email, self.secret = email, found.group(1)
        self.session = requests.Session()
        self.references = itertools.count(1)
        self.replied: set[int] = set()
        self.failed: Counter[int] = Counter()  # tries that stalled, per case
        self.given_up: set[int] = set()

    def sign_in(self) -> None:
        for _ in range(30):
            with contextlib.suppress(requests.RequestException):
                page = self.session.get(self.stack.url + "/advocates/login", timeout=15)
                token = _csrf(page.text)
                done = self.session.post(self.stack.url + "/advocates/login", timeout=15,
                                         allow_redirects=False, data={
                    "csrf_token": token, "email": self.email, "password": PASSWORD,
                    "code": Totp.code_at(self.secret, time.time())})
                if done.status_code == 302:
                    return
            time.sleep(2.0)  # a TOTP code is used once: wait for the next one
        raise RuntimeError("an advocate could not sign in")

    def work(self, stop: threading.Event) -> None:
        self.sign_in()
        while not stop.is_set():
            try:
                self.shift()
            except (requests.RequestException, ValueError, KeyError) as error:
                self.ledger.stall(f"queue: {type(error).__name__}")
            stop.wait(1.0)

    def shift(self) -> None:
        answer = self.session.get(self.stack.url + "/advocates/queue.json", timeout=15,
                                  allow_redirects=False)
        if answer.status_code in (302, 401, 403):
            self.sign_in()
            return
        if answer.status_code != 200:
            self.ledger.stall(f"queue.json {answer.status_code}")
            return
        cases = answer.json()["cases"]
        with self.ledger.lock:
            accepted = Counter(self.ledger.accepted_by_channel)
        case = next_case(cases, accepted)
        if case is not None:
            token = _csrf(self.session.get(self.stack.url + "/advocates/queue",
                                           timeout=15).text)
            self.session.post(f"{self.stack.url}/advocates/cases/{case['id']}/claim",
                              data={"csrf_token": token}, timeout=15,
                              allow_redirects=False)
        mine = [c for c in cases if c.get("mine")
                and int(c["id"]) not in self.replied | self.given_up]
        if mine:
            self.try_reply(int(mine[0]["id"]), str(mine[0].get("channel", "")))

    def try_reply(self, case_id: int, channel: str) -> None:
        """Reply once to a claimed case; a case that stalls CASE_TRIES times is left."""
        try:
            done = self.reply(case_id, channel)
        except (requests.RequestException, KeyError) as error:
            self.ledger.stall(f"reply: {type(error).__name__}")
            done = False
        if not done:
            self.failed[case_id] += 1
            if self.failed[case_id] >= CASE_TRIES:
                self.given_up.add(case_id)
                self.ledger.stall("case left after repeated stalls")

    def reply(self, case_id: int, channel: str) -> bool:
        """False if the case page did not open (a stall: tried again later)."""
        page = self.session.get(f"{self.stack.url}/advocates/cases/{case_id}", timeout=15)
        if page.status_code != 200:
            self.ledger.stall(f"case page {page.status_code}")
            return False
        reference = f"{self.number}-{next(self.references)}"
        text = f"Thanks for your message. We can talk when you are ready. Ref {reference}"
        done = self.session.post(f"{self.stack.url}/advocates/cases/{case_id}/reply",
                                 data={"csrf_token": _csrf(page.text), "text": text},
                                 timeout=15, allow_redirects=False)
        self.replied.add(case_id)
        with self.ledger.lock:
            if done.status_code == 302:
                self.ledger.replies[reference] = Accepted(reference, case_id, channel)
                self.ledger.accepted_by_channel[channel] += 1
            else:
                self.ledger.refused_replies += 1
        return True


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page) or re.search(
        r'data-csrf="([^"]+)"', page)
    if found is None:
        raise KeyError("no CSRF token")
    return found.group(1)


# --- the run -----------------------------------------------------------------------------

@dataclass
class Fault:
    name: str
    at: float  # seconds into the run
    action: Callable[[], None]
    recover: Callable[[], None] | None = None
    recover_after: float = 0.0


def soak(database: str, sms_count: int, chat_count: int, survivors: int, rate: float
         ) -> dict[str, Any]:
    print(f"== {database}: {sms_count} SMS + {chat_count} chat messages from {survivors} "
          f"survivors at {rate:g}/s", flush=True)
    ledger = Ledger()
    rng = random.Random(SEED)
    order = scripts(sms_count, chat_count, survivors, rng)
    duration = len(order) / rate
    tmp = tempfile.mkdtemp(prefix="quietline-soak-")
    with contextlib.ExitStack() as exits:
        if not os.environ.get("SOAK_KEEP"):  # SOAK_KEEP=1 keeps the logs and the database
            exits.callback(shutil.rmtree, tmp, True)
        print(f"  working folder {tmp}", flush=True)
        stack = Stack(exits, Path(tmp), database)
        people = Survivors(stack, ledger)
        warm_up(stack, people, ledger)
        advocates = [Advocate(stack, ledger, n) for n in range(1, ADVOCATES + 1)]
        stop, desk_closed = threading.Event(), threading.Event()
        desk = [threading.Thread(target=a.work, args=(desk_closed,), daemon=True)
                for a in advocates]
        # However the run ends (an exception, SIGTERM, Ctrl-C), the faults and the advocates
        # stop before the stack does: a fault's recovery must not start a worker or a Redis
        # after the shutdown has stopped them. (Callbacks run last registered first.)
        exits.callback(_join_all, desk)
        exits.callback(desk_closed.set)
        for thread in desk:
            thread.start()
        faults = plan_faults(stack, duration)
        start = time.monotonic()
        chaos = threading.Thread(target=run_faults, args=(faults, start, ledger, stop),
                                 daemon=True)
        exits.callback(_join_all, [chaos])
        exits.callback(stop.set)
        chaos.start()
        ledger.event("load starts")
        send_all(people, order, rate, start)
        ledger.event("load ends")
        # The advocates stop before the drain: a reply they wrote after it would still be on
        # its way (queued, or at the fake but not yet marked sent) while the counts are taken.
        desk_closed.set()
        _join_all(desk)
        ledger.event("advocates stopped")
        drain(stack, people, ledger)
        stop.set()
        _join_all([chaos])
        result = verify(stack, ledger, start, faults)
        result.update(database=database, messages=len(order), survivors=survivors,
                      rate=rate, duration_s=round(time.monotonic() - start, 1))
        if result["failures"]:
            print(tail(Path(tmp) / "gunicorn.log", 40))
            print(tail(Path(tmp) / "workers.log", 40))
    # Everything this run started is stopped by now; anything still running below this
    # process (a worker, a work horse, a gunicorn worker, a server) is a leak: killed, and
    # the run fails.
    result["left_running"] = stragglers()
    if result["left_running"]:
        result["failures"].append(f"{result['left_running']} processes left running after "
                                  "the run's clean-up (killed)")
    return result


def _join_all(threads: list[threading.Thread], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    for thread in threads:
        if thread.is_alive():
            thread.join(timeout=max(0.1, deadline - time.monotonic()))


def message_sid() -> str:
    """A MessageSid as Twilio's: two letters and 32 hex digits (app/channels/sms.py `_SID`);
    any other shape gets the fail-safe's answer and is not stored."""
    return f"SM{secrets.token_hex(16)}"


def warm_up(stack: Stack, people: Survivors, ledger: Ledger) -> None:
    """Bursts of first messages that open a case, from numbers outside the run, until every
    gunicorn worker answers fast: in development the language models load on first use in
    each worker (production preloads them in the master), and the run measures the service,
    not that one-off load. The warm-up's messages are not counted as the run's, but that they
    were stored and opened their cases is checked (`_check_warm_up`): ids the webhook refused
    would get the fail-safe's answer and warm nothing."""
    validator = people.validator
    numbers = (f"+447700900{n:03d}" for n in itertools.count(900))

    def text(number: str, body: str) -> float:
        sid = message_sid()
        with ledger.lock:
            ledger.warm_up_sids.append(sid)
        params = {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": number,
                  "To": SERVICE_NUMBER, "Body": body}
        signature = validator.compute_signature(PUBLIC_BASE_URL + WEBHOOK_PATH, params)
        started = time.monotonic()
        with contextlib.suppress(requests.RequestException):
            requests.post(stack.url + WEBHOOK_PATH, data=params, timeout=30,
                          headers={"X-Twilio-Signature": signature})
        return (time.monotonic() - started) * 1000

    def one(number: str) -> float:
        text(number, "hello")
        return text(number, "person")  # opening a case guesses the language: models load

    for _burst in range(12):
        ledger.warm_up_numbers += GUNICORN_WORKERS * 2
        with ThreadPoolExecutor(max_workers=GUNICORN_WORKERS * 2) as pool:
            times = list(pool.map(one, [next(numbers) for _ in range(GUNICORN_WORKERS * 2)]))
        if max(times) < 300:
            return


def plan_faults(stack: Stack, duration: float) -> list[Fault]:
    faults = [
        Fault("redis SIGKILL (1)", duration * 0.15, stack.kill_redis, stack.start_redis, 8.0),
        Fault("gunicorn worker SIGKILL", duration * 0.35, stack.kill_a_web_worker),
        Fault("redis SIGKILL (2)", duration * 0.55, stack.kill_redis, stack.start_redis, 8.0),
    ]
    if stack.postgres is not None:
        faults.append(Fault("postgresql restart", duration * 0.75, stack.restart_postgres))
    at = 30.0
    while at < duration:
        faults.append(Fault("rq worker SIGKILL", at, stack.kill_a_worker))
        at += 30.0
    return sorted(faults, key=lambda fault: fault.at)


def run_faults(faults: list[Fault], start: float, ledger: Ledger, stop: threading.Event
               ) -> None:
    for fault in faults:
        if stop.wait(max(0.0, start + fault.at - time.monotonic())):
            return
        ledger.event(fault.name)
        fault.action()
        if fault.recover is not None:
            stop.wait(fault.recover_after)
            fault.recover()
            ledger.event(f"{fault.name}: restarted")


def send_all(people: Survivors, order: list[tuple[str, str]], rate: float, start: float
             ) -> None:
    """Each survivor's messages in order (one at a time per survivor, as a person types),
    everyone's at `rate` per second overall."""
    lanes: dict[str, threading.Lock] = defaultdict(threading.Lock)

    def one(person: str, text: str) -> None:
        with lanes[person]:
            if text == "<erase>":
                people.erase_chat(person)
            elif person.startswith("chat:"):
                people.chat(person, text)
            else:
                people.sms(person, text)
                if text == "1" and _last_was(people.ledger, person, "delete"):
                    with people.ledger.lock:
                        people.ledger.erasures[person] += 1

    with ThreadPoolExecutor(max_workers=24) as pool:
        futures = []
        for index, (person, text) in enumerate(order):
            delay = start + index / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(one, person, text))
        for future in futures:
            future.result()


def _last_was(ledger: Ledger, person: str, text: str) -> bool:
    with ledger.lock:
        mine = [s for s in ledger.sent if s.survivor == person]
    return len(mine) >= 2 and mine[-2].text == text


def drain(stack: Stack, people: Survivors, ledger: Ledger, timeout: float = DRAIN_SECONDS
          ) -> None:
    """Wait until the replies the service accepted are sent or held, the messages the
    fail-safe answered are stored from its spool by the sweeper, and every provider copy an
    erasure queued for deletion is deleted (or the time is up: the checks then fail)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = _query(stack, "SELECT count(*) FROM replies WHERE status NOT IN "
                                "('sent', 'held', 'failed', 'delivered')")
        if pending == 0 and _spooled(stack) == 0 and _copies_pending(stack) == 0:
            break
        time.sleep(1.0)
        for name in list(people.chat_tokens):
            people.poll(name)  # the chats still open fetch their replies, as the page would
    ledger.event("queue drained" if time.monotonic() < deadline else "drain timed out")


def _copies_pending(stack: Stack) -> int:
    """Provider copies an erasure queued for deletion and not deleted yet."""
    return int(_query(stack, "SELECT count(*) FROM provider_deletions "
                             "WHERE status = 'pending'"))


def _spooled(stack: Stack) -> int:
    """Entries in the fail-safe's spool not yet stored (-1 if Redis does not answer)."""
    import redis  # noqa: PLC0415

    connection = redis.Redis(port=stack.redis_port, socket_timeout=5)
    try:
        return int(connection.xlen(SPOOL_STREAM))
    except redis.RedisError:
        return -1
    finally:
        connection.close()


def _query(stack: Stack, sql: str) -> Any:
    import sqlalchemy  # noqa: PLC0415

    engine = sqlalchemy.create_engine(stack.env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql(sql).scalar()
    finally:
        engine.dispose()


def _rows(stack: Stack, sql: str) -> list[Any]:
    import sqlalchemy  # noqa: PLC0415

    engine = sqlalchemy.create_engine(stack.env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return list(connection.exec_driver_sql(sql))
    finally:
        engine.dispose()


def percentiles(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, int(len(ordered) * p + 0.5) - 1))], 1)

    return {"n": len(ordered), "p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99),
            "max": round(ordered[-1], 1), "mean": round(statistics.fmean(ordered), 1)}


def verify(stack: Stack, ledger: Ledger, start: float, faults: list[Fault]) -> dict[str, Any]:
    failures: list[str] = []
    figures: dict[str, Any] = {}
    for check in (_check_warm_up, _check_answers, _check_storage, _check_outbound):
        check(stack, ledger, failures, figures)
    figures.update(
        failures=failures,
        rq_workers_killed=sum(1 for f in faults if f.name.startswith("rq worker")),
        faults=[(round(f.at, 1), f.name) for f in faults if not f.name.startswith("rq")],
        latency_ms=_latency(ledger.sent, start, faults),
        slowest=[(round(s.at - start, 1), round(s.ms), s.tries,
                  "chat" if s.survivor.startswith("chat:") else "sms", s.text)
                 for s in sorted(ledger.sent, key=lambda s: -s.ms)[:12]],
        events=[(round(at - start, 1), what) for at, what in ledger.events])
    return figures


def _check_warm_up(stack: Stack, ledger: Ledger, failures: list[str],
                   figures: dict[str, Any]) -> None:
    """The warm-up's texts stored, and each of its numbers' requests for a person a case."""
    mine = set(ledger.warm_up_sids)
    found = [(sid, case) for sid, case in _rows(
        stack, "SELECT m.provider_sid, e.id FROM messages m LEFT JOIN escalations e "
               "ON e.conversation_id = m.conversation_id WHERE m.direction = 'in'")
             if sid in mine]
    stored = len({sid for sid, _ in found})
    opened = len({case for _, case in found if case is not None})
    if stored != len(ledger.warm_up_sids) or opened != ledger.warm_up_numbers:
        failures.append(f"the warm-up stored {stored} of its {len(ledger.warm_up_sids)} texts "
                        f"and opened {opened} cases for {ledger.warm_up_numbers} numbers")
    figures["warm_up"] = {"texts": len(ledger.warm_up_sids), "stored": stored,
                          "numbers": ledger.warm_up_numbers, "cases_opened": opened}


def _check_answers(_stack: Stack, ledger: Ledger, failures: list[str],
                   figures: dict[str, Any]) -> None:
    """Every message answered with 200 and TwiML or the chat's JSON."""
    sent = ledger.sent
    unanswered = [s for s in sent if s.status != 200]
    if unanswered:
        failures.append(f"{len(unanswered)} messages not answered with 200 "
                        f"(statuses {Counter(s.status for s in unanswered)})")
    figures.update(
        sent=len(sent), sms=sum(1 for s in sent if not s.survivor.startswith("chat:")),
        chat=sum(1 for s in sent if s.survivor.startswith("chat:")),
        answered_200=len(sent) - len(unanswered),
        failsafe_answers=sum(1 for s in sent if s.failsafe),
        empty_answers=sum(1 for s in sent if s.empty),
        retried=sum(1 for s in sent if s.tries > 1))


def _check_storage(stack: Stack, ledger: Ledger, failures: list[str],
                   figures: dict[str, Any]) -> None:
    """Every message since the survivor's last erasure stored exactly once, nothing from
    before it left, and every request for a person since then on the queue."""
    sent = ledger.sent
    stored = Counter(row[0] for row in _rows(
        stack, "SELECT provider_sid FROM messages WHERE direction = 'in' "
               "AND provider_sid IS NOT NULL"))
    last = {person: ledger.erasures[person] for person in {s.survivor for s in sent}}
    # The message that confirmed an erasure ("1" after "delete") goes with it.
    current = [s for s in sent if s.epoch == last[s.survivor]
               and s.text not in ("delete", "<erase>")]
    missing = [s for s in current if stored[s.provider_id] == 0]
    doubled = [sid for sid, n in stored.items() if n > 1]
    left_behind = [s for s in sent if s.epoch < last[s.survivor] and stored[s.provider_id]]
    if missing:
        failures.append(f"{len(missing)} answered messages not stored "
                        f"(e.g. {[(m.text, m.status) for m in missing[:5]]})")
    if doubled:
        failures.append(f"{len(doubled)} messages stored more than once")
    if left_behind:
        failures.append(f"{len(left_behind)} messages left after their survivor's erasure")
    asked = {s.provider_id for s in current if s.text == "person"}
    on_queue = {row[0] for row in _rows(
        stack, "SELECT m.provider_sid FROM messages m JOIN escalations e "
               "ON e.conversation_id = m.conversation_id WHERE m.direction = 'in'")}
    if asked - on_queue:
        failures.append(f"{len(asked - on_queue)} requests for a person not on the queue")
    figures.update(
        spool_left=_spooled(stack), spool_lost=_log_count(stack, "event=spool.lost"),
        checked_for_storage=len(current), stored_exactly_once=len(current) - len(missing),
        erasures=sum(ledger.erasures.values()), left_after_erasure=len(left_behind),
        person_requests=len(asked), person_requests_queued=len(asked & on_queue))


def _log_count(stack: Stack, event: str) -> int:
    """How many lines of the web and worker logs name `event`."""
    total = 0
    for name in ("gunicorn.log", "workers.log"):
        with contextlib.suppress(OSError), (stack.directory / name).open(
                encoding="utf-8", errors="replace") as log:
            total += sum(1 for line in log if event in line)
    return total


def _check_outbound(stack: Stack, ledger: Ledger, failures: list[str],
                    figures: dict[str, Any]) -> None:
    """Each advocate reply sent at most once (counted at the fake by its reference); every
    SMS reply marked sent reached the fake; the rest are held with a reason."""
    by_reference: Counter[str] = Counter()
    erased_at_fake: set[str] = set()
    deleted = set(stack.fake.deleted)
    at_fake = stack.fake.messages  # one snapshot for every figure below
    for message in at_fake:
        found = re.search(r"Ref (\d+-\d+)", message.body)
        if found:
            by_reference[found.group(1)] += 1
            if message.sid in deleted:  # the survivor erased the conversation afterwards
                erased_at_fake.add(found.group(1))
    duplicates = {ref: n for ref, n in by_reference.items() if n > 1}
    if duplicates:
        failures.append(f"{len(duplicates)} advocate replies sent more than once")
    statuses = Counter(f"{row[0]} ({row[1]})" if row[1] else row[0] for row in _rows(
        stack, "SELECT status, coalesce(hold_reason, error_kind) FROM replies"))
    held_without_reason = _query(stack, "SELECT count(*) FROM replies WHERE status = 'held' "
                                        "AND hold_reason IS NULL")
    unfinished = sum(n for status, n in statuses.items()
                     if status.split()[0] not in ("sent", "held", "failed", "delivered"))
    failed = sum(n for status, n in statuses.items() if status.startswith("failed"))
    sms_sent = _query(stack, "SELECT count(*) FROM replies WHERE channel = 'sms' "
                             "AND status IN ('sent', 'delivered')")
    if failed:
        failures.append(f"{failed} advocate replies failed to send")
    if held_without_reason:
        failures.append(f"{held_without_reason} replies held without a reason")
    if unfinished:
        failures.append(f"{unfinished} advocate replies neither sent nor held")
    # Matched by Twilio's SID, both ways: every SMS reply marked sent is at the fake under its
    # SID, and every reply at the fake is a row marked sent with that SID, or its conversation
    # was erased afterwards (no row any more) and the erasure queued the copy for deletion.
    # Deleting copies is a job with retries: the drain waits for them (checked below).
    sent_sids = {row[0] for row in _rows(
        stack, "SELECT provider_sid FROM replies WHERE channel = 'sms' "
               "AND status IN ('sent', 'delivered')")}
    deletions = {row[0]: row[1] for row in _rows(
        stack, "SELECT provider_sid, status FROM provider_deletions")}
    replies_at_fake = {m.sid for m in at_fake if re.search(r"Ref (\d+-\d+)", m.body)}
    not_at_fake = sent_sids - {m.sid for m in at_fake}
    erased = {sid for sid in replies_at_fake - sent_sids if sid in deletions}
    unaccounted = replies_at_fake - sent_sids - erased
    # Every provider copy an erasure queued (messages in and out, calls) deleted by the end
    # of the drain: nothing of an erased conversation stays at the provider.
    copies = Counter(deletions.values())
    if copies["pending"]:
        failures.append(f"{copies['pending']} provider-copy deletions still pending after "
                        f"the drain (of {len(deletions)} queued by erasures)")
    if copies["failed"]:
        failures.append(f"{copies['failed']} provider-copy deletions failed")
    accepted_failures, accepted_figures = account(
        list(ledger.replies.values()),
        [ReplyRow(int(row[0]), row[1], row[2], row[3]) for row in _rows(
            stack, "SELECT escalation_id, channel, status, hold_reason FROM replies")],
        {int(row[0]) for row in _rows(
            stack, "SELECT id FROM escalations WHERE conversation_id IS NULL")},
        references_at_fake(message.body for message in at_fake))
    failures.extend(accepted_failures)
    figures.update(accepted_figures)
    if not_at_fake or unaccounted:
        # The soak's texts are its own, never a survivor's: show what the fake got instead.
        others = [message.body[:80] for message in at_fake
                  if not re.search(r"Ref (\d+-\d+)", message.body)]
        failures.append(f"{sms_sent} SMS replies marked sent, {len(by_reference)} at the fake: "
                        f"{len(not_at_fake)} marked sent but not at the fake, "
                        f"{len(unaccounted)} at the fake with neither a row marked sent nor "
                        f"an erasure's deletion; other messages at the fake: {others[:5]}")
    figures.update(
        advocate_replies_accepted=len(ledger.replies),
        advocate_replies_refused=ledger.refused_replies, reply_statuses=dict(statuses),
        advocate_stalls=dict(ledger.stalls),
        outbound_sends_at_fake=len(at_fake),
        advocate_replies_at_fake=len(by_reference),
        advocate_replies_erased_at_fake=len(erased_at_fake),
        advocate_replies_erased=len(erased),
        advocate_reply_copies_deletion_pending=sum(
            1 for sid in erased if deletions[sid] == "pending"),
        provider_deletions=dict(copies), provider_copies_pending=copies["pending"],
        duplicate_outbound=len(duplicates))


def _latency(sent: list[Sent], start: float, faults: list[Fault]) -> dict[str, Any]:
    """Percentiles overall, per channel, before the first fault, and around each fault."""
    answered = [s for s in sent if s.status == 200]
    latency: dict[str, Any] = {
        "all": percentiles([s.ms for s in answered]),
        "sms": percentiles([s.ms for s in answered if not s.survivor.startswith("chat:")]),
        "chat": percentiles([s.ms for s in answered if s.survivor.startswith("chat:")])}
    first = min((f.at for f in faults), default=1e9)
    latency["before faults"] = percentiles([s.ms for s in answered if s.at - start < first])
    window = [(s.at - start, s.ms) for s in answered]
    for fault in faults:
        if fault.name.startswith("rq worker"):
            continue
        latency[fault.name] = {
            "before (30 s)": percentiles([ms for t, ms in window
                                          if fault.at - 30 <= t < fault.at]),
            "during (30 s)": percentiles([ms for t, ms in window
                                          if fault.at <= t < fault.at + 30]),
            "after (30-60 s)": percentiles([ms for t, ms in window
                                            if fault.at + 30 <= t < fault.at + 60]),
        }
    return latency


def write_results(results: list[dict[str, Any]], started: float) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"machine": machine_info(Path(tempfile.gettempdir())), "git": git_revision(),
               "wall_clock_s": round(time.monotonic() - started, 1), "runs": results}
    (RESULTS / "soak.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    lines = ["The worst day: bench/soak.py (make soak). See the module docstring for what",
             "runs and what is asserted.", "",
             f"git {payload['git']}; wall clock {payload['wall_clock_s']} s", ""]
    for run in results:
        lines.append(f"== {run['database']}: {run['sent']} messages ({run['sms']} SMS, "
                     f"{run['chat']} chat) from {run['survivors']} survivors at "
                     f"{run['rate']:g}/s, {run['duration_s']} s")
        lines.append("  " + ("PASSED" if not run["failures"] else
                             "FAILED: " + "; ".join(run["failures"])))
        for key in ("warm_up", "answered_200", "failsafe_answers", "empty_answers", "retried",
                    "spool_left", "spool_lost",
                    "checked_for_storage", "stored_exactly_once", "erasures",
                    "left_after_erasure", "person_requests", "person_requests_queued",
                    "advocate_replies_accepted", "advocate_replies_by_channel",
                    "advocate_replies_refused", "advocate_stalls", "sms_replies_accounted",
                    "reply_reconciliation",
                    "reply_statuses", "outbound_sends_at_fake", "advocate_replies_at_fake",
                    "advocate_replies_erased_at_fake", "advocate_replies_erased",
                    "advocate_reply_copies_deletion_pending", "provider_deletions",
                    "provider_copies_pending", "duplicate_outbound",
                    "rq_workers_killed", "left_running"):
            lines.append(f"  {key.replace('_', ' ')}: {run[key]}")
        lines.append("  faults (s into the run): " + ", ".join(
            f"{name} at {at}" for at, name in run["faults"]))
        lines.append("  slowest (s into the run, ms, tries, channel, text): " + "; ".join(
            f"{at} {ms} {tries} {kind} {text!r}" for at, ms, tries, kind, text in run["slowest"]))
        lines.append("  latency, ms (webhook or chat send to its answer):")
        for name, figures in run["latency_ms"].items():
            if "n" in figures:
                lines.append(f"    {name}: {_figures(figures)}")
            else:
                lines.append(f"    {name}:")
                for phase, values in figures.items():
                    lines.append(f"      {phase}: {_figures(values)}")
        lines.append("")
    (RESULTS / "soak.txt").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


def _figures(values: dict[str, float | int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in values.items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sms", type=int, default=10_000)
    parser.add_argument("--chat", type=int, default=2_000)
    parser.add_argument("--survivors", type=int, default=500)
    parser.add_argument("--rate", type=float, default=40.0, help="messages per second")
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    install_sigterm_handler()
    Spawner.adopt_orphans()  # so `stragglers` sees every process the run left behind
    started = time.monotonic()
    results = [soak(database, args.sms, args.chat, args.survivors, args.rate)
               for database in args.databases.split(",")]
    write_results(results, started)
    return 1 if any(run["failures"] for run in results) else 0


if __name__ == "__main__":
    sys.exit(main())
