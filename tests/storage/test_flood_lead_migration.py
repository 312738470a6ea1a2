"""Migration 0013 (issue 23, item 7): escalations.flood_lead_id, data kept both ways."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, delete, inspect, select, update

from app.storage import migrate
from app.storage.models import Escalation, table_of
from tests.storage.test_message_ids_migration import add_conversation, engine

pytestmark = pytest.mark.databases("sqlite", "postgresql")
escalations = table_of(Escalation)
__all__ = ["engine"]  # the fixture: an empty database of the kind under test


def columns(engine: Engine) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns("escalations")}


def test_upgrading_adds_the_lead_and_keeps_every_case(engine: Engine) -> None:
    migrate.upgrade(engine, "0012")
    add_conversation(engine, "SM" + "c" * 32)
    add_conversation(engine, "SM" + "d" * 32)
    assert "flood_lead_id" not in columns(engine)
    migrate.upgrade(engine)
    with engine.begin() as connection:
        lead, follower = connection.execute(
            select(escalations.c.id, escalations.c.flood_lead_id).order_by(escalations.c.id)
        ).all()
        assert lead.flood_lead_id is None
        assert follower.flood_lead_id is None
        connection.execute(update(escalations).where(escalations.c.id == follower.id)
                           .values(flood_lead_id=lead.id))
    # A lead that no longer exists leaves its follower standing alone, never deleted with it.
    with engine.begin() as connection:
        connection.execute(delete(escalations).where(escalations.c.id == lead.id))
        assert connection.execute(select(escalations.c.flood_lead_id)).scalars().all() == [None]


def test_downgrading_removes_the_lead_and_keeps_the_cases(engine: Engine) -> None:
    migrate.upgrade(engine)
    add_conversation(engine, "SM" + "e" * 32)
    command.downgrade(migrate.alembic_config(engine), "0012")
    assert "flood_lead_id" not in columns(engine)
    with engine.connect() as connection:
        assert len(connection.execute(select(escalations.c.id)).all()) == 1
    migrate.upgrade(engine)
    assert "flood_lead_id" in columns(engine)
