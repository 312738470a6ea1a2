"""Key rotation: every stored data key re-wrapped under the newest key of the keyring.

`QUIETLINE_DATA_KEYS` lists key-encryption keys newest first. A new key is added in front;
new conversations use it at once, old ones still open with the older key. `flask keys rotate`
then re-wraps each stored data key (conversations' and advocates') under the newest key, so
the old key can be removed from the keyring and destroyed. Only the small wrapped keys
change: messages stay sealed under their data keys and are never decrypted here.

It works in batches, each its own transaction, in id order, and skips keys already wrapped by
the newest key, so an interrupted run loses nothing and simply continues when run again.

`rotate_contacts` does the same for the contact key (QUIETLINE_CONTACT_KEY): every stored
look-up value not made by the newest key is moved to it (`storage.contact_values.move`: the
conversations, opt-out and resume word of one contact together, in one transaction). Values in
the re-keyable format need no address; a value from before it is worked out again from the
conversation's sealed number (SMS). What can be neither (a web chat's token is never stored)
is counted as left: it still moves when that contact next writes, while the old key is listed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.crypto import ContactHasher, FieldContext, Keyring
from app.storage import contact_values, transcripts
from app.storage.db import Database
from app.storage.models import Advocate, Conversation, table_of

log = logging.getLogger(__name__)
# The tables whose rows hold a wrapped data key, and the name the key's context uses.
WRAPPED = ((table_of(Conversation), "conversations"), (table_of(Advocate), "advocates"))
BATCH = 500


@dataclass
class Rotation:
    total: int = 0
    rewrapped: int = 0
    already: int = 0


def count(database: Database) -> int:
    with database.transaction() as connection:
        return sum(int(connection.execute(select(func.count()).select_from(table)).scalar_one())
                   for table, _name in WRAPPED)


def rotate(database: Database, keyring: Keyring, *, batch: int = BATCH,
           progress: Callable[[int], None] = lambda _n: None) -> Rotation:
    """Re-wrap every data key not yet wrapped by the newest key; `progress(n)` after each
    batch of n rows. Safe to interrupt and run again."""
    done = Rotation()
    for table, name in WRAPPED:
        last: Any = None
        while True:
            with database.transaction() as connection:
                query = select(table.c.id, table.c.wrapped_key).order_by(table.c.id).limit(batch)
                if last is not None:
                    query = query.where(table.c.id > last)
                rows = connection.execute(query).all()
                for row in rows:
                    if _rewrap(connection, table, row, keyring=keyring, context_name=name):
                        done.rewrapped += 1
                    else:
                        done.already += 1
            if not rows:
                break
            last = rows[-1].id
            done.total += len(rows)
            progress(len(rows))
    log.info("event=keys.rotated rewrapped=%s already=%s", done.rewrapped, done.already)
    return done


def _rewrap(connection: Any, table: Table, row: Any, *, keyring: Keyring,
            context_name: str) -> bool:
    """Re-wrap one row's data key under the newest key; False if it already was."""
    if not row.wrapped_key or Keyring.wrapped_key_id(row.wrapped_key) == keyring.newest_id:
        return False
    context = FieldContext(context_name, "key", str(row.id))
    key = keyring.unwrap(row.wrapped_key, context)
    connection.execute(update(table).where(table.c.id == row.id)
                       .values(wrapped_key=keyring.wrap(key, context)))
    return True


@dataclass
class ContactRotation:
    total: int = 0
    rekeyed: int = 0
    already: int = 0
    left: int = 0  # cannot be re-keyed without the address (see the module's docstring)
    legacy_words: int = 0  # resume words that still need the old key (checked by address)


def pending_contacts(database: Database, hasher: ContactHasher) -> list[str]:
    """The stored contact values not made by the newest contact key."""
    with database.transaction() as connection:
        return [value for value in contact_values.all_stored(connection)
                if not hasher.is_current(value)]


def unlisted_contacts(database: Database, hasher: ContactHasher) -> int | None:
    """How many stored contact values were made by a contact key no longer listed, or None
    when the database cannot be asked (start-up goes on: the fail-safe covers an outage)."""
    try:
        with database.transaction() as connection:
            return contact_values.under_unlisted_keys(connection, hasher.key_ids)
    except SQLAlchemyError:
        log.warning("event=keys.contact_check_skipped reason=database_unavailable")
        return None


def rotate_contacts(database: Database, hasher: ContactHasher, keyring: Keyring, *,
                    batch: int = BATCH,
                    progress: Callable[[int], None] = lambda _n: None) -> ContactRotation:
    """Move every stored contact value to the newest contact key, `batch` contacts per
    transaction; `progress(n)` after each batch. Safe to interrupt and run again."""
    done = ContactRotation()
    pending = pending_contacts(database, hasher)
    conversations = table_of(Conversation)
    for start in range(0, len(pending), batch):
        chunk = pending[start:start + batch]
        with database.transaction() as connection:
            for old in chunk:
                new = hasher.rekey(old)
                if new is None:  # the format before re-keyable values: from the number
                    row = connection.execute(select(conversations.c.id).where(
                        conversations.c.contact_hash == old, conversations.c.channel == "sms",
                        conversations.c.contact_sealed.is_not(None))).first()
                    number = transcripts.reply_address(connection, keyring, row.id) if row else None
                    new = hasher.hash("sms", number) if number else None
                if new is None:
                    done.left += 1
                    continue
                contact_values.move(connection, hasher, old, new)
                done.rekeyed += 1
        done.total += len(chunk)
        progress(len(chunk))
    with database.transaction() as connection:
        done.legacy_words = contact_values.legacy_words(connection)
    log.info("event=keys.contacts_rotated rekeyed=%s left=%s legacy_words=%s", done.rekeyed,
             done.left, done.legacy_words)
    return done
