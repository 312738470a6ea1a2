"""Conversations and messages, sealed on the way in: the look-up before a survivor's message
is stored, the new conversation, its messages and state, the retry's stored reply, and the
conversation's end.

The queries that touch a conversation's sealed columns live here and, for reading one back
(the transcript, the number a reply goes to), in app/storage/transcripts.py, so the rule
"every ciphertext is bound to its table, column and row" is applied in one package. Callers
deal in plain text and small row objects and never see a nonce, a data key's bytes or
associated data.

These queries run on the webhook's hot path, once per survivor message, so they are SQLAlchemy
Core statements on a `Connection` rather than ORM units of work: one read, then the writes in
as few statements as possible (docs/architecture.md, habit 5; bench/webhook.py measures it).
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    Select,
    and_,
    bindparam,
    exists,
    false,
    insert,
    literal,
    or_,
    select,
    update,
)

from app.crypto import DataKey, FieldContext, Keyring
from app.storage import contact_values
from app.storage.models import (
    ContactErasure,
    Conversation,
    Escalation,
    Message,
    OptOut,
    ProviderDeletion,
    ResumeWord,
    SafeNumber,
    table_of,
)
from app.storage.times import aware

conversations = table_of(Conversation)
escalations = table_of(Escalation)
messages = table_of(Message)
opt_outs = table_of(OptOut)
resume_words = table_of(ResumeWord)
provider_deletions = table_of(ProviderDeletion)
safe_numbers = table_of(SafeNumber)
contact_erasures = table_of(ContactErasure)

# The hot-path statements are built once: constructing a SQLAlchemy statement costs more than
# running it (about 0.2 ms against 0.05 ms for the look-up, measured in bench/webhook.py).
_c = conversations.c
_e = escalations.c


@lru_cache(maxsize=8)
def _find_open(older_count: int) -> Select[Any]:
    """The look-up, for a contact with `older_count` older values (fixed for a process: it
    follows from the contact keyring), as bind parameters older_0, older_1...; a list
    parameter ("expanding") would make SQLAlchemy rewrite the statement on every message."""
    older: list[BindParameter[Any]] = [bindparam(f"older_{index}")
                                       for index in range(older_count)]
    stale = (or_(*(exists().where(table.c.contact_hash.in_(older))
                   for table in contact_values.CONTACT_TABLES))
             if older else false())
    return (
        select(
            exists().where(opt_outs.c.contact_hash == bindparam("contact_hash"))
            .label("opted_out"),
            # The contact's resume word (its keyed hash; the primary key: at most one row).
            select(resume_words.c.word_hash)
            .where(resume_words.c.contact_hash == bindparam("contact_hash"))
            .scalar_subquery().label("resume_word_hash"),
            # A provider's retry of the message that confirmed an erasure: that conversation
            # is gone, and the retry must not start a new one with the same words.
            exists().where(provider_deletions.c.provider_sid == bindparam("provider_sid"))
            .label("erased_message"),
            # Anything still stored under one of the contact's older values (a contact-key
            # rotation, or the format before it): the caller moves it to the newest value
            # and looks again. Asked here so an ordinary message costs one read, not two.
            stale.label("stale_contact"),
            # A web chat waiting for this number to write (app/conversation/safe_numbers.py):
            # rare, so asked here rather than by a read of its own on every text.
            exists().where(safe_numbers.c.contact_hash == bindparam("contact_hash"),
                           safe_numbers.c.status == "waiting").label("safe_number_waiting"),
            # When the contact last erased a conversation, if within the day: a message that
            # arrived before that is not stored (app/conversation/service.py). Read in this
            # same statement as the conversation, so the two always agree.
            select(contact_erasures.c.erased_at)
            .where(contact_erasures.c.contact_hash == bindparam("contact_hash"))
            .scalar_subquery().label("erased_at"),
            _c.id, _c.wrapped_key, _c.state_sealed, _c.language,
            _e.id.label("case_id"), _e.priority.label("case_priority"),
            _e.reasons.label("case_reasons"),
        )
        # The outer joins from a one-row table answer "opted out?" and "is there a resume
        # word?" even when there is no conversation yet, and bring the unfinished case (at most
        # one: a partial unique index), all in the same single read.
        .select_from(
            select(literal(1).label("one")).subquery()
            .outerjoin(conversations, and_(
                _c.channel == bindparam("channel"),
                _c.contact_hash == bindparam("contact_hash"),
                _c.closed_at.is_(None),
            ))
            .outerjoin(escalations, and_(_e.conversation_id == _c.id, _e.status != "closed"))
        )
    )


_INSERT_CONVERSATION = insert(conversations)
_INSERT_MESSAGES = insert(messages)
_SAVE_STATE = (
    update(conversations)
    .where(_c.id == bindparam("conversation_id"))
    .values(state_sealed=bindparam("state_sealed"), language=bindparam("language"),
            last_activity_at=bindparam("now"))
)

# Case references avoid letters and digits that are easy to confuse when read aloud.
_REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _ctx(table: str, column: str, row_id: uuid.UUID) -> FieldContext:
    return FieldContext(table, column, str(row_id))


def new_reference() -> str:
    return "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


@dataclass(frozen=True)
class OpenConversation:
    """A conversation with its data key unwrapped, ready to seal and open its fields."""

    id: uuid.UUID
    channel: str
    key: DataKey
    state_json: str | None
    language: str | None
    is_new: bool


@dataclass(frozen=True)
class OpenCase:
    """The conversation's unfinished escalation, as the webhook needs it."""

    id: int
    priority: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Lookup:
    """What one survivor message needs to know before anything is written."""

    conversation: OpenConversation | None
    opted_out: bool
    open_case: OpenCase | None
    has_resume_word: bool = False
    erased_message: bool = False  # this provider message id confirmed an erasure already
    resume_word_hash: str | None = None  # the stored keyed hash (resume_word.matches)
    # Rows are still stored under one of the `older` values given: move them, look again.
    stale_contact: bool = False
    safe_number_waiting: bool = False  # a web chat gave this number and waits for it to write
    erased_at: datetime | None = None  # when the contact last erased a conversation (a day)


