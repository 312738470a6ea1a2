"""Canaries through a whole escalation and through RQ jobs (docs/threat-model.md, A4).

A survivor's canary message and number go in through the signed webhook, an advocate claims the
case, reads the transcript and answers with a canary reply through the staff pages. Then nothing
of the three may be found in clear anywhere at rest: the Redis dump, the SQLite file after a WAL
checkpoint, the log output. RQ jobs must take ids only, and a job that fails must leave no text
or number in its failure record.

Two things make a plain scan of `dump.rdb` blind, so Redis is also read key by key here:
RQ stores a job's arguments and its exception text zlib-compressed (the failure result also
base64-encoded), and Redis LZF-compresses long strings in the dump. The scan decodes both
(`redis_contents`, tests/support/canary.py), and the dump is written with `rdbcompression no`.

Each test uses a Redis database of its own, emptied before and after, so jobs left by other
tests are neither run nor inspected here.
"""

from __future__ import annotations

import logging
import signal
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from rq import SimpleWorker
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry
from rq.results import Result

from app.logs import RedactingFilter
from app.outbound.twilio_rest import TwilioSender
from app.services import Services, services
from tests.support.canary import (
    Canary,
    as_bytes,
    decoded,
    logged,
    redis_contents,
    redis_dump,
)
from tests.support.cases import claim, latest_case, send_reply
from tests.support.fake_twilio import FakeTwilio
from tests.support.servers import RedisServer, wait_for
from tests.support.staff import csrf_from
from tests.support.twilio_signing import TwilioSigner

# The fake Twilio changes the environment, so it must exist before the app is made.
pytestmark = pytest.mark.usefixtures("fake_twilio")
REDIS_DB = 11  # no other test module uses this database
SEND_REPLY = "app.worker.jobs.send_reply"
NOTIFY_CASE = "app.worker.jobs.notify_case"


# One canary per scenario, so a leak in one test cannot be blamed on (or hidden by) another.
ESCALATION = Canary(
    text="Marmalade vortex 5823 he read all my texts last night",
    reply="Saffron quokka 9164 here, text back whenever it suits you.",
    number="+447700900482",
)
FAILING = Canary(
    text="Tangerine glacier 7046 he took the car keys again",
    reply="Juniper walrus 3381 here, text back whenever it suits you.",
    number="+447700900517",
)
QUEUED = Canary(
    text="Cobalt pelican 2958 he is checking my bank app",
    reply="Paprika heron 6672 here, text back whenever it suits you.",
    number="+447700900634",
)


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def environ(environ: dict[str, str], redis_server: RedisServer) -> Iterator[dict[str, str]]:
    """The shared environment, on a Redis database of this module's own, empty before/after."""
    url = redis_server.url.rsplit("/", 1)[0] + f"/{REDIS_DB}"
    environ["REDIS_URL"] = url
    connection = redis.Redis.from_url(url)
    connection.flushdb()
    yield environ
    connection.flushdb()
    connection.close()


def escalate(twilio: TwilioSigner, staff: FlaskClient, canary: Canary) -> int:
    """The survivor writes the canary and asks for a person; the advocate claims the case and
    reads the transcript. Returns the case id."""
    twilio.sms(canary.text, sender=canary.number)
    twilio.sms("person", sender=canary.number)
    case_id = latest_case(twilio)
    assert claim(staff, case_id).status_code == 302
    transcript = staff.get(f"/advocates/cases/{case_id}")
    assert transcript.status_code == 200
    assert canary.text in transcript.get_data(as_text=True)
    return case_id


def reply(staff: FlaskClient, case_id: int, canary: Canary) -> None:
    """The advocate checks the reply against the lock-screen rule, then sends it."""
    preview = staff.post(f"/advocates/cases/{case_id}/reply/preview",
                         data={"csrf_token": csrf_from(staff, "/advocates/queue"),
                               "text": canary.reply})
    assert preview.status_code == 200, "the canary reply must pass the lock-screen rule"
    assert send_reply(staff, case_id, canary.reply).status_code == 302


@pytest.fixture
def escalated(app: Flask, twilio: TwilioSigner, advocate: FlaskClient, fake_twilio: FakeTwilio,
              inline_jobs: None, caplog: pytest.LogCaptureFixture,
              capfd: pytest.CaptureFixture[str]) -> None:
    """A full escalation with the ESCALATION canary; the reply reaches the fake Twilio."""
    caplog.set_level(logging.DEBUG)
    case_id = escalate(twilio, advocate, ESCALATION)
    reply(advocate, case_id, ESCALATION)
    assert fake_twilio.count(to=ESCALATION.number, body=ESCALATION.reply) == 1


