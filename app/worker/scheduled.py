"""Jobs scheduled for later (`Queue.enqueue_at`): moved onto their queue when due, by a thread.

The dispatcher schedules a reply's or a case alert's retry a little later
(app/dispatch.py `reply_later`, `notify_later`); RQ keeps such a job in each queue's
ScheduledJobRegistry until a scheduler moves it onto the queue. RQ's own
`Worker.work(with_scheduler=True)` does that in a process it forks for the worker's whole
life: a second copy of the worker's interpreter holding about 60 MiB PSS (28 MiB private) on a
small server (bench/results/memory.txt), only to wake once a second. This thread does the same
work inside `python worker.py` with RQ's own scheduler code, under RQ's own per-queue locks:
one scheduler per queue across every worker process (a second worker's thread waits for a
lock that expires, 61 s after its holder stopped renewing it, and takes it over within RQ's
fallback period), so a job is never enqueued twice.

It lives as long as the worker process, not as long as one RQ worker: worker.py starts a new RQ
worker after a Redis failure, and this thread meanwhile keeps trying, with a fresh connection
after each failure (under Sentinel, that asks the sentinels for the new primary) and the same
scheduler name, so the locks it held are refreshed rather than waited out. Each tick holds
FORK_GUARD (app/worker/sweeper.py): no work-horse is forked while this thread is inside a
library call.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence

import redis
from rq.scheduler import RQScheduler

from app.worker.sweeper import FORK_GUARD

log = logging.getLogger(__name__)
# RQ's own scheduler wakes every second (RQScheduler's default interval; a whole number of
# seconds: its locks and registration last this long plus 60 s).
INTERVAL_SECONDS = 1


class _SchedulerOnConnection(RQScheduler):
    """RQ's scheduler using the connection it is given. RQ's copies the connection's settings
    into a plain pool for its forked process, which loses a Sentinel client's way to the
    primary; a thread can use ours as it is."""

    def __init__(self, queues: Sequence[str], connection: redis.Redis, name: str | None) -> None:
        super().__init__(list(queues), connection=connection, interval=INTERVAL_SECONDS,
                         name=name)
        self._ours = connection

    @property
    def connection(self) -> redis.Redis:
        return self._ours

    def use(self, connection: redis.Redis) -> None:
        self._ours = connection
        self._scheduled_job_registries = []  # built again on the new connection


class ScheduledJobs:
    """The scheduler thread: `start()` once, `stop()` when the worker ends (it gives up its
    locks, so another worker's scheduler need not wait for them to expire)."""

    def __init__(self, queues: Sequence[str], connect: Callable[[], redis.Redis],
                 interval: float = INTERVAL_SECONDS) -> None:
        """`interval`: seconds between two ticks (a test's may be shorter than RQ's)."""
        self._queues = tuple(queues)
        self._connect = connect
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="quietline-scheduler",
                                        daemon=True)
        self.scheduler: _SchedulerOnConnection | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def tick(self) -> None:
        """One round of RQ's scheduler loop: take (or keep) the queues' locks, renew them, and
        move the due jobs of the queues it holds onto those queues."""
        if self.scheduler is None:
            self.scheduler = _SchedulerOnConnection(self._queues, self._connect(), None)
            self.scheduler.register_birth()
        scheduler = self.scheduler
        with FORK_GUARD:
            if scheduler.should_reacquire_locks:
                scheduler.acquire_locks()
            scheduler.heartbeat()
            scheduler.enqueue_scheduled_jobs()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except redis.RedisError as error:
                log.warning("event=scheduler.redis_failed error=%s", type(error).__name__)
                if self.scheduler is not None:
                    # A fresh client: under Sentinel its next command finds the new primary.
                    with contextlib.suppress(redis.RedisError):
                        self.scheduler.use(self._connect())
            except Exception as error:  # noqa: BLE001 -- a scheduled job must still run later
                log.warning("event=scheduler.failed error=%s", type(error).__name__)
            self._stop.wait(self._interval)
        if self.scheduler is not None:
            with contextlib.suppress(redis.RedisError):
                self.scheduler.stop()  # releases its locks and its registration
