"""A survivor's conversation: its messages, delivery receipts, and what the number chose
(STOP, a resume word, erasure, a return code, a safe number)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.storage.models.base import Base


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
    """A message in or out. `provider_sid` de-duplicates the provider's retries.

    Unique per conversation, not globally: a retry comes from the same sender, so it lands in
    the same conversation; an id that another conversation already used (a web page's own id,
    chosen by the browser) is somebody else's message, stored as new and never answered with
    that conversation's reply (docs/threat-model.md, A2).
    """

    __tablename__ = "messages"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(8))  # "in" or "out"
    author: Mapped[str] = mapped_column(String(16))  # "survivor", "flow", "advocate", "system"
    provider_sid: Mapped[str | None] = mapped_column(String(64))
    reply_to_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # An automated reply's catalogue message ids (a JSON list), sealed like the body: which
    # information a survivor asked for is itself sensitive. The case page shows them as one
    # line ("information: safety planning"); None for other messages and older rows.
    flow_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]

    conversation: Mapped[Conversation] = relationship(back_populates="messages")

    __table_args__ = (UniqueConstraint("conversation_id", "provider_sid",
                                       name="uq_messages_conversation_provider_sid"),)


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


class ResumeWord(Base):
    """A survivor's resume word, as a keyed hash only, per contact (it outlives a conversation)."""

    __tablename__ = "resume_words"

    contact_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    word_hash: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime]


class ContactErasure(Base):
    """When a contact last erased a conversation, for a day only (ERASURE_MARK_LIFETIME in
    app/lifecycle/erasure.py; the sweeper deletes it after that). A message that arrived
    before that moment and is stored only now (a spooled message the sweeper replays, a
    request that was under way) belongs to the erased conversation and is not stored
    (app/conversation/service.py). Holds the contact's keyed value and a time, nothing else."""

    __tablename__ = "contact_erasures"

    contact_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(index=True)


class ReturnCode(Base):
    """A web chat's "come back later" code, as a keyed value only (app.crypto.ReturnCodeKeys).

    One per conversation (choosing "come back later" again replaces it); deleted with the
    conversation (erasure, retention) and by the sweeper once `expires_at` has passed. The code
    itself is never stored, logged or kept in the transcript.
    """

    __tablename__ = "return_codes"

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SafeNumber(Base):
    """A safe mobile number a web chat survivor gave for texts or calls (issue 19, item 4).

    The number itself is sealed in its conversation's `contact_sealed`, like every number;
    here only its keyed value (as an SMS from it is found), so a text from that phone can be
    matched to the chat that gave it. Nothing is sent to the number until it has written to
    the service itself (`status` "waiting"): then the web conversation becomes that number's
    conversation ("joined"), or, when the number's own conversation must not be touched, stays
    apart and nothing is sent ("apart"). See docs/threat-model.md, A2. Deleted with the
    conversation (erasure, retention) and by the sweeper when a waiting number was never
    confirmed within `[webchat] resume_hours`.
    """

    __tablename__ = "safe_numbers"

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    contact_hash: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))  # waiting, joined, apart
    given_at: Mapped[datetime]
    # When the number wrote to us (joined or apart); None while waiting.
    settled_at: Mapped[datetime | None]


class JoinedChat(Base):
    """The page token (its keyed value) of a web chat that joined its safe number.

    Joining makes the chat the number's SMS conversation: from then on it is found by the
    number's keyed value, and the token that started it finds nothing. But the page that
    showed the chat may still be open, and its "delete this conversation" must still delete
    it (docs/threat-model.md, A1/A4: a survivor told "deleted" must not leave a transcript
    behind). So the token's value is kept here, with the conversation and nothing else: no
    number, no content. It is a contact value like the others (moved when the contact key
    rotates) and goes with the conversation (erasure, retention: the foreign key cascades).
    """

    __tablename__ = "joined_chats"

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    # The page token's keyed value, as the chat was found by before it joined.
    contact_hash: Mapped[str] = mapped_column(String(64), index=True)
