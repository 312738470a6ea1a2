"""Moving a contact's stored look-up values to the newest contact key.

A contact (a phone number, a chat token) is found by its keyed value (`crypto.ContactHasher`)
in six tables: conversations, opt-outs, resume words, the safe numbers a web chat gave, the
page tokens of web chats that joined their safe number, and the marks of recent erasures.
When QUIETLINE_CONTACT_KEY gets a new key in front, values made under the old one must move,
all together and in one transaction: an opt-out left under the old value while the
conversation moved would let an advocate's reply go to a number that sent STOP.

Two callers: the conversation service moves a contact the moment it writes again (it has the
address, so even a value from before the re-keyable format moves), and `flask keys
rotate-contacts` moves every stored value it can without an address.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, delete, func, select, union, update

from app.crypto import ContactHasher
from app.storage.models import (
    ContactErasure,
    Conversation,
    JoinedChat,
    OptOut,
    ResumeWord,
    SafeNumber,
    table_of,
)

conversations = table_of(Conversation)
opt_outs = table_of(OptOut)
resume_words = table_of(ResumeWord)
# A web chat's safe number waits under the number's value for that phone's first text.
safe_numbers = table_of(SafeNumber)
# A web chat's page token, kept after the chat joined its safe number (so the page can delete it).
joined_chats = table_of(JoinedChat)
# When the contact last erased a conversation (kept a day: app/lifecycle/erasure.py).
erasure_marks = table_of(ContactErasure)
# Every table that holds contact values (vault.find_open asks them all too).
CONTACT_TABLES = (conversations, opt_outs, resume_words, safe_numbers, joined_chats,
                  erasure_marks)


# Built once: building the statement cost more than running it.
_STORED_UNDER = union(*(
    select(table.c.contact_hash).where(
        table.c.contact_hash.in_(bindparam("values", expanding=True)))
    for table in CONTACT_TABLES))


def stored_under(connection: Connection, values: list[str]) -> list[str]:
    """Which of `values` any of the tables still holds."""
    if not values:
        return []
    return list(connection.execute(_STORED_UNDER, {"values": values}).scalars())


def move(connection: Connection, hasher: ContactHasher, old: str, new: str) -> None:
    """Every row stored under `old` is stored under `new` from now on.

    Where the contact already has a row under `new` (an opt-out, a word set since the key
    changed), that newer row wins and the old one goes. A resume word made under an older key
    is re-keyed with it; one from before the re-keyable format keeps its value (it is checked
    with the address, while the key that made it is listed).
    """
    connection.execute(update(conversations).where(conversations.c.contact_hash == old)
                       .values(contact_hash=new))
    for table in (safe_numbers, joined_chats):  # several rows may share a value: all move
        connection.execute(update(table).where(table.c.contact_hash == old)
                           .values(contact_hash=new))
    for table in (opt_outs, erasure_marks):  # one row per contact: a newer one wins
        if connection.execute(select(table.c.contact_hash)
                              .where(table.c.contact_hash == new)).first():
            connection.execute(delete(table).where(table.c.contact_hash == old))
        else:
            connection.execute(update(table).where(table.c.contact_hash == old)
                               .values(contact_hash=new))
    word = connection.execute(select(resume_words.c.word_hash)
                              .where(resume_words.c.contact_hash == old)).scalar()
    if word is None:
        return
    if connection.execute(select(resume_words.c.contact_hash)
                          .where(resume_words.c.contact_hash == new)).first():
        connection.execute(delete(resume_words).where(resume_words.c.contact_hash == old))
        return
    connection.execute(update(resume_words).where(resume_words.c.contact_hash == old)
                       .values(contact_hash=new, word_hash=hasher.rekey(word) or word))


def all_stored(connection: Connection) -> list[str]:
    """Every distinct contact value stored, in a stable order (for a resumable rotation)."""
    query = union(*(select(table.c.contact_hash).where(table.c.contact_hash.is_not(None))
                    for table in CONTACT_TABLES))
    return sorted(connection.execute(query).scalars())


def under_unlisted_keys(connection: Connection, listed_ids: tuple[str, ...]) -> int:
    """How many stored contact values were made by a key that is no longer listed (values in
    the format from before re-keyable values carry no key id and are not counted)."""
    total = 0
    for table in CONTACT_TABLES:
        column = table.c.contact_hash
        total += int(connection.execute(select(func.count()).where(
            func.length(column) == ContactHasher.VALUE_LENGTH,
            func.substr(column, 1, 8).not_in(listed_ids))).scalar_one())
    return total


def legacy_words(connection: Connection) -> int:
    """Resume words still in the format from before re-keyable values (see `move`)."""
    return sum(1 for value in connection.execute(select(resume_words.c.word_hash)).scalars()
               if len(value) == ContactHasher.LEGACY_LENGTH)
