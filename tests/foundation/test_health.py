"""`/healthz`, with a real Redis and a real `python worker.py` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.config import load_settings
from app.services import services
from tests.support.servers import RedisServer, wait_for
from tests.support.workers import WORKER_START_SECONDS

ROOT = Path(__file__).resolve().parents[2]


def health(client: FlaskClient) -> tuple[int, dict[str, object]]:
    response = client.get("/healthz")
    assert response.headers["Cache-Control"] == "no-store"
    return response.status_code, json.loads(response.get_data(as_text=True))


@pytest.fixture
def worker_process(environ: dict[str, str], tmp_path: Path) -> Iterator[None]:
    # Its own Redis, so its registration cannot leak into other tests' health checks.
    own_redis = RedisServer(tmp_path / "worker-redis").start()
    environ["REDIS_URL"] = own_redis.url
    env = {**os.environ, **environ}
    log_file = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen([sys.executable, str(ROOT / "worker.py")], cwd=ROOT, env=env,
                               stdout=log_file, stderr=subprocess.STDOUT)
    yield
    process.terminate()
    try:
        process.wait(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log_file.close()
        own_redis.stop()


def test_all_ok_with_a_real_worker_running(worker_process: None, client: FlaskClient) -> None:
    # worker_process comes first: it points this test's settings at the worker's own Redis.
    wait_for(lambda: health(client)[1]["status"] == "ok", timeout=WORKER_START_SECONDS,
             what="worker heartbeat")
    code, body = health(client)
    assert code == 200
    assert body == {"status": "ok",
                    "checks": {"database": "ok", "redis": "ok", "worker": "ok"}}


def test_without_a_worker_the_service_is_degraded_but_up(client: FlaskClient) -> None:
    code, body = health(client)
    assert code == 200
    assert body["status"] == "degraded"
    assert body["checks"] == {"database": "ok", "redis": "ok", "worker": "unavailable"}


def test_redis_down_is_reported_and_the_web_tier_stays_up(
    environ: dict[str, str], tmp_path: Path
) -> None:
    server = RedisServer(tmp_path / "r").start()
    server.stop()
    environ["REDIS_URL"] = server.url
    app = create_app(load_settings(environ))
    code, body = health(app.test_client())
    assert code == 200
    assert body["checks"] == {"database": "ok", "redis": "unavailable", "worker": "unavailable"}
    dispose(app)


def test_database_down_is_a_503(environ: dict[str, str], tmp_path: Path) -> None:
    environ["DATABASE_URL"] = f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}"
    app = create_app(load_settings(environ))
    code, body = health(app.test_client())
    assert code == 503
    assert body["status"] == "degraded"
    dispose(app)


def test_health_reveals_no_secrets_or_addresses(
    client: FlaskClient, environ: dict[str, str]
) -> None:
    text = client.get("/healthz").get_data(as_text=True)
    for secret_name in ("SECRET_KEY", "QUIETLINE_DATA_KEYS", "QUIETLINE_CONTACT_KEY",
                        "TWILIO_AUTH_TOKEN", "REDIS_URL", "DATABASE_URL"):
        assert environ[secret_name] not in text
    assert "127.0.0.1" not in text


def dispose(app: Flask) -> None:
    with app.app_context():
        services().database.dispose()
        services().redis.close()
