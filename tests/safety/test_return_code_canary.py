"""A web chat's "come back later" code is nowhere in clear: not in the database file, the Redis
dump or the logs, after it was shown, tried wrong and used (issue 19, item 4; SAFETY.md, A4)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import redis
from flask import Flask

from app.services import Services
from tests.support.canary import as_bytes
from tests.support.return_codes import come_back_later, resume
from tests.support.servers import RedisServer, wait_for


@pytest.fixture
def code_used(app: Flask, caplog: pytest.LogCaptureFixture) -> str:
    caplog.set_level(logging.DEBUG)
    came = come_back_later(app)
    came.survivor.post("/chat/exit", data=came.token)
    first, second, third = came.code.split(" ")
    # A wrong code that shares two words, then the right one written another way.
    assert resume(app.test_client(), f"{first} {second} {first}")[0] == 400
    assert resume(app.test_client(), f"{first}-{second}-{third}")[0] == 200
    return came.code


def needles(code: str) -> list[bytes]:
    words = code.split(" ")
    found = []
    for text in (code, "-".join(words), "".join(words), " ".join(words[:2]),
                 " ".join(words[1:])):
        found += [text.encode("utf-8"), text.encode("utf-16-le"), text.upper().encode()]
    return found


def assert_absent(blob: bytes, code: str, where: str) -> None:
    for needle in needles(code):
        assert needle not in blob, f"{needle!r} found in clear in {where}"


def test_the_code_is_not_in_the_sqlite_file(code_used: str, built: Services,
                                            database_path: Path) -> None:
    with built.database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    for path in database_path.parent.glob(database_path.name + "*"):
        assert_absent(path.read_bytes(), code_used, str(path))


def test_the_code_is_not_in_the_redis_dump(code_used: str, redis_server: RedisServer) -> None:
    connection = redis.Redis.from_url(redis_server.url)
    keys = b" ".join(as_bytes(key) for key in connection.keys("quietline:codes:*"))
    assert keys, "the wrong code was counted"
    before = redis_server.dump_path.stat().st_mtime_ns if redis_server.dump_path.exists() else 0
    connection.save()
    wait_for(lambda: redis_server.dump_path.exists()
             and redis_server.dump_path.stat().st_mtime_ns >= before, what="redis dump")
    connection.close()
    assert_absent(redis_server.dump_path.read_bytes() + keys, code_used, "redis")
    for address in (b"203.0.113.9", b"203.0.113.5"):
        assert address not in redis_server.dump_path.read_bytes()


def test_the_code_is_not_in_the_logs(code_used: str, caplog: pytest.LogCaptureFixture,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    records = caplog.get_records("setup")
    assert any("event=return_code.redeemed" in r.getMessage() for r in records)
    logged = "\n".join(record.getMessage() for record in records)
    logged += "\n" + capsys.readouterr().err
    assert_absent(logged.encode(), code_used, "log records")
