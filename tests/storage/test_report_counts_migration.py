"""Migration 0005 backfills the report's counters from what was stored before it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, Table, insert, select

from app.storage import migrate
from app.storage.db import make_engine
from app.storage.models import Conversation, Escalation, table_of


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    created = make_engine(f"sqlite:///{tmp_path / 'quietline.sqlite3'}")
    yield created
    created.dispose()


def test_upgrading_counts_what_was_already_stored(engine: Engine) -> None:
    migrate.upgrade(engine, "0004")
    conversations, escalations = table_of(Conversation), table_of(Escalation)
    opened = datetime(2026, 11, 2, 10, 20, tzinfo=UTC)
    conversation = uuid.uuid4()
    with engine.begin() as connection:
        connection.execute(insert(conversations).values(
            id=conversation, reference="R1", channel="sms", contact_hash="a" * 64,
            wrapped_key=b"k", language="pl", created_at=opened, last_activity_at=opened))
        connection.execute(insert(escalations).values(
            conversation_id=conversation, status="closed", priority=3,
            reasons=["asked_for_person"], language="pl", channel="sms", created_at=opened,
            closed_reason="supported"))
    migrate.upgrade(engine)
    counts = Table("report_counts", MetaData(), autoload_with=engine)
    with engine.begin() as connection:
        rows = {(r.measure, r.category): r[4] for r in connection.execute(select(counts))}
        hours = set(connection.execute(select(counts.c.hour)).scalars())
    assert rows == {("contact_channel", "sms"): 1, ("contact_language", "pl"): 1,
                    ("case_priority", "urgent"): 1, ("case_reason", "asked_for_person"): 1,
                    ("outcome", "supported"): 1}
    assert {hour.replace(tzinfo=None) for hour in hours} == {datetime(2026, 11, 2, 10)}
