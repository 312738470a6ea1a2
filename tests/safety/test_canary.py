"""A canary body and number sent through the webhook are nowhere in clear (SAFETY.md, A4)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import redis
from flask.testing import FlaskClient

from app.conversation.spool import STREAM as SPOOL_STREAM
from app.services import Services
from tests.support.servers import RedisServer, wait_for
from tests.support.sms import reply_text
from tests.support.twilio_signing import TwilioSigner

CANARY_BODY = "Canary zebra lighthouse 7731 he took my phone"
CANARY_NUMBER = "+447700900777"


def needles() -> list[bytes]:
    national = "0" + CANARY_NUMBER[3:]  # 07700900777
    found = []
    for text in (CANARY_BODY, "zebra lighthouse", CANARY_NUMBER, CANARY_NUMBER[1:], national):
        found += [text.encode("utf-8"), text.encode("utf-16-le"), text.lower().encode()]
    return found


def assert_absent(blob: bytes, where: str) -> None:
    for needle in needles():
        assert needle not in blob, f"{needle!r} found in clear in {where}"


@pytest.fixture
def canary_sent(
    twilio: TwilioSigner, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # "3", "1", "2" asks for a safe time, so the canary is also captured as a choice.
    for body in ("hello", CANARY_BODY, "3", "1", "2", CANARY_BODY + " again", "STOP", "START"):
        reply_text(twilio.sms(body, sender=CANARY_NUMBER))
    twilio.post("/webhooks/twilio/status", {"MessageSid": "SM" + "a" * 32,
                                            "MessageStatus": "delivered"})
    # One more while the flow is broken: the fail-safe answers and the message waits in the
    # spool (app/conversation/spool.py), so the Redis dump and the logs below include it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("app.conversation.turn.flow_step", _broken_flow)
        reply_text(twilio.sms(SPOOLED_BODY, sender=CANARY_NUMBER))
    client.get("/healthz")


SPOOLED_BODY = CANARY_BODY + " while it was down"


def _broken_flow(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("the flow failed")


def test_canary_is_not_in_the_sqlite_file_after_a_checkpoint(
    canary_sent: None, built: Services, database_path: Path
) -> None:
    with built.database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    for path in database_path.parent.glob(database_path.name + "*"):
        assert_absent(path.read_bytes(), str(path))


def test_canary_is_not_in_the_redis_dump(
    canary_sent: None, redis_server: RedisServer
) -> None:
    connection = redis.Redis.from_url(redis_server.url)
    before = redis_server.dump_path.stat().st_mtime_ns if redis_server.dump_path.exists() else 0
    connection.save()
    wait_for(lambda: redis_server.dump_path.exists()
             and redis_server.dump_path.stat().st_mtime_ns >= before, what="redis dump")
    connection.close()
    assert_absent(redis_server.dump_path.read_bytes(), "redis dump.rdb")


def test_the_spool_holds_the_canary_sealed_and_nothing_in_clear(
    canary_sent: None, built: Services
) -> None:
    entries: list[tuple[bytes, dict[bytes, bytes]]] = built.redis.xrange(  # type: ignore[assignment]  # redis-py types every decode mode at once
        SPOOL_STREAM)
    assert len(entries) == 1  # the spooled canary is there...
    raw = b"".join(key + value for _id, fields in entries for key, value in fields.items())
    assert_absent(raw, "the spool stream")  # ...sealed: neither its text nor its number
    ((_id, message),) = built.spool.pending()
    assert message is not None  # and it opens, with the service's keys, to the canary
    assert (message.inbound.body, message.inbound.address) == (SPOOLED_BODY, CANARY_NUMBER)


def test_canary_is_not_in_the_logs(
    canary_sent: None, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    records = caplog.get_records("setup")  # the canary was sent by the fixture
    assert any("event=sms.inbound" in r.getMessage() for r in records)
    logged = "\n".join(record.getMessage() for record in records)
    logged += "\n" + capsys.readouterr().err
    assert_absent(logged.encode(), "log records")