def find_open(
    connection: Connection, keyring: Keyring, *, channel: str, contact_hash: str,
    provider_sid: str | None = None, older: Sequence[str] = (),
) -> Lookup:
    """The contact's open conversation, whether they opted out, and any unfinished case;
    and whether anything is still stored under one of the contact's `older` values.

    One statement, so a message costs a single read before its writes.
    """
    row = connection.execute(_find_open(len(older)), {
        "channel": channel, "contact_hash": contact_hash, "provider_sid": provider_sid,
        **{f"older_{index}": value for index, value in enumerate(older)}}).one()
    opted_out, word, stale = bool(row.opted_out), row.resume_word_hash, bool(row.stale_contact)
    waiting, erased_at = bool(row.safe_number_waiting), aware(row.erased_at)
    if row.id is None:
        return Lookup(None, opted_out, None, word is not None, bool(row.erased_message), word,
                      stale, waiting, erased_at)
    key = keyring.unwrap(row.wrapped_key, _ctx("conversations", "key", row.id))
    state = key.open(row.state_sealed, _ctx("conversations", "state", row.id)) \
        if row.state_sealed is not None else None
    case = None if row.case_id is None else OpenCase(
        row.case_id, row.case_priority, tuple(row.case_reasons or ()))
    return Lookup(OpenConversation(row.id, channel, key, state, row.language, False),
                  opted_out, case, word is not None, bool(row.erased_message), word, stale,
                  waiting, erased_at)


def create(
    connection: Connection, keyring: Keyring, *, channel: str, contact_hash: str | None,
    address: str | None, now: datetime,
) -> OpenConversation:
    """A new conversation with a fresh data key; the contact's number is stored only sealed."""
    conversation_id = uuid.uuid4()
    key = DataKey.generate()
    connection.execute(_INSERT_CONVERSATION, {
        "id": conversation_id,
        "reference": new_reference(),
        "channel": channel,
        "contact_hash": contact_hash,
        "wrapped_key": keyring.wrap(key, _ctx("conversations", "key", conversation_id)),
        "contact_sealed": None if address is None else key.seal(
            address, _ctx("conversations", "contact", conversation_id)),
        "created_at": now,
        "last_activity_at": now,
    })
    return OpenConversation(conversation_id, channel, key, None, None, True)


@dataclass(frozen=True)
class NewMessage:
    direction: str  # "in" or "out"
    author: str  # "survivor", "flow", "advocate", "system"
    body: str
    provider_sid: str | None = None
    id: uuid.UUID | None = None
    reply_to: uuid.UUID | None = None
    flow_ids: tuple[str, ...] = ()  # an automated reply's catalogue message ids


