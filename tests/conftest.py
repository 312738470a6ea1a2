"""Composable fixtures: a real Redis per session, a real SQLite file per test.

The schema is migrated once per session with Alembic into a template file, and each test gets
its own copy, so every test starts from a fresh, migrated database in a few milliseconds.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.config import Settings, load_settings
from app.crypto import generate_key_token
from app.services import Services, services
from app.storage import migrate
from app.storage.db import make_engine
from tests.servers import RedisServer
from tests.twilio_signing import PUBLIC_BASE_URL, TwilioSigner

AUTH_TOKEN = "test-auth-token-0123456789abcdef"  # noqa: S105 -- a test-only Twilio token


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def database_path(tmp_path: Path, migrated_template: Path) -> Path:
    path = tmp_path / "quietline.sqlite3"
    shutil.copyfile(migrated_template, path)
    return path


@pytest.fixture
def environ(tmp_path: Path, database_path: Path, redis_server: RedisServer) -> dict[str, str]:
    """The environment a test app starts from; tests may change it before `settings`."""
    return {
        "QUIETLINE_ENV": "development",
        "QUIETLINE_INSTANCE": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE_URL": f"sqlite:///{database_path}",
        "REDIS_URL": redis_server.url,
        "QUIETLINE_DATA_KEYS": generate_key_token(),
        "QUIETLINE_CONTACT_KEY": generate_key_token(),
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        # argon2id at its cheapest: the same algorithm and checks, in milliseconds.
        "QUIETLINE_ARGON2_TIME_COST": "1",
        "QUIETLINE_ARGON2_MEMORY_KIB": "1024",
    }


@pytest.fixture
def settings(environ: dict[str, str]) -> Settings:
    return load_settings(environ)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    flask_app = create_app(settings)
    flask_app.config["TESTING"] = True
    yield flask_app
    with flask_app.app_context():
        services().close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def twilio(client: FlaskClient) -> TwilioSigner:
    return TwilioSigner(client, AUTH_TOKEN)


@pytest.fixture
def built(app: Flask) -> Iterator[Services]:
    """The app's services, inside an app context."""
    with app.app_context():
        yield services()

