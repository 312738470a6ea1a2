"""Conversations and messages, sealed on the way in and opened on the way out.

The queries that touch sealed columns live here, so the rule "every ciphertext is bound to its
table, column and row" is applied in one place. Callers deal in plain text and ORM rows and
never see a nonce, a data key's bytes or associated data.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.crypto import DataKey, FieldContext, Keyring
from app.storage.models import Conversation, Message

# Case references avoid letters and digits that are easy to confuse when read aloud.
_REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _ctx(table: str, column: str, row_id: uuid.UUID) -> FieldContext:
    return FieldContext(table, column, str(row_id))


def new_reference() -> str:
    return "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def open_conversation(
    session: Session,
    keyring: Keyring,
    *,
    channel: str,
    contact_hash: str,
    address: str,
    now: datetime,
) -> tuple[Conversation, DataKey]:
    """The contact's open conversation and its key, or a new one with a fresh data key."""
    conversation = session.scalars(
        select(Conversation).where(
            Conversation.channel == channel,
            Conversation.contact_hash == contact_hash,
            Conversation.closed_at.is_(None),
        )
    ).one_or_none()
    if conversation is not None:
        return conversation, data_key(keyring, conversation)
    key = DataKey.generate()
    conversation = Conversation(
        id=uuid.uuid4(),
        reference=new_reference(),
        channel=channel,
        contact_hash=contact_hash,
        created_at=now,
        last_activity_at=now,
    )
    conversation.wrapped_key = keyring.wrap(key, _ctx("conversations", "key", conversation.id))
    conversation.contact_sealed = key.seal(
        address, _ctx("conversations", "contact", conversation.id)
    )
    session.add(conversation)
    return conversation, key


def data_key(keyring: Keyring, conversation: Conversation) -> DataKey:
    return keyring.unwrap(conversation.wrapped_key, _ctx("conversations", "key", conversation.id))


def contact_address(key: DataKey, conversation: Conversation) -> str | None:
    """The survivor's number, for a reply on their own channel (never for display)."""
    if conversation.contact_sealed is None:
        return None
    return key.open(conversation.contact_sealed, _ctx("conversations", "contact", conversation.id))


def read_state(conversation: Conversation, key: DataKey) -> str | None:
    """The conversation's flow state as the JSON the engine wrote, or None when new."""
    if conversation.state_sealed is None:
        return None
    return key.open(conversation.state_sealed, _ctx("conversations", "state", conversation.id))


def write_state(
    conversation: Conversation, key: DataKey, state_json: str, language: str | None,
    now: datetime,
) -> None:
    conversation.state_sealed = key.seal(
        state_json, _ctx("conversations", "state", conversation.id)
    )
    conversation.language = language
    conversation.last_activity_at = now


def add_message(
    session: Session,
    conversation: Conversation,
    key: DataKey,
    *,
    direction: str,
    author: str,
    body: str,
    provider_sid: str | None,
    now: datetime,
    reply_to: Message | None = None,
) -> Message:
    message = Message(
        id=uuid.uuid4(),
        conversation_id=conversation.id,
        direction=direction,
        author=author,
        provider_sid=provider_sid,
        reply_to_id=reply_to.id if reply_to else None,
        created_at=now,
    )
    message.body_sealed = key.seal(body, _ctx("messages", "body", message.id))
    session.add(message)
    return message


def message_body(key: DataKey, message: Message) -> str:
    return key.open(message.body_sealed, _ctx("messages", "body", message.id))


def find_reply(
    session: Session, keyring: Keyring, provider_sid: str
) -> tuple[Conversation, str | None] | None:
    """For a provider message id already stored: its conversation and the reply we gave."""
    inbound = session.scalars(select(Message).where(Message.provider_sid == provider_sid)).first()
    if inbound is None:
        return None
    conversation = session.get_one(Conversation, inbound.conversation_id)
    reply = session.scalars(
        select(Message).where(Message.reply_to_id == inbound.id).order_by(Message.created_at)
    ).first()
    if reply is None:
        return conversation, None
    return conversation, message_body(data_key(keyring, conversation), reply)


def transcript(
    session: Session, keyring: Keyring, conversation: Conversation
) -> list[tuple[Message, str]]:
    """Every message of a conversation, opened, oldest first."""
    key = data_key(keyring, conversation)
    rows = session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation.id)
        .order_by(Message.created_at, Message.direction)
    )
    return [(message, message_body(key, message)) for message in rows]