@pytest.fixture
def restored_signals() -> Iterator[None]:
    """An in-process RQ worker installs its own SIGINT/SIGTERM handlers: put pytest's back."""
    saved = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


class PromptWorker(SimpleWorker):
    """RQ's SimpleWorker, whose command-channel listener ends at once when the burst is over.

    RQ's teardown unsubscribes first and then stops the listening thread; with redis-py 8 the
    thread, woken by the unsubscription before the stop, can wait out its 60 s poll for a new
    subscription before it sees the stop (under load this fixture took over a minute). The
    stop flag is set first here; everything else is RQ's own."""

    def unsubscribe(self) -> None:
        if self.pubsub_thread is not None:
            self.pubsub_thread._running.clear()  # noqa: SLF001 -- what stop() sets first
        super().unsubscribe()


@dataclass(frozen=True)
class FailedJob:
    id: str
    connection: redis.Redis


@pytest.fixture
def failed_job(app: Flask, twilio: TwilioSigner, advocate: FlaskClient, fake_twilio: FakeTwilio,
               monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
               restored_signals: None) -> FailedJob:
    """A send_reply job, enqueued by the reply page through the app's Dispatcher, run by a real
    RQ SimpleWorker, fails with an exception whose message holds the number and the text it was
    sending: as an unexpected error from an HTTP or SDK layer might."""
    caplog.set_level(logging.DEBUG)

    def refuse(_sender: TwilioSender, to: str, body: str) -> str:
        raise RuntimeError(f"could not send to {to}: {body}")

    monkeypatch.setattr(TwilioSender, "send", refuse)
    case_id = escalate(twilio, advocate, FAILING)
    reply(advocate, case_id, FAILING)
    with app.app_context():
        built = services()
        queue = built.dispatcher.urgent
        assert queue.is_async
        # The reply's job; the case's own alert may share the urgent queue (the second
        # opinion can read the canary's first message as urgent).
        (job_id,) = [job for job in queue.job_ids
                     if (Job.fetch(job, connection=built.redis).func_name or "")
                     .endswith("send_reply")]
        worker = PromptWorker([queue], connection=built.redis)
        worker.work(burst=True)
        wait_for(lambda: job_id in FailedJobRegistry(queue=queue).get_job_ids(),
                 what="the job in the failed registry")
        return FailedJob(job_id, built.redis)


@pytest.fixture
def queued(app: Flask, twilio: TwilioSigner, advocate: FlaskClient, fake_twilio: FakeTwilio
           ) -> redis.Redis:
    """A case opened and replied to with the async Dispatcher and no worker: jobs wait."""
    case_id = escalate(twilio, advocate, QUEUED)
    reply(advocate, case_id, QUEUED)
    with app.app_context():
        assert services().dispatcher.urgent.is_async
        assert fake_twilio.count(to=QUEUED.number) == 0
        connection: redis.Redis = services().redis
        return connection


# -- reading what is at rest ------------------------------------------------------------------


def job_hashes(connection: redis.Redis) -> list[str]:
    """The ids of every `rq:job:<id>` hash (not their `:dependents` and similar keys)."""
    ids = []
    for key in connection.scan_iter(match="rq:job:*", count=1000):
        name = key.decode()
        if connection.type(key) == b"hash" and name.count(":") == 2:
            ids.append(name.split(":", 2)[2])
    return ids


def as_the_app_logs(record: logging.LogRecord) -> str:
    """A record as the app's own handler writes it (app/logs.py: redaction, then format)."""
    copy = logging.makeLogRecord(record.__dict__)
    RedactingFilter().filter(copy)
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s").format(copy)


def stored(job: Job) -> dict[str, Any]:
    """The job's hash as Redis holds it, values decoded."""
    raw = job.connection.hgetall(job.key)
    return {as_bytes(key).decode(): decoded(as_bytes(value)) for key, value in raw.items()}


# -- the scans themselves ----------------------------------------------------------------------


def test_the_redis_scans_find_a_canary_that_is_there(
        app: Flask, redis_server: RedisServer) -> None:
    """So that a clean scan below means absent, not unread. A plain value shows in the dump and
    in the key-by-key scan; a zlib-compressed one (as RQ stores exc_info) only in the scan."""
    plain = "Ochre lantern 1207 planted in plain"
    packed = "Umber kestrel 8852 planted compressed"
    with app.app_context():
        connection = services().redis
        connection.set("canary:plain", plain)
        connection.hset("canary:packed", "exc_info", zlib.compress(packed.encode()))
        contents = redis_contents(connection)
    dump = redis_dump(redis_server)
    assert plain.encode() in dump
    assert plain.encode() in contents
    assert packed.encode() in contents
    assert packed.encode() not in dump  # why the dump alone is not enough


