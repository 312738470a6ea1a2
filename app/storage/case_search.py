"""Finding cases by what they are, never by what was said: reference, status, priority,
language, when they opened; and a contact's earlier cases (the same contact hash).

Only case facts leave here (no sealed column is read), so a result list is no transcript read.
Erased cases keep no conversation and so no reference: they are never found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, select

from app.storage.models import Conversation, Escalation, table_of
from app.storage.times import aware, utc

escalations = table_of(Escalation)
conversations = table_of(Conversation)
_e, _c = escalations.c, conversations.c
MAX_FOUND = 200


@dataclass(frozen=True)
class FoundCase:
    id: int
    reference: str
    status: str
    priority: int
    language: str
    channel: str
    created_at: datetime
    closed_at: datetime | None
    closed_reason: str | None
    claimed_by: int | None


@dataclass(frozen=True)
class Criteria:
    reference: str | None = None
    status: str | None = None
    priority: int | None = None
    language: str | None = None
    opened_from: datetime | None = None  # inclusive, UTC
    opened_before: datetime | None = None  # exclusive, UTC


def _select() -> Select[Any]:
    return (select(_e.id, _c.reference, _e.status, _e.priority, _e.language, _e.channel,
                   _e.created_at, _e.closed_at, _e.closed_reason, _e.claimed_by)
            .join(conversations, _c.id == _e.conversation_id))


def _found(rows: Iterable[Row[Any]]) -> list[FoundCase]:
    return [FoundCase(r.id, r.reference, r.status, r.priority, r.language, r.channel,
                      utc(r.created_at), aware(r.closed_at), r.closed_reason, r.claimed_by)
            for r in rows]


def search(connection: Connection, criteria: Criteria) -> list[FoundCase]:
    """Newest first, at most MAX_FOUND."""
    statement = _select()
    if criteria.reference:
        statement = statement.where(_c.reference == criteria.reference)
    if criteria.status:
        statement = statement.where(_e.status == criteria.status)
    if criteria.priority is not None:
        statement = statement.where(_e.priority == criteria.priority)
    if criteria.language:
        statement = statement.where(_e.language == criteria.language)
    if criteria.opened_from is not None:
        statement = statement.where(_e.created_at >= criteria.opened_from)
    if criteria.opened_before is not None:
        statement = statement.where(_e.created_at < criteria.opened_before)
    return _found(connection.execute(
        statement.order_by(_e.created_at.desc(), _e.id.desc()).limit(MAX_FOUND)))


def earlier_cases(connection: Connection, case_id: int, contact_hash: str | None
                  ) -> list[FoundCase]:
    """The cases the same contact opened before this one and that still exist (not erased,
    not purged), newest first."""
    if contact_hash is None:
        return []
    return _found(connection.execute(
        _select().where(_c.contact_hash == contact_hash, _e.id < case_id)
        .order_by(_e.id.desc()).limit(MAX_FOUND)))
