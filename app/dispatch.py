"""Handing work to the RQ worker. Never in the way of a survivor's reply.

Every row a job works on is committed before the job is enqueued, so if Redis is down the
enqueue is simply skipped (and logged): the sweeper finds the row and enqueues it later.

The queue names and the jobs' import paths are defined here and nowhere else. Jobs are named
by path because they live at the edge (`app.worker.jobs`, which imports the composition root)
and this module sits in the foundation that the conversation service uses;
tests/worker/test_job_paths.py imports every path below, so a renamed job fails the suite.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timedelta

import redis
from rq import Queue

log = logging.getLogger(__name__)
# Most urgent first: a worker always drains `urgent` before `default`.
URGENT = "urgent"
DEFAULT = "default"
QUEUE_NAMES = (URGENT, DEFAULT)
SEND_REPLY = "app.worker.jobs.send_reply"
NOTIFY_CASE = "app.worker.jobs.notify_case"
DELETE_COPY = "app.worker.jobs.delete_provider_copy"
PURGE = "app.worker.jobs.purge_expired"
RECLAIM = "app.worker.jobs.reclaim_space"
CHASE_CASE = "app.worker.jobs.chase_overdue_case"
REPLAY_SPOOL = "app.worker.jobs.replay_spool"
JOB_PATHS = (SEND_REPLY, NOTIFY_CASE, DELETE_COPY, PURGE, RECLAIM, CHASE_CASE, REPLAY_SPOOL)
RETRY_DELAY = timedelta(seconds=30)
# Jobs the sweeper enqueues again on every sweep while their row is unfinished (a case not yet
# notified, a provider copy not yet deleted): one waiting on the queue is enough. Without
# this, a queue slower than the sweep grew by one job per unfinished row per sweep (1,100
# notifications in the soak), and the copy deletions behind them never ran.
ONCE_ON_THE_QUEUE = frozenset({NOTIFY_CASE, DELETE_COPY})
# How long a "waiting on the queue" mark lasts if its job never starts (a worker killed between
# taking the job and running it): the row is enqueued again after this at the latest.
QUEUED_MARK_SECONDS = 60
_REPLAY_MARK = "quietline:queued:replay_spool"


class Dispatcher:
    def __init__(self, connection: redis.Redis, *, is_async: bool = True) -> None:
        # `is_async=False` runs jobs inline, in the caller's app context (unit tests only).
        self._redis = connection
        self.urgent = Queue(URGENT, connection=connection, is_async=is_async)
        self.default = Queue(DEFAULT, connection=connection, is_async=is_async)

    def notify(self, case_id: int, urgent: bool = False) -> bool:
        """Alert on-duty advocates about a case (urgent cases jump the queue)."""
        queue = self.urgent if urgent else self.default
        return self._enqueue(queue, NOTIFY_CASE, case_id)

    def chase(self, breach_id: int) -> bool:
        """Re-alert the phones about a case left unclaimed past its target (urgent queue)."""
        return self._enqueue(self.urgent, CHASE_CASE, breach_id)

    def reply(self, reply_id: int) -> bool:
        return self._enqueue(self.urgent, SEND_REPLY, reply_id)

    def delete_copy(self, deletion_id: int) -> bool:
        """Ask the provider to delete a message's copy (after an erasure)."""
        return self._enqueue(self.default, DELETE_COPY, deletion_id)

    def delete_copies(self, deletion_ids: list[int]) -> None:
        for deletion_id in deletion_ids:
            self.delete_copy(deletion_id)

    def reclaim(self) -> bool:
        """After an erasure: make the deleted rows leave the database files (no arguments)."""
        try:
            self.default.enqueue(RECLAIM, result_ttl=0, failure_ttl=86400)
        except redis.RedisError as error:
            log.warning("event=dispatch.skipped job=reclaim_space error=%s",
                        type(error).__name__)
            return False
        return True

    def purge(self) -> bool:
        """The daily retention run (no arguments: it reads the database itself)."""
        try:
            self.default.enqueue(PURGE, result_ttl=0, failure_ttl=86400, job_timeout=3600)
        except redis.RedisError as error:
            log.warning("event=dispatch.skipped job=purge_expired error=%s",
                        type(error).__name__)
            return False
        return True

    def replay_spool(self) -> bool:
        """Store what the fail-safe spooled (no arguments: the job reads the spool itself), on
        the urgent queue: a request for a person may be waiting in it. One run at a time: while
        one waits or runs (its mark, cleared by `replayed`), a sweep enqueues none."""
        try:
            if self.urgent.is_async and not self._redis.set(
                    _REPLAY_MARK, "1", nx=True, ex=QUEUED_MARK_SECONDS):
                return True
            self.urgent.enqueue(REPLAY_SPOOL, result_ttl=0, failure_ttl=86400)
        except redis.RedisError as error:
            log.warning("event=dispatch.skipped job=replay_spool error=%s",
                        type(error).__name__)
            self.replayed()
            return False
        return True

    def replayed(self) -> None:
        """Called by the replay job as it ends, however it ends: the next sweep may enqueue
        another (a horse killed mid-run leaves the mark to expire, QUEUED_MARK_SECONDS)."""
        with contextlib.suppress(redis.RedisError):
            self._redis.delete(_REPLAY_MARK)

    def reply_later(self, reply_id: int, now: datetime) -> bool:
        return self._enqueue_at(self.urgent, SEND_REPLY, reply_id, now + RETRY_DELAY)

    def notify_later(self, case_id: int, now: datetime) -> bool:
        return self._enqueue_at(self.urgent, NOTIFY_CASE, case_id, now + RETRY_DELAY)

    def started(self, job: str, row_id: int) -> None:
        """Called by a job of ONCE_ON_THE_QUEUE as it starts: it no longer waits on the queue,
        so the next sweep may enqueue its row again if this run does not finish it."""
        if job in ONCE_ON_THE_QUEUE:
            # If Redis is down the mark expires by itself (QUEUED_MARK_SECONDS).
            with contextlib.suppress(redis.RedisError):
                self._redis.delete(_queued_mark(job, row_id))

    def _enqueue(self, queue: Queue, job: str, row_id: int) -> bool:
        """True if the job is on the queue (now, or already waiting there)."""
        once = job in ONCE_ON_THE_QUEUE and queue.is_async
        try:
            if once and not self._redis.set(_queued_mark(job, row_id), "1", nx=True,
                                             ex=QUEUED_MARK_SECONDS):
                return True  # one job for this row is waiting already: it will do the work
            queue.enqueue(job, row_id, result_ttl=0, failure_ttl=86400)
        except redis.RedisError as error:
            log.warning("event=dispatch.skipped job=%s row=%s error=%s", job.rsplit(".", 1)[1],
                        row_id, type(error).__name__)
            if once:
                self.started(job, row_id)  # nothing waits: let the next sweep enqueue it
            return False
        return True

    def _enqueue_at(self, queue: Queue, job: str, row_id: int, when: datetime) -> bool:
        if not queue.is_async:
            return False  # inline tests move the clock and run the sweeper instead
        try:
            queue.enqueue_at(when, job, row_id, result_ttl=0, failure_ttl=86400)
        except redis.RedisError as error:
            log.warning("event=dispatch.skipped job=%s row=%s error=%s", job.rsplit(".", 1)[1],
                        row_id, type(error).__name__)
            return False
        return True


def _queued_mark(job: str, row_id: int) -> str:
    return f"quietline:queued:{job.rsplit('.', 1)[1]}:{row_id}"
