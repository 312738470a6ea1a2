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

The parts: the stack and its faults (bench/soak_stack.py), the survivors and the ledger of
what they sent (bench/soak_survivors.py), the advocates (bench/soak_desk.py), the checks
(bench/soak_checks.py, with the reply accounting in bench/soak_replies.py).

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
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402 -- after the path set-up

from bench.machine import git_revision, machine_info  # noqa: E402
from bench.processes import (  # noqa: E402
    Spawner,
    install_sigterm_handler,
    stragglers,
    tail,
)
from bench.signed_requests import ACCOUNT_SID, PUBLIC_BASE_URL, SERVICE_NUMBER  # noqa: E402
from bench.soak_checks import verify  # noqa: E402
from bench.soak_desk import Advocate  # noqa: E402
from bench.soak_stack import GUNICORN_WORKERS, Fault, Stack, db_value, spooled  # noqa: E402
from bench.soak_survivors import WEBHOOK_PATH, Ledger, Survivors, scripts  # noqa: E402

RESULTS = ROOT / "bench" / "results"
ADVOCATES = 3
# After the load: how long the queue may take to finish what the run left it (replies, the
# spool, provider-copy deletions). A deletion's job runs within a sweep (15 s) of its erasure
# and is retried after 30 s, 1 min, 2 min... if it failed; a worker killed under it leaves its
# row taken for the lease (60 s) and its queued mark for 60 s: 3 minutes cover a copy whose
# job was lost twice.
DRAIN_SECONDS = 180.0
SEED = 20261206


# --- the run -----------------------------------------------------------------------------


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
        pending = db_value(stack, "SELECT count(*) FROM replies WHERE status NOT IN "
                                "('sent', 'held', 'failed', 'delivered')")
        if pending == 0 and spooled(stack) == 0 and _copies_pending(stack) == 0:
            break
        time.sleep(1.0)
        for name in list(people.chat_tokens):
            people.poll(name)  # the chats still open fetch their replies, as the page would
    ledger.event("queue drained" if time.monotonic() < deadline else "drain timed out")


def _copies_pending(stack: Stack) -> int:
    """Provider copies an erasure queued for deletion and not deleted yet."""
    return int(db_value(stack, "SELECT count(*) FROM provider_deletions "
                             "WHERE status = 'pending'"))



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

