"""Wrong tries at the resume word (issue 23, item 1; docs/threat-model.md, A2): a reply to the
locked prompt that is not the word is not kept in the transcript, and after a few wrong tries
an hour even the right word is taken as one more wrong try, with the same reply; a message
that is not a try (a disclosure, a request for a person) is stored and handled as always."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from app.conversation import resume_word
from app.flows import ConversationState, StepResult
from app.flows.triage import NONE
from app.services import services
from app.storage import vault
from tests.conftest import MovableClock
from tests.conversation.test_resume_word_locked import (
    ACCEPTED,
    LOCKED_REPLY,
    WORD,
    say,
    state,
    stored_word,
    transcript,
    with_word,
)
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
__all__ = ["with_word"]  # the fixture: a survivor who set a word


@pytest.fixture
def locked(twilio: TwilioSigner, clock: MovableClock, with_word: None) -> None:
    """Hours later someone texts from the phone: the conversation is locked."""
    clock.advance(timedelta(hours=5))
    assert LOCKED_REPLY in say(twilio, "hello?")


@pytest.mark.usefixtures("locked")
def test_a_wrong_try_is_not_kept_in_the_transcript(app: Flask, twilio: TwilioSigner) -> None:
    assert ACCEPTED not in say(twilio, "sunflower")
    kept = transcript(app)
    assert "sunflower" not in kept
    assert resume_word.GUESS_MARKER in kept


@pytest.mark.usefixtures("locked")
@pytest.mark.parametrize("message", [
    "he hit me again last night and it is getting worse",  # a disclosure
    "person",  # a request for a person
])
def test_a_message_that_is_not_a_try_is_stored_and_handled(
        app: Flask, twilio: TwilioSigner, message: str) -> None:
    say(twilio, message)
    kept = transcript(app)
    assert message in kept
    assert resume_word.GUESS_MARKER not in kept
    assert state(app).wrong_guesses == ()


@pytest.mark.usefixtures("locked")
def test_after_a_few_wrong_tries_even_the_word_gets_the_same_reply_until_an_hour_has_passed(
        app: Flask, twilio: TwilioSigner, clock: MovableClock) -> None:
    wrong = [say(twilio, f"guess number {n}") for n in range(resume_word.WRONG_GUESSES)]
    right = say(twilio, WORD)
    assert ACCEPTED not in right
    assert right == wrong[-1]  # no hint that the word was right, or that tries are limited
    assert state(app).locked
    assert WORD not in transcript(app)  # the word past the limit is not kept either
    clock.advance(timedelta(minutes=61))
    assert ACCEPTED in say(twilio, WORD)
    assert not state(app).locked
    assert state(app).wrong_guesses == ()


def test_a_try_is_short_and_does_nothing_else() -> None:
    quiet = StepResult((), ConversationState(), ())
    assert resume_word.is_guess("sunflower", quiet, NONE)
    assert resume_word.is_guess("Marigold-Lantern", quiet, NONE)
    assert not resume_word.is_guess("1", quiet, NONE)  # a menu choice
    assert not resume_word.is_guess("he took my phone and I can't leave the house", quiet, NONE)


@pytest.mark.usefixtures("with_word")
def test_the_stored_word_comes_with_the_conversations_single_read(app: Flask) -> None:
    with app.app_context(), services().database.transaction() as connection:
        built = services()
        found = vault.find_open(connection, built.keyring, channel="sms",
                                contact_hash=built.conversations.contact_hash("sms", SURVIVOR))
    assert found.has_resume_word
    assert found.resume_word_hash == stored_word(app)
