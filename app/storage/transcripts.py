"""A stored conversation read back: its messages opened, oldest first, for the case page and
the chat; how long it is; one message's body; and the survivor's number, for a reply on their
own channel and never for display.

Every field is opened under the context it was sealed with (app/storage/vault.py writes
them): its table, column and row, so a ciphertext copied to another row does not open.
These are read after the survivor's message is stored, off the webhook's one-read path.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select

from app.crypto import DataKey, FieldContext, Keyring
from app.storage.models import Conversation, Message, table_of

conversations = table_of(Conversation)
messages = table_of(Message)
_c = conversations.c


def _ctx(table: str, column: str, row_id: uuid.UUID) -> FieldContext:
    return FieldContext(table, column, str(row_id))


@dataclass(frozen=True)
class StoredMessage:
    """One message of a transcript, opened."""

    id: uuid.UUID
    direction: str
    author: str
    created_at: datetime
    body: str
    flow_ids: tuple[str, ...] = ()  # an automated reply's catalogue message ids


def data_key(keyring: Keyring, conversation: Conversation) -> DataKey:
    return keyring.unwrap(conversation.wrapped_key, _ctx("conversations", "key", conversation.id))


def contact_address(key: DataKey, conversation: Conversation) -> str | None:
    """The survivor's number, for a reply on their own channel (never for display)."""
    if conversation.contact_sealed is None:
        return None
    return key.open(conversation.contact_sealed, _ctx("conversations", "contact", conversation.id))


def transcript(
    connection: Connection, keyring: Keyring, conversation_id: uuid.UUID, *, skip: int = 0
) -> list[StoredMessage]:
    """Every message of a conversation, opened, oldest first (inbound before its reply);
    with `skip`, only those after the first `skip` (a live page asks for what it lacks)."""
    wrapped = connection.execute(
        select(conversations.c.wrapped_key).where(conversations.c.id == conversation_id)
    ).scalar_one()
    key = keyring.unwrap(wrapped, _ctx("conversations", "key", conversation_id))
    rows = connection.execute(
        select(messages.c.id, messages.c.direction, messages.c.author, messages.c.created_at,
               messages.c.body_sealed, messages.c.flow_sealed)
        .where(messages.c.conversation_id == conversation_id)
        .order_by(messages.c.created_at, messages.c.direction, messages.c.id)
        .offset(max(0, skip))
    )
    return [
        StoredMessage(row.id, row.direction, row.author, row.created_at,
                      key.open(row.body_sealed, _ctx("messages", "body", row.id)),
                      () if row.flow_sealed is None else tuple(json.loads(
                          key.open(row.flow_sealed, _ctx("messages", "flow", row.id)))))
        for row in rows
    ]


@dataclass(frozen=True)
class TranscriptSize:
    """How long a transcript is and when the survivor last wrote, read without opening it."""

    messages: int
    newest_from_survivor: datetime | None


def transcript_size(connection: Connection, conversation_id: uuid.UUID) -> TranscriptSize:
    row = connection.execute(
        select(func.count(messages.c.id),
               func.max(messages.c.created_at).filter(messages.c.direction == "in"))
        .where(messages.c.conversation_id == conversation_id)).one()
    newest = row[1]
    if newest is not None and newest.tzinfo is None:  # SQLite returns naive datetimes (UTC)
        newest = newest.replace(tzinfo=UTC)
    return TranscriptSize(int(row[0]), newest)


def reply_address(connection: Connection, keyring: Keyring, conversation_id: uuid.UUID
                  ) -> str | None:
    """The survivor's number for a reply on their own channel; never for display or logs."""
    row = connection.execute(select(_c.wrapped_key, _c.contact_sealed)
                             .where(_c.id == conversation_id)).first()
    if row is None or row.contact_sealed is None:
        return None
    key = keyring.unwrap(row.wrapped_key, _ctx("conversations", "key", conversation_id))
    return key.open(row.contact_sealed, _ctx("conversations", "contact", conversation_id))


def message_body(connection: Connection, key: DataKey, message_id: uuid.UUID) -> str:
    sealed = connection.execute(select(messages.c.body_sealed)
                                .where(messages.c.id == message_id)).scalar_one()
    return key.open(sealed, _ctx("messages", "body", message_id))
