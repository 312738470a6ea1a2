"""Return codes' rows: a keyed value per conversation, found by that value while unexpired.

The code is made, shown and checked in `app.conversation.return_codes`; here only its keyed
value, when it was issued and when it stops working. The row goes with its conversation
(erasure, retention: the foreign key cascades) and is purged once expired.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from app.storage.models import Conversation, ReturnCode, table_of

return_codes = table_of(ReturnCode)
conversations = table_of(Conversation)
_r, _c = return_codes.c, conversations.c


def in_use(connection: Connection, code_hash: str) -> bool:
    return connection.execute(select(_r.conversation_id).where(
        _r.code_hash == code_hash)).first() is not None


def save(connection: Connection, conversation_id: uuid.UUID, code_hash: str, *,
         now: datetime, expires_at: datetime) -> None:
    """Give the conversation this code, replacing any code it had (one code per conversation:
    the code shown last is the one that works)."""
    connection.execute(delete(return_codes).where(_r.conversation_id == conversation_id))
    connection.execute(insert(return_codes).values(
        conversation_id=conversation_id, code_hash=code_hash, issued_at=now,
        expires_at=expires_at))


def find(connection: Connection, candidates: Sequence[str], now: datetime) -> uuid.UUID | None:
    """The web conversation whose unexpired code has one of these values."""
    found: uuid.UUID | None = connection.execute(
        select(_r.conversation_id)
        .join(conversations, _c.id == _r.conversation_id)
        .where(_r.code_hash.in_(list(candidates)), _r.expires_at > now,
               _c.channel == "web")).scalar()
    return found


def reopen(connection: Connection, conversation_id: uuid.UUID, contact_hash: str,
           now: datetime) -> None:
    """Hand the conversation to a new page: the new token's value replaces the old one (so a
    page still holding the old token reaches nothing), and it is open and active again."""
    connection.execute(update(conversations).where(_c.id == conversation_id).values(
        contact_hash=contact_hash, closed_at=None, last_activity_at=now))


def purge_expired(connection: Connection, now: datetime) -> int:
    """Delete codes that no longer work: only their keyed values, nothing else."""
    return int(connection.execute(delete(return_codes).where(_r.expires_at <= now)).rowcount)
