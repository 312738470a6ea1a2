"""Run an RQ worker for Quietline's queues: `python worker.py`.

The worker holds one app (and so one set of services) for its lifetime; jobs take ids and open
their own database sessions from it. Beside it run two threads: the sweeper
(app/worker/sweeper.py), which re-enqueues whatever the database says is unfinished, so a job
lost with a killed worker is done by the next one; and the scheduler
(app/worker/scheduled.py), which moves jobs scheduled for later onto their queues when due, in
place of the process RQ would fork for it (`with_scheduler=True`), to save a small server that
process's memory.

RQ's worker quits when Redis fails outside its dequeue loop (for example while a Sentinel
promotes a new primary). This process does not: it starts a new RQ worker after a short pause,
until it is asked to stop, so a Redis failover needs no one to restart the workers.

On one small server gunicorn's master forks the RQ workers instead (QUIETLINE_WEB_RQ_WORKERS,
app/worker/beside_web.py) and runs `main` with the app it has built, whose pages the worker
then shares with the web tier.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import signal
import sys
import threading
from types import FrameType
from typing import Any

import redis
from flask import Flask
from rq import Worker

from app import create_app
from app.config import ConfigError, Settings
from app.dispatch import QUEUE_NAMES
from app.private_files import restrict_new_files
from app.services import connect_redis, services
from app.worker.scheduled import ScheduledJobs
from app.worker.sweeper import FORK_GUARD, Sweeper
from app.worker.warm_up import warm_for_jobs

log = logging.getLogger(__name__)
# RQ blocks on Redis for its TTL less 15 s waiting for a job, with a socket timeout 10 s
# longer. A short TTL bounds how long a worker stays blocked on a primary that vanished
# without closing the connection (a lost machine), before it asks the sentinels again.
WORKER_TTL_SECONDS = 35
MAX_PAUSE_SECONDS = 30.0


def main(built: Flask | None = None) -> int:
    """Run until stopped; `built`: an app already built (by gunicorn's master, whose child
    this is), else this process builds its own."""
    restrict_new_files()  # before anything is created (app/private_files.py)
    try:
        app = built or create_app()
    except ConfigError as error:
        print(f"worker: {error}", file=sys.stderr)  # noqa: T201 -- the operator must see why
        return 2
    with app.app_context():
        # Built here, the triage rules load only in the spool's replay job's work-horse
        # (app/worker/jobs.py), and without the screens, which only spare a busy web worker
        # scans: that horse held 54 MiB private with them, 42 without (another job's 17-22).
        # Built by gunicorn's master, they are loaded already, and shared.
        services().conversations.triage_source.without_screens()
        warm_for_jobs(services())  # before the freeze, so the horses share what it loads
    share_with_forks()
    with app.app_context():
        sweeper = Sweeper(app)
        sweeper.start()
        settings = services().settings
        scheduler = ScheduledJobs(QUEUE_NAMES, lambda: connect_redis(settings))
        scheduler.start()
        log.info("event=worker.start queues=%s", ",".join(QUEUE_NAMES))
        try:
            work_until_stopped(settings)
        finally:
            scheduler.stop()
            sweeper.stop()
            services().close()
    return 0


def share_with_forks() -> None:
    """Freeze the app's objects (gc.freeze) before RQ forks a work-horse per job, so the
    horses keep sharing the worker's pages: the cycle collector writes
    into every object it examines, and a collection in a child would copy nearly all of
    them. Frozen objects are never examined; they live as long as the worker anyway. Then
    the C allocator gives back the heap pages it holds free (glibc's malloc_trim), so no
    child inherits them."""
    gc.collect()
    gc.freeze()
    malloc_trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if malloc_trim is not None:
        malloc_trim(0)


class StoppableWorker(Worker):
    """An RQ worker that remembers whether a person (SIGTERM, SIGINT) asked it to stop, as
    opposed to quitting on its own after a Redis error."""

    stop_asked = False

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop_asked = True
        super().request_stop(signum, frame)

    def dequeue_job_and_maintain_ttl(self, timeout: int | None,
                                      max_idle_time: int | None = None) -> Any:
        """No new job once a stop was asked for. RQ notes a stop that arrives while it is busy
        (starting up, or running a job) and then still blocks waiting for the next job for up
        to its dequeue timeout; a None here ends its loop at once."""
        if self.stop_asked:
            return None
        return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)

    def fork_work_horse(self, job: Any, queue: Any) -> None:
        """Fork the work-horse only between two sweeps (app/worker/sweeper.py FORK_GUARD): a
        horse forked while the sweeper thread was inside SQLite could inherit one of its
        mutexes locked and hang. The child runs the job and exits inside this call; only the
        parent returns, and releases the guard."""
        with FORK_GUARD:
            super().fork_work_horse(job, queue)

    def unsubscribe(self) -> None:
        """Stop listening for RQ's commands without waiting a minute.

        RQ's own unsubscribe stops its pubsub thread and waits for it; since redis-py 8 that
        wait has no limit, and the thread may be in a 60-second read, so a SIGTERM (a deploy,
        `make run`'s Ctrl-C) took up to a minute, or hung a test's teardown. The thread is a
        daemon that closes its connection itself when it stops: wait a second at most.
        """
        thread = self.pubsub_thread
        if thread is None or self.pubsub is None:
            return
        self.log.info("Worker %s: unsubscribing from channel %s", self.name,
                      self.pubsub_channel_name)
        self.pubsub.unsubscribe()
        try:
            thread.stop(timeout=1)
        except TypeError:  # redis-py before 8: stop() only clears the flag and never waits
            thread.stop()


def work_until_stopped(settings: Settings) -> None:
    """Run RQ workers one after another until one is asked to stop (SIGTERM or SIGINT)."""
    stop = threading.Event()
    pause = 1.0
    while True:
        worker: StoppableWorker | None = None
        worked = False
        try:
            # Its own connection: RQ lengthens the socket timeout of the one it is given for
            # its blocking dequeue, and the sweeper's short timeouts must stay short.
            worker = StoppableWorker(list(QUEUE_NAMES), connection=connect_redis(settings),
                                     worker_ttl=WORKER_TTL_SECONDS)
            # No scheduler process: the scheduler thread (app/worker/scheduled.py) does its work.
            worked = worker.work(with_scheduler=False, logging_level="INFO")
        except redis.RedisError as error:
            log.warning("event=worker.redis_failed error=%s", type(error).__name__)
        if worker is not None and worker.stop_asked:
            return
        # Between two RQ workers the signals are ours again: a stop during the pause ends it.
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda _number, _frame: stop.set())
        log.warning("event=worker.restart pause=%.0f", pause)
        if stop.wait(pause):
            return
        pause = 1.0 if worked else min(pause * 2, MAX_PAUSE_SECONDS)


if __name__ == "__main__":
    sys.exit(main())
