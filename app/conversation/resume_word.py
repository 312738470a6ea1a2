"""The resume word: stored as a keyed hash per contact, compared in constant time.

docs/threat-model.md, A2: someone else may pick up the survivor's phone and text the service.
Once the survivor has set a word, a later conversation on that number shows nothing from
before (an advocate's reply, the open case) until the word is sent. The word itself is never
stored, logged or shown: only an HMAC under the contact key, bound to the contact, so the
same word set by two people gives two unrelated values.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from app.crypto import ContactHasher, same_secret
from app.flows.text import normalise
from app.storage.models import ResumeWord, table_of

resume_words = table_of(ResumeWord)
SECRET_NAME = "resume_word"  # noqa: S105 -- the flow's name for it, not a secret
# What the transcript shows instead of the message that carried the word.
SET_MARKER = "[the survivor set a resume word]"
GIVEN_MARKER = "[the survivor gave their resume word]"


def word_hash(hasher: ContactHasher, contact_hash: str, word: str) -> str:
    return hasher.hash("resume-word", f"{contact_hash}:{normalise(word)}")


def stored_hash(connection: Connection, contact_hash: str) -> str | None:
    found: str | None = connection.execute(select(resume_words.c.word_hash).where(
        resume_words.c.contact_hash == contact_hash)).scalar()
    return found


def save(connection: Connection, contact_hash: str, hashed: str, now: datetime) -> None:
    """Set or replace the contact's word."""
    connection.execute(delete(resume_words).where(resume_words.c.contact_hash == contact_hash))
    connection.execute(insert(resume_words).values(contact_hash=contact_hash, word_hash=hashed,
                                                   set_at=now))


def matches(hasher: ContactHasher, contact_hash: str, stored: str, text: str) -> bool:
    return same_secret(word_hash(hasher, contact_hash, text), stored)
