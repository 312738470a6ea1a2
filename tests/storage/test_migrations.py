"""Alembic migrations, SQLite pragmas and the key-generating command (app/storage, app/cli)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, inspect, select

from app.crypto import KEY_PREFIX, parse_key_token
from app.storage import migrate
from app.storage.db import make_engine
from app.storage.models import Base, OptOut
from tests.support.workers import APP_PROCESS_SECONDS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).parent / "flask"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty SQLite file, disposed after the test."""
    created = make_engine(f"sqlite:///{tmp_path / 'quietline.sqlite3'}")
    yield created
    created.dispose()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(migrate.alembic_config(engine)).get_current_head()


def test_empty_database_has_no_revision(engine: Engine) -> None:
    assert migrate.current_revision(engine) is None


def test_upgrade_creates_every_table(engine: Engine) -> None:
    migrate.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert tables == set(Base.metadata.tables) | {"alembic_version"}


def test_upgrade_records_the_head_revision(engine: Engine) -> None:
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == head_revision(engine)
    assert head_revision(engine) is not None


def test_upgrade_is_safe_to_run_twice_and_keeps_the_data(engine: Engine) -> None:
    migrate.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(OptOut).values(contact_hash="a" * 64, opted_out_at=datetime.now(UTC))
        )
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == head_revision(engine)
    with engine.connect() as connection:
        assert connection.execute(select(OptOut.contact_hash)).scalars().all() == ["a" * 64]


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    migrate.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_migrated_schema_keeps_the_partial_unique_indexes(engine: Engine) -> None:
    # Two open conversations for one contact, or two unfinished cases for one conversation,
    # must be impossible; the database decides (STYLE habit 5).
    migrate.upgrade(engine)
    unique = {
        (table, index["name"])
        for table in ("conversations", "escalations")
        for index in inspect(engine).get_indexes(table)
        if index["unique"]
    }
    assert ("conversations", "uq_conversations_open_contact") in unique
    assert ("escalations", "uq_escalations_unfinished") in unique


@pytest.mark.parametrize(
    ("pragma", "expected"),
    [
        ("journal_mode", "wal"),
        ("synchronous", 2),  # FULL
        ("foreign_keys", 1),
        ("secure_delete", 1),
        ("busy_timeout", 10000),
    ],
)
def test_sqlite_pragmas_are_applied_on_connect(
    engine: Engine, pragma: str, expected: str | int
) -> None:
    with engine.connect() as connection:
        assert connection.exec_driver_sql(f"PRAGMA {pragma}").scalar() == expected


# --- `flask keys generate` ---------------------------------------------------------------------


def test_keys_generate_works_in_production_before_any_key_exists(tmp_path: Path) -> None:
    # The first key has to be made somehow: the command must not load the app's settings.
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "QUIETLINE_ENV": "production",
        "QUIETLINE_INSTANCE": str(tmp_path / "instance"),
    }
    completed = subprocess.run(
        [str(FLASK), "--app", "wsgi", "keys", "generate"], cwd=PROJECT_ROOT, env=env,
        capture_output=True, text=True, check=False, timeout=APP_PROCESS_SECONDS,
    )
    assert completed.returncode == 0, completed.stderr
    token = completed.stdout.splitlines()[-1]
    assert token.startswith(KEY_PREFIX)
    assert len(parse_key_token(token)) == 32
    assert not (tmp_path / "instance").exists()
