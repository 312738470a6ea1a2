"""Migration 0009 (issue 20): the case records' tables, on SQLite and PostgreSQL. Upgrading
keeps every case; a record sealed under a conversation's key goes when the conversation does
(the erasure's cascade), one sealed under the case's own key stays."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, delete, func, insert, select, text

from app.storage import migrate
from app.storage.db import make_engine
from app.storage.models import CaseNote, Conversation, Escalation, table_of
from tests.support.servers import PostgresServer

pytestmark = pytest.mark.databases("sqlite", "postgresql")
NOW = datetime(2026, 12, 6, 14, 0, tzinfo=UTC)
conversations, escalations, notes = (table_of(Conversation), table_of(Escalation),
                                     table_of(CaseNote))


@pytest.fixture
def engine(database_kind: str, tmp_path: Path, request: pytest.FixtureRequest
           ) -> Iterator[Engine]:
    """An engine on an empty database of the kind under test."""
    if database_kind == "sqlite":
        created = make_engine(f"sqlite:///{tmp_path / 'quietline.sqlite3'}")
        yield created
        created.dispose()
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = f"m_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    created = make_engine(server.url(name))
    yield created
    created.dispose()
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def add_case(engine: Engine) -> tuple[uuid.UUID, int]:
    conversation_id = uuid.uuid4()
    with engine.begin() as connection:
        connection.execute(insert(conversations).values(
            id=conversation_id, reference=uuid.uuid4().hex[:8], channel="sms",
            contact_hash=uuid.uuid4().hex, wrapped_key=b"k", created_at=NOW,
            last_activity_at=NOW))
        case_id = connection.execute(insert(escalations).values(
            conversation_id=conversation_id, status="claimed", priority=1, reasons=[],
            language="en", channel="sms", created_at=NOW).returning(escalations.c.id)
        ).scalar_one()
    return conversation_id, int(case_id)


def test_upgrading_from_0008_keeps_every_case(engine: Engine) -> None:
    migrate.upgrade(engine, "0008")
    add_case(engine)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(escalations)).scalar() == 1
        assert connection.execute(select(escalations.c.erased_records)).scalar() is None


def test_a_note_under_the_conversations_key_goes_with_it_one_under_the_cases_stays(
        engine: Engine) -> None:
    migrate.upgrade(engine)
    conversation_id, case_id = add_case(engine)
    with engine.begin() as connection:
        for owner, scope in ((conversation_id, "conversation"), (None, "case")):
            connection.execute(insert(notes).values(
                id=uuid.uuid4(), escalation_id=case_id, conversation_id=owner, author_id=1,
                sealed_under=scope, body_sealed=b"sealed", created_at=NOW))
        connection.execute(delete(conversations).where(conversations.c.id == conversation_id))
    with engine.connect() as connection:
        assert connection.execute(select(notes.c.sealed_under)).scalars().all() == ["case"]


def test_downgrading_to_0008_removes_the_tables(engine: Engine) -> None:
    migrate.upgrade(engine)
    command.downgrade(migrate.alembic_config(engine), "0008")
    with engine.connect() as connection:
        names = set(connection.dialect.get_table_names(connection))
    assert not names & {"case_notes", "risk_assessments", "consent_events", "referrals",
                        "case_record_keys"}
