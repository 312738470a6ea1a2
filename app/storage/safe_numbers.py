"""Safe numbers' rows: a web chat's number, sealed in its conversation, and matched by its
keyed value to the first text from that phone (app/conversation/safe_numbers.py decides).

The number is sealed in `conversations.contact_sealed` under the conversation's own key, as
every number is, so the reply and call machinery finds it where it finds an SMS survivor's;
`safe_numbers` holds only the keyed value and where the match stands. Rows go with their
conversation (erasure, retention: the foreign key cascades).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Connection, and_, delete, insert, select, update

from app.crypto import FieldContext
from app.storage.models import (
    Conversation,
    Escalation,
    JoinedChat,
    Reply,
    ReturnCode,
    SafeNumber,
    table_of,
)
from app.storage.vault import OpenConversation

safe_numbers = table_of(SafeNumber)
conversations = table_of(Conversation)
escalations = table_of(Escalation)
replies = table_of(Reply)
return_codes = table_of(ReturnCode)
joined_chats = table_of(JoinedChat)
_s, _c = safe_numbers.c, conversations.c


def save(connection: Connection, conversation: OpenConversation, number: str,
         contact_hash: str, now: datetime) -> None:
    """The web conversation's safe number, replacing any it gave before (the number given last
    is the one that counts); it waits for that phone to write."""
    connection.execute(update(conversations).where(_c.id == conversation.id).values(
        contact_sealed=conversation.key.seal(
            number, FieldContext("conversations", "contact", str(conversation.id)))))
    connection.execute(delete(safe_numbers).where(_s.conversation_id == conversation.id))
    connection.execute(insert(safe_numbers).values(
        conversation_id=conversation.id, contact_hash=contact_hash, status="waiting",
        given_at=now, settled_at=None))


def waiting_for(connection: Connection, contact_hash: str) -> list[uuid.UUID]:
    """Web conversations waiting for this number to write, the latest given first."""
    return list(connection.execute(
        select(_s.conversation_id).where(_s.contact_hash == contact_hash,
                                         _s.status == "waiting")
        .order_by(_s.given_at.desc())).scalars())


def join(connection: Connection, conversation_id: uuid.UUID, contact_hash: str,
         now: datetime) -> None:
    """The web conversation becomes the number's SMS conversation: found by the number's keyed
    value from now on, open again if the page had left, its case and the replies still waiting
    on the SMS channel (the outbound gate then applies the SMS rules: STOP, window, resume word).
    Its come-back code is deleted: the survivor chose to be texted, and a code must not hand an
    SMS conversation back to a web page. The page's token (its keyed value, the chat's until
    now) is kept in `joined_chats`, so the page that still shows the chat can still delete it
    (`joined_by_chat`)."""
    chat_hash = connection.execute(select(_c.contact_hash).where(
        _c.id == conversation_id, _c.channel == "web")).scalar()
    if chat_hash is not None:
        connection.execute(insert(joined_chats).values(conversation_id=conversation_id,
                                                       contact_hash=chat_hash))
    connection.execute(update(conversations).where(_c.id == conversation_id).values(
        channel="sms", contact_hash=contact_hash, closed_at=None, last_activity_at=now))
    connection.execute(update(escalations).where(
        escalations.c.conversation_id == conversation_id, escalations.c.status != "closed")
        .values(channel="sms"))
    connection.execute(update(replies).where(
        replies.c.conversation_id == conversation_id,
        replies.c.status.in_(("queued", "held"))).values(channel="sms"))
    connection.execute(delete(return_codes).where(
        return_codes.c.conversation_id == conversation_id))
    _settle(connection, conversation_id, "joined", now)


def joined_by_chat(connection: Connection, chat_hash: str) -> list[uuid.UUID]:
    """The conversations that the web chat with this token's keyed value joined to its safe
    number (usually none; more than one if the page gave a number again after joining)."""
    return list(connection.execute(select(joined_chats.c.conversation_id).where(
        joined_chats.c.contact_hash == chat_hash)).scalars())


def any_apart(connection: Connection, conversation_ids: list[uuid.UUID]) -> bool:
    """Whether the number any of these web conversations gave wrote and was kept apart: its
    texts are in its own conversation, which deleting the chat does not touch."""
    if not conversation_ids:
        return False
    return connection.execute(select(_s.conversation_id).where(
        _s.conversation_id.in_(conversation_ids), _s.status == "apart").limit(1)).first() \
        is not None


def set_apart(connection: Connection, conversation_ids: list[uuid.UUID], now: datetime) -> None:
    """The number wrote, but these web conversations stay apart from it: nothing is sent."""
    for conversation_id in conversation_ids:
        _settle(connection, conversation_id, "apart", now)


def _settle(connection: Connection, conversation_id: uuid.UUID, status: str,
            now: datetime) -> None:
    connection.execute(update(safe_numbers).where(
        _s.conversation_id == conversation_id, _s.status == "waiting")
        .values(status=status, settled_at=now))


def forget(connection: Connection, conversation_id: uuid.UUID) -> bool:
    """Forget a number still waiting for its first text: the link and the sealed number."""
    found = connection.execute(select(_s.conversation_id).where(
        _s.conversation_id == conversation_id, _s.status == "waiting")).first()
    if found is None:
        return False
    connection.execute(update(conversations).where(and_(
        _c.id == conversation_id, _c.channel == "web")).values(contact_sealed=None))
    connection.execute(delete(safe_numbers).where(_s.conversation_id == conversation_id))
    return True


def purge_unconfirmed(connection: Connection, given_before: datetime) -> int:
    """Forget numbers that never wrote: the link and the sealed number. The conversation stays
    (an ended chat's replies are then cancelled as for any chat the survivor left)."""
    stale = list(connection.execute(select(_s.conversation_id).where(
        _s.status == "waiting", _s.given_at <= given_before)).scalars())
    for conversation_id in stale:
        forget(connection, conversation_id)
    return len(stale)
