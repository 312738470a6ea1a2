"""The apps' settings (environment variables only, as in production) and their databases."""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from app.config import load_settings
from app.crypto import generate_key_token
from app.storage import migrate
from app.storage.db import make_engine
from bench import ROOT
from bench.apps import create_reference_schema
from bench.signed_requests import PUBLIC_BASE_URL

REAL_INBOUND_SQL = "SELECT count(*) FROM messages WHERE direction = 'in'"
REFERENCE_INBOUND_SQL = "SELECT count(*) FROM bench_inbound_messages"


def bench_environment(directory: Path, redis_url: str) -> dict[str, str]:
    """The real app's environment (its settings come only from here), and the reference's."""
    return {
        "QUIETLINE_ENV": "development",
        "QUIETLINE_INSTANCE": str(directory / "instance"),
        "DATABASE_URL": f"sqlite:///{directory / 'real.sqlite3'}",
        "REFERENCE_DATABASE_URL": f"sqlite:///{directory / 'reference.sqlite3'}",
        "REDIS_URL": redis_url,
        "QUIETLINE_DATA_KEYS": generate_key_token(),
        "QUIETLINE_CONTACT_KEY": generate_key_token(),
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "SECRET_KEY": secrets.token_urlsafe(32),
    }


def gunicorn_environment(app: str, env: Mapping[str, str]) -> dict[str, str]:
    """The process environment for the gunicorn serving `app`."""
    app_env = {**os.environ, **env, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    if app == "reference":
        app_env["DATABASE_URL"] = env["REFERENCE_DATABASE_URL"]
    return app_env


def prepare_databases(env: Mapping[str, str]) -> None:
    """Migrate a fresh real database, create the reference one, and check the settings load.

    This runs before gunicorn starts. Loading the settings once here also writes the
    development instance files, so the two workers do not race to create them.
    """
    engine = make_engine(env["DATABASE_URL"])
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    load_settings(env)
    create_reference_schema(env["REFERENCE_DATABASE_URL"])


def count_rows(database_url: str, sql: str) -> int:
    path = database_url.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as connection:
        row = connection.execute(sql).fetchone()
    return int(row[0])
