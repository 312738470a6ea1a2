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

Guessing it (`is_guess`): a reply to the locked prompt that is not the word is kept only as a
placeholder, and after `WRONG_GUESSES` wrong tries in an hour even the right word is taken as
one more, with the same reply, until the oldest try is an hour old. The tries are counted in
the conversation's sealed state, so they hold whether or not Redis is up.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert

from app.crypto import ContactHasher
from app.flows import ConversationState, StepResult
from app.flows.model import SetSecret
from app.flows.text import normalise
from app.flows.triage import Assessment
from app.storage.models import ResumeWord, table_of

resume_words = table_of(ResumeWord)
SECRET_NAME = "resume_word"  # noqa: S105 -- the flow's name for it, not a secret
# What the transcript shows instead of the message that carried the word.
SET_MARKER = "[the survivor set a resume word]"
GIVEN_MARKER = "[the survivor gave their resume word]"
# A word given to change it, or to a step that refused it: never kept, whether right or wrong.
WITHHELD_MARKER = "[a resume word was sent; it is not kept]"
# A reply to the locked prompt that was not the word (or came past the limit): it may have been
# a try at it, so it is not kept either (see `is_guess`).
GUESS_MARKER = "[a message sent while the conversation was locked; not kept, it may have been " \
    "a try at the resume word]"
# Wrong tries at the word, per conversation, before even the right word is taken as one more
# wrong try (the same reply, no hint), until the oldest of them is an hour old.
WRONG_GUESSES = 5
GUESS_WINDOW = timedelta(hours=1)
# The shape of a try: as long as a word can be (flows/resume.yaml: min_length 4), and short,
# as words are. Longer texts are messages, stored and handled as any other.
GUESS_MIN_CHARS, GUESS_MAX_CHARS, GUESS_MAX_WORDS = 4, 40, 4


def word_hash(hasher: ContactHasher, contact_hash: str, word: str) -> str:
    return hasher.word_value(contact_hash, normalise(word))


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


def is_guess(text: str, result: StepResult, risk: Assessment) -> bool:
    """Whether a message sent in reply to the locked prompt ("send your word") counts as a try
    at the word, when it was not the word. Only what does nothing else: no keyword (a request
    for a person, STOP, the duress word), no action of the flow (a case, an erasure), nothing
    triage reads as risk, and the shape of a word (4 to 40 characters, at most 4 words). Any
    other message, a disclosure above all, is stored and handled as always."""
    said = normalise(text)
    return (result.keyword is None and not result.actions and not risk.reasons
            and not result.secret_refused
            and GUESS_MIN_CHARS <= len(said) <= GUESS_MAX_CHARS
            and len(said.split()) <= GUESS_MAX_WORDS)


def recent_wrong_guesses(state: ConversationState, now: datetime) -> tuple[datetime, ...]:
    return tuple(moment for moment in state.wrong_guesses
                 if timedelta(0) <= now - moment < GUESS_WINDOW)


def may_guess(state: ConversationState, now: datetime) -> bool:
    """Whether the word is still checked: fewer than `WRONG_GUESSES` wrong tries this hour."""
    return len(recent_wrong_guesses(state, now)) < WRONG_GUESSES


def count_wrong_guess(state: ConversationState, now: datetime) -> ConversationState:
    """One more wrong try; only the latest few are kept, enough to decide `may_guess`."""
    return replace(state, wrong_guesses=(*recent_wrong_guesses(state, now), now)[
        -WRONG_GUESSES:])


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