# -- 1. a full escalation ---------------------------------------------------------------------


def test_an_escalation_leaves_no_canary_in_the_redis_dump(
        escalated: None, redis_server: RedisServer) -> None:
    ESCALATION.assert_absent(redis_dump(redis_server), "redis dump.rdb")


def test_an_escalation_leaves_no_canary_in_any_redis_value(
        escalated: None, built: Services) -> None:
    ESCALATION.assert_absent(redis_contents(built.redis), "a Redis key or value (decoded)")


def test_an_escalation_leaves_no_canary_in_the_sqlite_file_after_a_checkpoint(
        escalated: None, built: Services, database_path: Path) -> None:
    with built.database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    files = list(database_path.parent.glob(database_path.name + "*"))
    assert database_path in files
    for path in files:
        ESCALATION.assert_absent(path.read_bytes(), str(path))


def test_an_escalation_leaves_no_canary_in_the_logs(
        escalated: None, caplog: pytest.LogCaptureFixture,
        capfd: pytest.CaptureFixture[str]) -> None:
    output = logged(caplog, capfd)
    assert b"event=sms.inbound" in output  # the capture saw the escalation
    assert b"event=send.sent" in output
    ESCALATION.assert_absent(output, "captured log output")


# -- 2. a job that fails ----------------------------------------------------------------------


def test_a_send_reply_job_that_raises_is_recorded_as_failed(failed_job: FailedJob) -> None:
    job = Job.fetch(failed_job.id, connection=failed_job.connection)
    assert job.func_name == SEND_REPLY
    assert job.get_status() == JobStatus.FAILED
    result = job.latest_result()
    assert result is not None
    assert result.type == Result.Type.FAILED
    # The record still says what went wrong, by kind (app/worker/jobs.py JobFailed).
    assert "RuntimeError" in (result.exc_string or "")


def test_a_failed_job_leaves_no_canary_in_its_failure_record(failed_job: FailedJob) -> None:
    # RQ keeps the formatted traceback, exception message included, in the job hash (exc_info)
    # and in rq:results:<id> (exc_string) for failure_ttl: the job must re-raise without text.
    job = Job.fetch(failed_job.id, connection=failed_job.connection)
    result = job.latest_result()
    assert result is not None
    FAILING.assert_absent((result.exc_string or "").encode(), "the job's failure result")
    for field, value in stored(job).items():
        FAILING.assert_absent(value, f"the job hash field {field!r}")
    FAILING.assert_absent(redis_contents(failed_job.connection), "a Redis value (decoded)")


def test_a_failed_job_leaves_no_canary_in_the_redis_dump(
        failed_job: FailedJob, redis_server: RedisServer) -> None:
    # Alone this would pass even if the failure record held the canary: RQ zlib-compresses
    # exc_info and exc_string. The decoded scan in the test above is the one that would see it.
    FAILING.assert_absent(redis_dump(redis_server), "redis dump.rdb")


def test_a_failed_jobs_log_lines_carry_no_canary_text_after_redaction(
        failed_job: FailedJob, caplog: pytest.LogCaptureFixture) -> None:
    # rq.worker logs the formatted traceback as a %s argument, not as exc_info, so the app's
    # RedactingFilter (which drops exc_info and masks only phone-shaped digits) cannot help.
    records = caplog.get_records("setup")
    from_rq = [as_the_app_logs(r) for r in records if r.name.startswith("rq.")]
    assert any("exception raised while executing" in line for line in from_rq)
    FAILING.assert_absent("\n".join(as_the_app_logs(r) for r in records).encode(),
                          "the app's log output")


# -- 3. job arguments -------------------------------------------------------------------------


def test_queued_jobs_take_integer_ids_only(queued: redis.Redis) -> None:
    ids = job_hashes(queued)
    jobs = [Job.fetch(job_id, connection=queued) for job_id in ids]
    assert {job.func_name for job in jobs} == {SEND_REPLY, NOTIFY_CASE}
    for job in jobs:
        assert job.args, f"{job.func_name} has no arguments"
        assert all(type(arg) is int for arg in job.args), f"{job.func_name}{job.args!r}"
        assert job.kwargs == {}


def test_no_job_hash_holds_the_canary(queued: redis.Redis) -> None:
    ids = job_hashes(queued)
    assert ids
    for job_id in ids:
        for field, value in stored(Job.fetch(job_id, connection=queued)).items():
            QUEUED.assert_absent(value, f"rq:job:{job_id} field {field!r}")
