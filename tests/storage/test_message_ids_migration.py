"""Migration 0007 (issue 23, item 8): message ids unique per conversation, data kept."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from app.storage import migrate
from app.storage.db import make_engine
from app.storage.models import Conversation, Escalation, Message, Reply, table_of
from tests.support.servers import PostgresServer

pytestmark = pytest.mark.databases("sqlite", "postgresql")
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
conversations, messages = table_of(Conversation), table_of(Message)
escalations, replies = table_of(Escalation), table_of(Reply)


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


def add_conversation(engine: Engine, sid: str) -> uuid.UUID:
    """A conversation with one message (id `sid`), an advocate's reply to it and its case."""
    conversation_id, inbound, outbound = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with engine.begin() as connection:
        connection.execute(insert(conversations).values(
            id=conversation_id, reference=uuid.uuid4().hex[:8], channel="sms",
            contact_hash=uuid.uuid4().hex, wrapped_key=b"k", created_at=NOW,
            last_activity_at=NOW))
        connection.execute(insert(messages), [
            {"id": inbound, "conversation_id": conversation_id, "direction": "in",
             "author": "survivor", "provider_sid": sid, "reply_to_id": None, "body_sealed": b"x",
             "created_at": NOW},
            {"id": outbound, "conversation_id": conversation_id, "direction": "out",
             "author": "advocate", "provider_sid": None, "reply_to_id": inbound,
             "body_sealed": b"y", "created_at": NOW}])
        case_id = connection.execute(insert(escalations).values(
            conversation_id=conversation_id, status="claimed", priority=1, reasons=[],
            language="en", channel="sms", created_at=NOW).returning(escalations.c.id)
        ).scalar_one()
        connection.execute(insert(replies).values(
            escalation_id=case_id, conversation_id=conversation_id, message_id=outbound,
            advocate_id=1, channel="sms", status="held", attempts=0, created_at=NOW))
    return conversation_id


def counted(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        return (connection.execute(select(func.count()).select_from(messages)).scalar_one(),
                connection.execute(select(func.count()).select_from(replies)).scalar_one())


def test_upgrading_keeps_every_message_and_every_reply_waiting_to_go(engine: Engine) -> None:
    migrate.upgrade(engine, "0004")
    add_conversation(engine, "SM" + "a" * 32)
    migrate.upgrade(engine)
    # On SQLite the messages table is rebuilt: with foreign keys on, dropping the old table
    # would have deleted the held reply through its ON DELETE CASCADE.
    assert counted(engine) == (2, 1)
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_after_upgrading_an_id_is_unique_only_within_its_conversation(engine: Engine) -> None:
    migrate.upgrade(engine, "0004")
    first = add_conversation(engine, "SM" + "b" * 32)
    migrate.upgrade(engine)
    add_conversation(engine, "SM" + "b" * 32)  # another conversation: a new message
    assert counted(engine) == (4, 2)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(messages).values(
            id=uuid.uuid4(), conversation_id=first, direction="in", author="survivor",
            provider_sid="SM" + "b" * 32, body_sealed=b"z", created_at=NOW))
