"""RQ jobs. Each takes row ids, calls one named service, and is safe to run twice.

The rules a job follows live in the service it calls; the job only turns a temporary provider
error into a later run. Nothing in a job's arguments, return value or exception text is
content or a number (docs/threat-model.md, A4): ids in, short status words out, errors
reduced to their kind by `content_free`.

`app.dispatch` names these functions by import path; tests/worker/test_job_paths.py imports
every path it names, so a rename fails the suite, not the worker.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from app.conversation import spool
from app.dispatch import DELETE_COPY, NOTIFY_CASE
from app.logs import exception_summary
from app.services import services

log = logging.getLogger(__name__)
JobResult = TypeVar("JobResult")
JobArgs = ParamSpec("JobArgs")


class JobFailed(RuntimeError):
    """A job failed. The message names the error's type and where it happened, never its
    text: RQ keeps a failed job's exception in Redis and writes it to the worker's log, and an
    exception's text can hold a number or a message (docs/threat-model.md, A4)."""


def content_free(job: Callable[JobArgs, JobResult]) -> Callable[JobArgs, JobResult]:
    @functools.wraps(job)
    def run(*args: JobArgs.args, **kwargs: JobArgs.kwargs) -> JobResult:
        try:
            return job(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 -- re-raised below without its text
            summary = exception_summary(error)
        # Raised outside the except block, so the original is not even attached as context.
        raise JobFailed(summary)

    return run


@content_free
def send_reply(reply_id: int) -> str:
    """Send one advocate reply (app.casework.reply_delivery). A second run finds it sent, or
    leased by another worker, and does nothing."""
    built = services()
    result = built.reply_delivery.send(reply_id)
    if result == "retry":
        built.dispatcher.reply_later(reply_id, built.clock())
    return result


@content_free
def notify_case(case_id: int) -> str:
    """Alert the on-call phones about a waiting case (app.casework.alerts). Each alert is a
    row unique per case and phone, so a second run sends nothing twice."""
    built = services()
    built.dispatcher.started(NOTIFY_CASE, case_id)
    result = built.alerts.notify(case_id)
    if "retry" in result.split(","):
        built.dispatcher.notify_later(case_id, built.clock())
    return result


@content_free
def chase_overdue_case(breach_id: int) -> str:
    """Re-alert the phones about a case left unclaimed past its target (app.casework.sla).
    The breach is one row per case and target and each phone's alert a row sent exactly once,
    so a second run sends nothing twice; a temporary error is retried by the next sweep."""
    return services().sla.chase(breach_id)


@content_free
def delete_provider_copy(deletion_id: int) -> str:
    """Delete the provider's copy of one erased message (app.lifecycle.provider_copies). The
    row is taken with a conditional UPDATE, and a copy already gone counts as done."""
    built = services()
    built.dispatcher.started(DELETE_COPY, deletion_id)
    return built.provider_copies.delete(deletion_id)


@content_free
def purge_expired() -> str:
    """The daily retention run (app.lifecycle.retention), with its signed report in the
    instance folder. Safe to run twice: a second run finds nothing past retention."""
    built = services()
    report = built.purge_expired()
    if report.conversations_deleted:
        built.database.reclaim()
    return f"{report.conversations_deleted} erased"


@content_free
def reclaim_space() -> str:
    """After an erasure or a purge: deleted rows leave the database files (Database.reclaim).
    Safe to run any number of times."""
    services().database.reclaim()
    return "reclaimed"


@content_free
def replay_spool() -> str:
    """Store the messages the fail-safe answered while the database was down
    (app/conversation/spool.py), so their cases open and are notified like any other.

    A job, not the sweeper's own work: reading a message needs the triage rules, loaded on
    first use (app/conversation/service.py), so only this job's work-horse holds them, for its
    run, and the worker and every other job's horse never do (issue 22, item 6). Safe to run
    twice or on two workers at once: the provider's message id is unique, so a second run
    finds each message stored and removes its entry; a message that fails stays spooled."""
    built = services()
    try:
        counts = spool.replay(built.spool, built.conversations)
    finally:
        built.dispatcher.replayed()
    if counts["failed"] or counts["unreadable"]:
        log.warning("event=spool.waiting failed=%s unreadable=%s", counts["failed"],
                    counts["unreadable"])
    return " ".join(f"{kind}={number}" for kind, number in counts.items())
