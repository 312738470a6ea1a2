"""A safe number given in the web chat is nowhere in clear: not in the database file, the Redis
dump or the logs, after it was given, written from and replied to (issue 19, item 4; SAFETY.md,
A4). The page's answer never repeats it (tests/browser/test_webchat_safe_number.py checks the
page and the browser)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from app.services import Services
from tests.support.canary import as_bytes
from tests.support.cases import claim, send_reply
from tests.support.safe_numbers import SAFE_NUMBER, number_given
from tests.support.servers import RedisServer, wait_for
from tests.support.twilio_signing import TwilioSigner

NEEDLES = [form.encode(encoding) for form in ("7700900321", "7700 900321", "900321")
           for encoding in ("utf-8", "utf-16-le")]


@pytest.fixture
def number_used(app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
                caplog: pytest.LogCaptureFixture) -> str:
    caplog.set_level(logging.DEBUG)
    given = number_given(app, number="07700 900321")
    assert "900321" not in str(given.answer)
    claim(advocate, given.case_id)
    send_reply(advocate, given.case_id, "Hello, this is Sam.")
    twilio.sms("hello", sender=SAFE_NUMBER)
    return SAFE_NUMBER


def assert_absent(blob: bytes, where: str) -> None:
    for needle in NEEDLES:
        assert needle not in blob, f"{needle!r} found in clear in {where}"


@pytest.mark.usefixtures("fake_twilio", "inline_jobs")
def test_the_number_is_not_in_the_sqlite_file(number_used: str, built: Services,
                                              database_path: Path) -> None:
    with built.database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    for path in database_path.parent.glob(database_path.name + "*"):
        assert_absent(path.read_bytes(), str(path))


@pytest.mark.usefixtures("fake_twilio", "inline_jobs")
def test_the_number_is_not_in_the_redis_dump(number_used: str,
                                             redis_server: RedisServer) -> None:
    connection = redis.Redis.from_url(redis_server.url)
    before = redis_server.dump_path.stat().st_mtime_ns if redis_server.dump_path.exists() else 0
    connection.save()
    wait_for(lambda: redis_server.dump_path.exists()
             and redis_server.dump_path.stat().st_mtime_ns >= before, what="redis dump")
    keys = b" ".join(as_bytes(key) for key in connection.keys("*"))
    connection.close()
    assert_absent(redis_server.dump_path.read_bytes() + keys, "redis")


@pytest.mark.usefixtures("fake_twilio", "inline_jobs")
def test_the_number_is_not_in_the_logs(number_used: str, caplog: pytest.LogCaptureFixture,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    records = caplog.get_records("setup")
    logged = "\n".join(record.getMessage() for record in records)
    assert "event=safe_number.given" in logged
    assert "event=safe_number.joined" in logged
    logged += "\n" + capsys.readouterr().err
    assert_absent(logged.encode(), "log records")
