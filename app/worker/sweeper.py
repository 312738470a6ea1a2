"""The sweeper: the database says what is unfinished, and the sweeper enqueues it again.

`python worker.py` runs it as a thread beside the RQ worker. Every `sweep_seconds` it takes a
short Redis lock (so with several workers one sweeps per interval) and runs `sweep()`: replies
due or whose lease expired because a worker died, held replies whose reason has gone,
provider copies to delete, cases not yet notified, alerts left in doubt, urgent and high
cases unclaimed past their target (app/casework/sla.py), audit rows to seal, the marks of
erasures older than a day;
and once a day the retention run. First of all it hands the messages the fail-safe answered
while the database was down (app/conversation/spool.py) to the replay job, which stores them,
so their cases are opened and notified like any other (a job, so that only its work-horse loads
the triage rules to read them). If Redis is down it waits and tries again; it never stops
the worker, and a job lost with a killed worker is done by the next one.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from flask import Flask

from app import hours
from app.audit import chain as audit_chain
from app.casework import alerts
from app.conversation import safe_numbers
from app.lifecycle import erasure, provider_copies
from app.logs import exception_summary
from app.services import services

log = logging.getLogger(__name__)
LOCK = "quietline:sweeper-lock"
RETENTION_LOCK = "quietline:retention-ran-today"
# Held by the sweeper thread while it sweeps, and by the worker while it forks a work-horse
# (worker.py). A fork copies the parent's memory but only the forking thread: if the sweeper
# were inside SQLite (or any C library) holding one of its internal mutexes at that moment,
# the horse would inherit the mutex locked, with no thread left to release it, and hang on
# its first query until RQ's job timeout killed it. With the guard, no fork happens mid-sweep.
FORK_GUARD = threading.Lock()


def sweep() -> dict[str, int]:
    """Enqueue whatever the database says is unfinished. Cheap; safe to run anywhere, often."""
    built = services()
    spooled = replay_spool()
    now = built.clock()
    grace = timedelta(seconds=built.settings.send_lease_seconds)
    open_now = hours.is_open(built.settings.deployment.opening_hours, now)
    counts = {"replies": 0, "released": 0, "cancelled": 0, "cases": 0, "copies": 0,
              "overdue": 0}
    with built.database.transaction() as connection:
        # Return codes past `[webchat] resume_hours` work no more: their keyed values go now,
        # before the replies waiting on them are rechecked (and cancelled).
        counts["codes"] = built.conversations.return_codes.purge_expired(connection, now) \
            if built.conversations.return_codes else 0
        # Safe numbers given in the web chat that never wrote within the same hours are
        # forgotten (app/conversation/safe_numbers.py), before the replies are rechecked.
        counts["numbers"] = safe_numbers.forget_unconfirmed(
            connection, now, built.settings.deployment.return_codes.resume_hours)
        # The marks of survivors' erasures go after a day (app/lifecycle/erasure.py).
        counts["erasure_marks"] = erasure.forget_marks(connection, now)
        due = built.reply_delivery.due(connection, now, grace)
        due += built.reply_delivery.recheck_waiting(connection, counts)
        copies = provider_copies.pending(connection, now)
        waiting_cases = alerts.cases_to_notify(
            connection, now, open_now=open_now,
            on_call_phones=len(built.settings.deployment.staff.on_call_sms))
        overdue = built.sla.record_breaches(connection, now)
    for reply_id in due:
        if built.dispatcher.reply(reply_id):
            counts["replies"] += 1
    for deletion_id in copies:
        if built.dispatcher.delete_copy(deletion_id):
            counts["copies"] += 1
    for case_id in waiting_cases:
        if built.dispatcher.notify(case_id):
            counts["cases"] += 1
    for breach_id in overdue:
        if built.dispatcher.chase(breach_id):
            counts["overdue"] += 1
    counts["sealed"] = audit_chain.seal(built.database, built.chain_key, now)
    counts["spooled"] = spooled
    if any(counts.values()):
        log.info("event=sweep %s", " ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


def replay_spool() -> int:
    """Messages answered by the fail-safe, handed to the replay job (app/worker/jobs.py),
    which stores them once the database takes them: 1 if the job is on the queue, else 0.
    This host's entries written to disk while Redis was down go to the stream first."""
    built = services()
    built.spool.move_files()
    return int(built.spool.size() > 0 and built.dispatcher.replay_spool())


def schedule_daily_purge() -> bool:
    """Called by every sweep: enqueues the retention run once a day, whichever worker is
    first (a Redis key that expires after a day decides)."""
    built = services()
    if built.redis.set(RETENTION_LOCK, "1", nx=True, ex=86400):
        return built.dispatcher.purge()
    return False


class Sweeper:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="quietline-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        with self.app.app_context():
            interval = services().settings.sweep_seconds
            while not self._stop.is_set():
                try:
                    # The lock expires a little before the next interval, so one of several
                    # workers sweeps each time and a dead sweeper never blocks the others.
                    with FORK_GUARD:
                        if services().redis.set(LOCK, "1", nx=True, px=int(interval * 900)):
                            sweep()
                            schedule_daily_purge()
                except Exception as error:  # noqa: BLE001 -- keep sweeping whatever failed
                    log.warning("event=sweep.failed %s", exception_summary(error))
                self._stop.wait(interval)
