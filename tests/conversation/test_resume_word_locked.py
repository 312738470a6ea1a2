"""While a later conversation is locked, no message sets, changes or clears the resume word.

Issue 23, item 1: sending "my word" and a new word from a locked conversation used to replace
the survivor's word, and the new word then unlocked the history and released held replies.
Now a locked conversation is answered only with what its locked reply says already, and a word
is changed only after the current one is given (flows/README.md, "The resume word").
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.flows import ConversationState
from app.services import services
from app.storage import transcripts, vault
from app.storage.models import Conversation, ResumeWord
from app.worker import sweeper
from tests.conftest import MovableClock
from tests.support.cases import claim, latest_case, reply_rows, send_reply
from tests.support.fake_twilio import FakeTwilio
from tests.support.sms import reply_text
from tests.support.staff import TUESDAY_10AM
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
WORD = "Marigold-Lantern"
NEW_WORD = "Copper-Kettle-Nine"
REPLY = "Hello, this is Sam. I can talk now if you can."
LOCKED_REPLY = "To see earlier messages, reply with your word."
ACCEPTED = "Anything waiting for you will follow"
ROOT = Path(__file__).resolve().parents[2]


def set_word_phrases() -> list[tuple[str, str]]:
    """The first phrase that sets a word in each shipped language, from the flow itself."""
    flow = yaml.safe_load((ROOT / "flows" / "resume.yaml").read_text(encoding="utf-8"))
    [keyword] = [k for k in flow["keywords"] if k["goto"] == "resume_set"]
    return [(language, words[0]) for language, words in keyword["words"].items()]


def say(twilio: TwilioSigner, body: str) -> str:
    text = reply_text(twilio.sms(body))
    assert text is not None
    return text


def sweep(app: Flask) -> None:
    with app.app_context():
        sweeper.sweep()


def stored_word(app: Flask) -> str:
    with app.app_context(), services().database.session() as session:
        return session.scalars(select(ResumeWord.word_hash)).one()


def transcript(app: Flask) -> str:
    with app.app_context(), services().database.transaction() as connection:
        conversation_id = connection.execute(select(Conversation.id)).scalar_one()
        return "\n".join(m.body for m in transcripts.transcript(connection, services().keyring,
                                                           conversation_id))


def locked_reply(app: Flask) -> str:
    """The locked reply in the conversation's language (a keyword may have changed it)."""
    with app.app_context():
        return services().conversations.render(state(app).language, ("resume.ask",))


def state(app: Flask) -> ConversationState:
    with app.app_context(), services().database.transaction() as connection:
        built = services()
        found = vault.find_open(connection, built.keyring, channel="sms",
                                contact_hash=built.conversations.contact_hash("sms", SURVIVOR))
    assert found.conversation is not None
    assert found.conversation.state_json is not None
    return ConversationState.from_json(found.conversation.state_json)


@pytest.fixture
def with_word(twilio: TwilioSigner, clock: MovableClock) -> None:
    """A survivor who asked for a person and then set a resume word."""
    clock.set(TUESDAY_10AM)
    say(twilio, "person")
    assert "Choose a word" in say(twilio, "my word")
    assert "saved" in say(twilio, WORD)


@pytest.fixture
def held_reply(app: Flask, twilio: TwilioSigner, clock: MovableClock, fake_twilio: FakeTwilio,
               with_word: None, advocate: FlaskClient) -> None:
    """Hours later someone else texts from the phone (locked); an advocate's reply waits."""
    clock.advance(timedelta(hours=5))
    assert LOCKED_REPLY in say(twilio, "what did you tell me?")
    case_id = latest_case(twilio)
    claim(advocate, case_id)
    assert send_reply(advocate, case_id, REPLY).status_code == 302
    sweep(app)
    assert fake_twilio.count(to=SURVIVOR) == 0


def test_a_locked_conversation_cannot_set_a_new_word_and_held_replies_stay_held(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio, held_reply: None) -> None:
    before = stored_word(app)
    answers = [say(twilio, body) for body in ("my word", NEW_WORD, NEW_WORD)]
    sweep(app)
    assert fake_twilio.count(to=SURVIVOR) == 0  # the bypass released the reply here
    assert ACCEPTED not in answers[2]  # the "new word" unlocks nothing
    assert answers[0] == LOCKED_REPLY  # exactly what the locked conversation said already
    assert [(r.status, r.hold_reason) for r in reply_rows(app)] == [("held", "locked")]
    assert stored_word(app) == before
    assert state(app).locked
    # The survivor's own word still opens it, and the held reply follows.
    assert ACCEPTED in say(twilio, WORD)
    sweep(app)
    assert fake_twilio.count(to=SURVIVOR) == 1


@pytest.mark.parametrize(("language", "phrase"), set_word_phrases())
def test_no_language_sets_a_word_as_the_first_message_of_a_locked_conversation(
        app: Flask, twilio: TwilioSigner, clock: MovableClock, fake_twilio: FakeTwilio,
        with_word: None, language: str, phrase: str) -> None:
    before = stored_word(app)
    clock.advance(timedelta(hours=5))
    assert say(twilio, phrase) == locked_reply(app)
    for _ in range(2):
        assert "saved" not in say(twilio, NEW_WORD)
    assert stored_word(app) == before
    assert state(app).locked


@pytest.mark.parametrize(("language", "phrase"), set_word_phrases())
def test_no_language_sets_a_word_later_in_a_locked_conversation(
        app: Flask, twilio: TwilioSigner, clock: MovableClock, with_word: None,
        language: str, phrase: str) -> None:
    before = stored_word(app)
    clock.advance(timedelta(hours=5))
    say(twilio, "hello")
    assert say(twilio, phrase) == locked_reply(app)
    say(twilio, NEW_WORD)
    assert stored_word(app) == before
    assert ACCEPTED not in say(twilio, NEW_WORD)


def test_changing_the_word_needs_the_current_word_first(
        app: Flask, twilio: TwilioSigner, clock: MovableClock, with_word: None) -> None:
    before = stored_word(app)
    assert "first reply with the word you have now" in say(twilio, "my word")
    assert "nothing has changed" in say(twilio, "Sunflower-Guess")
    assert stored_word(app) == before
    assert "first reply with the word you have now" in say(twilio, "new word")
    assert "Choose a word" in say(twilio, WORD)
    assert "saved" in say(twilio, NEW_WORD)
    assert stored_word(app) != before
    # The words given to set or check one are never kept in the transcript.
    kept = transcript(app).casefold()
    for secret in (WORD, NEW_WORD, "Sunflower-Guess"):
        assert secret.casefold() not in kept
    assert "[a resume word was sent; it is not kept]" in transcript(app)
    # Later, only the new word opens the conversation.
    clock.advance(timedelta(hours=5))
    assert LOCKED_REPLY in say(twilio, "hello")
    assert ACCEPTED not in say(twilio, WORD)
    assert ACCEPTED in say(twilio, NEW_WORD)


def test_in_cover_mode_the_word_gets_only_the_cover_reply(
        app: Flask, twilio: TwilioSigner, clock: MovableClock, with_word: None) -> None:
    clock.advance(timedelta(hours=5))
    assert LOCKED_REPLY in say(twilio, "hello")
    cover = say(twilio, "bluebell")
    assert say(twilio, WORD) == cover
    assert state(app).locked