def add_messages(
    connection: Connection, conversation: OpenConversation, new: list[NewMessage],
    now: datetime,
) -> list[uuid.UUID]:
    """Insert messages sealed under the conversation's key, in one statement."""
    rows: list[dict[str, object]] = []
    ids: list[uuid.UUID] = []
    for message in new:
        message_id = message.id or uuid.uuid4()
        ids.append(message_id)
        rows.append({
            "id": message_id,
            "conversation_id": conversation.id,
            "direction": message.direction,
            "author": message.author,
            "provider_sid": message.provider_sid,
            "reply_to_id": message.reply_to,
            "body_sealed": conversation.key.seal(
                message.body, _ctx("messages", "body", message_id)),
            "flow_sealed": conversation.key.seal(
                json.dumps(list(message.flow_ids)), _ctx("messages", "flow", message_id))
            if message.flow_ids else None,
            "created_at": now,
        })
    connection.execute(_INSERT_MESSAGES, rows)
    return ids


def save_state(
    connection: Connection, conversation: OpenConversation, state_json: str,
    language: str | None, now: datetime,
) -> None:
    connection.execute(_SAVE_STATE, {
        "conversation_id": conversation.id,
        "state_sealed": conversation.key.seal(
            state_json, _ctx("conversations", "state", conversation.id)),
        "language": language,
        "now": now,
    })


def find_reply(
    connection: Connection, keyring: Keyring, *, channel: str, contact_hash: str,
    provider_sid: str,
) -> tuple[uuid.UUID, str | None, str | None] | None:
    """For a provider message id already stored in this contact's open conversation:
    (conversation id, its language, our reply). The same id in anyone else's conversation is
    not this sender's message, and its reply is never theirs to read."""
    inbound = connection.execute(
        select(messages.c.id, messages.c.conversation_id, conversations.c.wrapped_key,
               conversations.c.language)
        .join(conversations, conversations.c.id == messages.c.conversation_id)
        .where(messages.c.provider_sid == provider_sid, _c.channel == channel,
               _c.contact_hash == contact_hash, _c.closed_at.is_(None))
    ).first()
    if inbound is None:
        return None
    reply = connection.execute(
        select(messages.c.id, messages.c.body_sealed)
        .where(messages.c.reply_to_id == inbound.id)
        .order_by(messages.c.created_at)
    ).first()
    if reply is None:
        return inbound.conversation_id, inbound.language, None
    key = keyring.unwrap(inbound.wrapped_key,
                         _ctx("conversations", "key", inbound.conversation_id))
    text = key.open(reply.body_sealed, _ctx("messages", "body", reply.id))
    return inbound.conversation_id, inbound.language, text


def latest_status(
    connection: Connection, *, channel: str, contact_hash: str, idle_since: datetime
) -> str:
    """"none", "open", "idle" (open but quiet since before `idle_since`) or "ended"."""
    row = connection.execute(
        select(_c.closed_at, _c.last_activity_at)
        .where(_c.channel == channel, _c.contact_hash == contact_hash)
        .order_by(_c.created_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return "none"
    if row.closed_at is not None:
        return "ended"
    last = row.last_activity_at
    if last.tzinfo is None:  # SQLite returns naive datetimes; we store UTC
        last = last.replace(tzinfo=idle_since.tzinfo)
    return "idle" if last < idle_since else "open"


def end(connection: Connection, *, channel: str, contact_hash: str, now: datetime) -> bool:
    """Close the contact's open conversation (the survivor left); True if there was one."""
    result = connection.execute(
        update(conversations)
        .where(_c.channel == channel, _c.contact_hash == contact_hash, _c.closed_at.is_(None))
        .values(closed_at=now)
    )
    return bool(result.rowcount)


def end_by_id(connection: Connection, conversation_id: uuid.UUID, now: datetime) -> None:
    """Close this conversation (a number's own, when a web chat given that number joins it)."""
    connection.execute(update(conversations).where(_c.id == conversation_id,
                                                   _c.closed_at.is_(None)).values(closed_at=now))


def conversation_ids(connection: Connection, *, channel: str, contact_hash: str
                     ) -> list[uuid.UUID]:
    """Every conversation of this contact, open or ended (a web chat's token has at most
    one, but an idle one is ended, not gone, until retention)."""
    return list(connection.execute(
        select(_c.id).where(_c.channel == channel, _c.contact_hash == contact_hash)).scalars())


def open_conversation_id(connection: Connection, *, channel: str, contact_hash: str
                         ) -> uuid.UUID | None:
    found: uuid.UUID | None = connection.execute(
        select(_c.id).where(_c.channel == channel, _c.contact_hash == contact_hash,
                            _c.closed_at.is_(None))).scalar()
    return found
