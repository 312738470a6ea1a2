"""The resume word: stored as a keyed hash per contact, compared in constant time.

docs/threat-model.md, A2: someone else may pick up the survivor's phone and text the service.
Once the survivor has set a word, a later conversation on that number shows nothing from
before (an advocate's reply, the open case) until the word is sent. The word itself is never
stored, logged or shown: only a keyed value under the contact key, bound to the contact, so
the same word set by two people gives two unrelated values, and re-keyable with the contact's
own value when the contact key rotates (`crypto.ContactHasher.word_value`).

Who may set it (the engine's rules 6 and 7, app/flows/engine.py): never a locked
conversation, and once a word exists only after the current word is given again; nothing
clears it (an erasure keeps it, app/lifecycle/erasure.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from app.crypto import ContactHasher
from app.flows.model import SetSecret
from app.flows.text import normalise
from app.storage.models import ResumeWord, table_of

resume_words = table_of(ResumeWord)
SECRET_NAME = "resume_word"  # noqa: S105 -- the flow's name for it, not a secret
# What the transcript shows instead of the message that carried the word.
SET_MARKER = "[the survivor set a resume word]"
GIVEN_MARKER = "[the survivor gave their resume word]"
# A word given to change it, or to a step that refused it: never kept, whether right or wrong.
WITHHELD_MARKER = "[a resume word was sent; it is not kept]"


def word_hash(hasher: ContactHasher, contact_hash: str, word: str) -> str:
    return hasher.word_value(contact_hash, normalise(word))


def stored_hash(connection: Connection, contact_hash: str) -> str | None:
    found: str | None = connection.execute(select(resume_words.c.word_hash).where(
        resume_words.c.contact_hash == contact_hash)).scalar()
    return found


def save(connection: Connection, contact_hash: str, hashed: str, now: datetime) -> None:
    """Set or replace the contact's word."""
    connection.execute(delete(resume_words).where(resume_words.c.contact_hash == contact_hash))
    connection.execute(insert(resume_words).values(contact_hash=contact_hash, word_hash=hashed,
                                                   set_at=now))


def matches(hasher: ContactHasher, contact_hash: str, stored: str, text: str, *,
            address: str = "") -> bool:
    """Whether `text` is the contact's word, in constant time. The address checks a word
    stored before the re-keyable format; without it such a word does not match, which keeps
    the history locked (the safe side)."""
    return hasher.word_matches(contact_hash, stored, normalise(text), channel="sms",
                               address=address)


def upgrade(stored: str | None, given: str) -> tuple[SetSecret, ...]:
    """A word stored before re-keyable values, just given correctly: store it again in the
    new format (the same word), so the contact key that made it can be rotated away."""
    if stored is None or len(stored) != ContactHasher.LEGACY_LENGTH:
        return ()
    return (SetSecret(SECRET_NAME, given),)


@dataclass(frozen=True)
class ContactSecrets:
    """One contact's resume word as the flow engine asks about it (`app.flows.engine.Secrets`):
    the stored hash is read before the engine runs, so the engine does no I/O."""

    hasher: ContactHasher = field(repr=False)
    contact_hash: str = field(repr=False)
    stored: str | None = field(repr=False)
    address: str = field(default="", repr=False)

    def is_set(self, name: str) -> bool:
        return name == SECRET_NAME and self.stored is not None

    def matches(self, name: str, text: str) -> bool:
        return (name == SECRET_NAME and self.stored is not None
                and matches(self.hasher, self.contact_hash, self.stored, text,
                            address=self.address))
