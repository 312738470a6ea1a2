"""The tables. Sensitive values are stored only sealed (see `app.crypto`).

Columns ending in `_sealed` hold AES-GCM ciphertext bound to their row and column; columns
named `*_hash` hold HMACs. Nothing here holds a message body or a phone number in clear.
Conversations and messages use random UUIDs as keys: the associated data of a ciphertext
needs the row id before the row is written, and random ids reveal nothing about volume.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so Alembic migrations name the same things on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TZDateTime = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: dict[Any, Any] = {datetime: TZDateTime}


class Conversation(Base):
    """One survivor's conversation on one channel, with its own data key."""

    __tablename__ = "conversations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # A short random reference advocates use instead of any identifier of the survivor.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    contact_hash: Mapped[str | None] = mapped_column(String(64))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    contact_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    state_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        # At most one open conversation per contact: two first messages racing from the same
        # number must end up in one conversation, and the database is what decides.
        Index(
            "uq_conversations_open_contact",
            "channel",
            "contact_hash",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        Index("ix_conversations_last_activity_at", "last_activity_at"),
    )


class Message(Base):
    """A message in or out. `provider_sid` de-duplicates the provider's retries."""

    __tablename__ = "messages"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(8))  # "in" or "out"
    author: Mapped[str] = mapped_column(String(16))  # "survivor", "flow", "advocate", "system"
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    reply_to_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class DeliveryReceipt(Base):
    """A provider's delivery status for one of our messages: status only, never content."""

    __tablename__ = "delivery_receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_sid: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(24))
    error_code: Mapped[str | None] = mapped_column(String(12))
    received_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("provider_sid", "status", name="uq_delivery_receipt"),)


class OptOut(Base):
    """A contact who sent STOP: nothing goes to them until they send START."""

    __tablename__ = "opt_outs"

    contact_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    opted_out_at: Mapped[datetime]


class Escalation(Base):
    """A case for a human advocate. The row is the source of truth; jobs only do slow work."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))  # open, claimed, closed
    priority: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[str]] = mapped_column(JSON)  # reason codes, never survivor text
    language: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    claimed_by: Mapped[int | None] = mapped_column(Integer)
    claimed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_reason: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        # One unfinished case per conversation; asking twice updates it instead.
        Index(
            "uq_escalations_unfinished",
            "conversation_id",
            unique=True,
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
        Index("ix_escalations_status_priority", "status", "priority"),
    )


class AuditEvent(Base):
    """Who did what to which case, when and why. Never content, never a number.

    `conversation_id` is deliberately not a foreign key: the audit trail outlives a
    conversation that retention or erasure has destroyed.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    purpose: Mapped[str | None] = mapped_column(String(200))


def table_of(model: type[Base]) -> Table:
    """A model's Core table, for the statements on hot paths that skip the ORM."""
    return cast(Table, model.__table__)
