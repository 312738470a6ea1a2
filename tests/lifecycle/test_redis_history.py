"""Redis's append-only file forgets expired keys at the daily retention run.

Found by attacking the running service (attacker9): `make run` and docs/deploy.md run Redis
with `appendonly yes`, and the file kept every write ever made, so the keyed hash of a number
that texted (its flood allowance, with the time it wrote) stayed in Redis's data folder after
the key expired and the conversation was erased. Redis rewrites the file on its own only when
it has doubled past 64 MB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask

from app.services import services
from app.services.redis_client import forget_expired_history
from tests.conftest import AUTH_TOKEN, AppWith
from tests.support.servers import RedisServer, wait_for
from tests.support.twilio_signing import TwilioSigner

FLOOD_KEYS = b"quietline:flood:contact:"


@pytest.fixture
def logging_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis", appendonly=True).start()
    yield server
    server.stop()


def on_disk(server: RedisServer) -> bytes:
    return b"".join(path.read_bytes() for path in server.directory.rglob("*") if path.is_file())


def rewritten(store: redis.Redis) -> bool:
    return not store.info("persistence")["aof_rewrite_in_progress"]


def test_the_daily_run_leaves_no_expired_flood_key_in_redis_files(
        app_with: AppWith, logging_redis: RedisServer, tmp_path: Path) -> None:
    app: Flask = app_with(REDIS_URL=logging_redis.url)
    assert TwilioSigner(app.test_client(), AUTH_TOKEN).sms("hello").status_code == 200
    store = redis.Redis.from_url(logging_redis.url)
    try:
        (key,) = store.scan_iter(match=FLOOD_KEYS + b"*")
        store.pexpire(key, 1)  # its allowance's time runs out, as it would in a minute
        wait_for(lambda: not store.exists(key), what="the flood key to expire")
        wait_for(lambda: key in on_disk(logging_redis), what="the append-only file's write")
        with app.app_context():
            services().purge_expired(report_path=tmp_path / "report.json")
        wait_for(lambda: rewritten(store), what="Redis's rewrite")
        assert FLOOD_KEYS not in on_disk(logging_redis)
    finally:
        store.close()


def test_a_redis_without_an_append_only_file_is_left_alone(redis_server: RedisServer) -> None:
    store = redis.Redis.from_url(redis_server.url)
    try:
        assert forget_expired_history(store) is False
    finally:
        store.close()


def test_a_redis_that_is_down_does_not_stop_the_run(tmp_path: Path) -> None:
    stopped = RedisServer(tmp_path / "gone", appendonly=True)  # never started
    store = redis.Redis.from_url(stopped.url, socket_connect_timeout=0.5)
    try:
        assert forget_expired_history(store) is False
    finally:
        store.close()
