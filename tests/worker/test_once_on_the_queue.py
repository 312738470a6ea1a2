"""A row the sweeper finds unfinished is on the queue once, however many sweeps find it.

The sweeper enqueues a case's notification and a provider copy's deletion on every sweep
while the row is unfinished. In the soak the queue was slower than the sweeps: about 1,100
notification jobs piled up, and the copy deletions behind them never ran (Twilio kept the
copies of erased conversations). Real Redis and RQ queues here; no worker runs, so whatever
is enqueued stays on the queue to be counted.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis
from flask import Flask
from rq import Queue

from app.dispatch import DEFAULT, DELETE_COPY, NOTIFY_CASE, URGENT, Dispatcher
from app.services import services
from app.worker.sweeper import sweep
from tests.conftest import MovableClock
from tests.support.cases import open_case
from tests.support.staff import TUESDAY_10AM
from tests.support.twilio_signing import TwilioSigner


@pytest.fixture
def connection(environ: dict[str, str]) -> redis.Redis:
    connection = redis.Redis.from_url(environ["REDIS_URL"])
    connection.flushdb()
    return connection


def waiting(connection: redis.Redis, job: str, queue: str = DEFAULT) -> list[int]:
    """The row ids of the `job` jobs waiting on `queue`."""
    return [found.args[0] for found in Queue(queue, connection=connection).get_jobs()
            if found.func_name == job]


def test_a_second_enqueue_of_a_waiting_row_adds_no_job(connection: redis.Redis) -> None:
    dispatcher = Dispatcher(connection)
    for _ in range(3):  # three sweeps before any worker gets to it
        assert dispatcher.notify(7)
        assert dispatcher.delete_copy(3)
    assert waiting(connection, NOTIFY_CASE) == [7]
    assert waiting(connection, DELETE_COPY) == [3]
    assert dispatcher.notify(8)  # another row has its own job
    assert waiting(connection, NOTIFY_CASE) == [7, 8]


def test_once_the_job_has_started_the_row_may_be_enqueued_again(
        connection: redis.Redis) -> None:
    dispatcher = Dispatcher(connection)
    dispatcher.notify(7)
    dispatcher.started(NOTIFY_CASE, 7)  # as the job does first: it may not finish the row
    dispatcher.notify(7)
    assert waiting(connection, NOTIFY_CASE) == [7, 7]


def test_the_mark_of_a_job_that_never_started_expires(connection: redis.Redis) -> None:
    dispatcher = Dispatcher(connection)
    dispatcher.notify(7)
    marks = connection.keys("quietline:queued:*")
    assert len(marks) == 1
    assert 0 < connection.ttl(marks[0]) <= 60  # a worker killed before the job ran


def test_an_urgent_case_enqueued_by_the_webhook_is_not_enqueued_again_by_the_sweeper(
        connection: redis.Redis) -> None:
    dispatcher = Dispatcher(connection)
    dispatcher.notify(7, urgent=True)
    dispatcher.notify(7)  # the sweeper's enqueue, on the default queue
    assert waiting(connection, NOTIFY_CASE, URGENT) == [7]
    assert waiting(connection, NOTIFY_CASE, DEFAULT) == []


def test_replies_keep_their_own_rule(connection: redis.Redis) -> None:
    """A reply is re-enqueued by its row's `enqueued_at` and lease (reply_delivery.due)."""
    dispatcher = Dispatcher(connection)
    dispatcher.reply(5)
    dispatcher.reply(5)
    assert len(Queue(URGENT, connection=connection).get_jobs()) == 2


def test_sweeps_while_no_worker_runs_leave_one_notification_per_case(
        app: Flask, twilio: TwilioSigner, clock: MovableClock,
        connection: redis.Redis) -> None:
    clock.set(TUESDAY_10AM)
    case_id = open_case(twilio)
    with app.app_context():
        for _ in range(4):
            clock.advance(timedelta(seconds=15))
            sweep()
        built = services()
        assert built.dispatcher.notify(case_id)
    assert waiting(connection, NOTIFY_CASE, URGENT) + waiting(connection, NOTIFY_CASE) == [
        case_id]
