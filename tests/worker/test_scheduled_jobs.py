"""Jobs scheduled for later run, with no scheduler process beside the worker.

RQ's `work(with_scheduler=True)` forked a process that lived as long as the worker (about 60 MiB
PSS on a small server) to move due jobs from each queue's scheduled registry onto the queue.
worker.py now does that in a thread (app/worker/scheduled.py) under RQ's own per-queue locks:
a scheduled job still runs, two workers never enqueue it twice, and the thread outlives a
Redis outage.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry
from rq.scheduler import RQScheduler

from app.worker.scheduled import ScheduledJobs
from tests.support.servers import RedisServer, wait_for
from tests.support.workers import WORKER_START_SECONDS, start_worker, stop_worker

QUEUES = ("scheduled-test-urgent", "scheduled-test-default")


def children(pid: int) -> list[int]:
    """The processes `pid` forked that still run (Linux's own list of them)."""
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="utf-8")
    return [int(child) for child in text.split()]


@pytest.fixture
def worker_process(environ: dict[str, str], tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    connection = redis.Redis.from_url(environ["REDIS_URL"])
    connection.flushdb()  # no locks or jobs left by earlier tests
    with (tmp_path / "worker.log").open("wb") as output:
        process = start_worker(environ, output)
    try:
        wait_for(lambda: bool(connection.scard("rq:workers")), timeout=WORKER_START_SECONDS,
                 what="the worker to register")
        yield process
    finally:
        stop_worker(process)


@pytest.mark.slow
def test_a_job_scheduled_for_later_runs_and_no_scheduler_process_stays(
        environ: dict[str, str], worker_process: subprocess.Popen[bytes]) -> None:
    connection = redis.Redis.from_url(environ["REDIS_URL"])
    queue = Queue("urgent", connection=connection)
    job = queue.enqueue_in(timedelta(seconds=1), "os.getpid", result_ttl=60)
    assert job.get_status() == JobStatus.SCHEDULED
    wait_for(lambda: job.get_status(refresh=True) == JobStatus.FINISHED, timeout=30,
             what="the scheduled job to run")
    # The work-horse that ran it has gone; nothing else is forked for the worker's life.
    wait_for(lambda: not children(worker_process.pid), timeout=10,
             what="the worker to have no child process (RQ's scheduler process is not used)")


def schedule_due(connection: redis.Redis, count: int) -> list[str]:
    """`count` jobs scheduled a second ago on the first test queue: due now."""
    queue = Queue(QUEUES[0], connection=connection)
    when = datetime.now(UTC) - timedelta(seconds=1)
    return [queue.enqueue_at(when, "os.getpid").id for _ in range(count)]


def test_two_workers_schedulers_enqueue_each_job_once(environ: dict[str, str]) -> None:
    connection = redis.Redis.from_url(environ["REDIS_URL"])
    for name in QUEUES:
        connection.delete(RQScheduler.get_locking_key(name), f"rq:queue:{name}")
    first = ScheduledJobs(QUEUES, lambda: redis.Redis.from_url(environ["REDIS_URL"]))
    second = ScheduledJobs(QUEUES, lambda: redis.Redis.from_url(environ["REDIS_URL"]))
    scheduled = schedule_due(connection, 20)
    for _ in range(3):
        first.tick()
        second.tick()
    assert first.scheduler is not None
    assert second.scheduler is not None
    assert first.scheduler.acquired_locks == set(QUEUES)
    assert second.scheduler.acquired_locks == set()  # it waits for the first's locks
    queued = Queue(QUEUES[0], connection=connection).get_job_ids()
    assert sorted(queued) == sorted(scheduled)  # every job once, none twice
    assert not ScheduledJobRegistry(QUEUES[0], connection=connection).get_job_ids()


def test_a_stopped_scheduler_gives_up_its_locks(environ: dict[str, str]) -> None:
    connection = redis.Redis.from_url(environ["REDIS_URL"])
    for name in QUEUES:
        connection.delete(RQScheduler.get_locking_key(name))
    running = ScheduledJobs(QUEUES, lambda: redis.Redis.from_url(environ["REDIS_URL"]),
                            interval=0.05)
    running.start()
    wait_for(lambda: all(connection.exists(RQScheduler.get_locking_key(name))
                         for name in QUEUES), timeout=10, what="the scheduler's locks")
    running.stop()
    # Another worker's scheduler may take the queues at once, not 61 s later.
    assert not any(connection.exists(RQScheduler.get_locking_key(name)) for name in QUEUES)


def test_the_scheduler_thread_outlives_a_redis_outage(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis").start()
    running = ScheduledJobs(QUEUES, lambda: redis.Redis.from_url(server.url, socket_timeout=1),
                            interval=0.05)
    try:
        running.start()
        connection = redis.Redis.from_url(server.url)
        wait_for(lambda: bool(connection.exists(RQScheduler.get_locking_key(QUEUES[0]))),
                 timeout=10, what="the scheduler's lock")
        server.stop()  # Redis is gone (and its data with it: no dump is saved)
        server.start()
        # A scheduled job after Redis came back is still moved onto its queue.
        scheduled = schedule_due(connection, 1)
        wait_for(lambda: Queue(QUEUES[0], connection=connection).get_job_ids() == scheduled,
                 timeout=20, what="the job scheduled after the outage to be enqueued")
        assert Job.fetch(scheduled[0], connection=connection).get_status() == JobStatus.QUEUED
    finally:
        running.stop()
        server.stop()
