"""Every emergency reply fits the phone, and what it holds back follows once (issue 21, item 4).

Through the real webhook, in every language: out of hours, an urgent request for a person is
the emergency options and what is true tonight (on call, when the team reads it), in 3 GSM-7 /
4 UCS-2 segments; the person step's "is it safe to be texting now?" comes with the survivor's
next reply, once, and "1" answers it. On a number locked by a resume word, a first message
answered with an emergency reply leaves out "to see earlier messages, reply with your word";
the next reply that is not an emergency one carries it, once, and the lock holds throughout
(app/conversation/held.py). Before, these replies took 4 GSM-7 and 5-6 UCS-2 segments.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from app.config import DEFAULT_CONFIG
from app.content.emergency_replies import CEILING
from app.content.segments import encoding_of
from app.flows import ConversationState
from app.services import services
from app.storage import vault
from tests.conftest import AUTH_TOKEN, AppWith, MovableClock
from tests.support.sms import reply_text
from tests.support.staff import TUESDAY_10AM
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs")]
SATURDAY = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # out of hours; Monday 09:00 is next
# A deployment's own word for a person that triage also reads as danger: the one way the
# shipped flows reach the person step with an urgent message (rule 2 before rule 3).
URGENT_PERSON = "he is kicking the door in"
# A first message in each language that sets the conversation's language (flows/keywords.yaml).
GREETINGS = {"en": "hello", "cy": "shwmae", "pl": "cześć", "ro": "salut", "ar": "مرحبا",
             "ur": "السلام علیکم", "pa": "ਸਤ ਸ੍ਰੀ ਅਕਾਲ", "so": "see tahay"}
WORD = "Marigold-Lantern"
RIGHT_TO_LEFT = ("ar", "ur")

Say = Callable[[str], str]


def say_to(twilio: TwilioSigner) -> Say:
    def say(body: str) -> str:
        text = reply_text(twilio.sms(body))
        assert text is not None
        return text
    return say


def with_urgent_person_word(app_with: AppWith, tmp_path: Path) -> Flask:
    demo = DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert '# person = ["caseworker"]\n' in demo
    path = tmp_path / "deployment.toml"
    path.write_text(demo.replace('# person = ["caseworker"]\n',
                                 f'person = ["{URGENT_PERSON}"]\n', 1), encoding="utf-8")
    return app_with(QUIETLINE_CONFIG=str(path))


def text(app: Flask, language: str, message_id: str) -> str:
    with app.app_context():
        return services().catalogues.text(language, message_id)


def first_line(app: Flask, language: str, message_id: str) -> str:
    return text(app, language, message_id).split("\n")[0]


def assert_fits_with_the_numbers(reply: str, language: str) -> None:
    encoding = encoding_of(reply)
    assert encoding.segments <= CEILING[encoding.name], (language, encoding)
    digits = re.sub(r"[\u00a0 ]", " ", reply)
    assert "999" in digits
    assert "55" in digits[digits.index("999", digits.index("999") + 3):]  # 999 then 55
    assert "0808 2000 247" in digits
    if language in RIGHT_TO_LEFT:
        assert "\u20660808\u00a02000\u00a0247\u2069" in reply


def state(app: Flask) -> ConversationState:
    with app.app_context(), services().database.transaction() as connection:
        built = services()
        found = vault.find_open(connection, built.keyring, channel="sms",
                                contact_hash=built.conversations.contact_hash("sms", SURVIVOR))
    assert found.conversation is not None
    assert found.conversation.state_json is not None
    return ConversationState.from_json(found.conversation.state_json)


@pytest.mark.parametrize("language", sorted(GREETINGS))
def test_an_urgent_request_for_a_person_at_night_fits_and_the_question_follows_once(
        app_with: AppWith, tmp_path: Path, clock: MovableClock, language: str) -> None:
    app = with_urgent_person_word(app_with, tmp_path)
    say = say_to(TwilioSigner(app.test_client(), AUTH_TOKEN))
    question = first_line(app, language, "person.safe_now")
    clock.set(SATURDAY)
    say(GREETINGS[language])

    urgent = say(URGENT_PERSON)
    assert_fits_with_the_numbers(urgent, language)
    assert first_line(app, language, "hours.on_call") in urgent
    assert question not in urgent

    later = say("ok")
    assert later.count(question) == 1, later
    assert later.startswith(text(app, language, "person.noted")), later
    assert later.rstrip().endswith(text(app, language, "person.safe_now").rstrip())
    assert question not in say("ok")  # once


@pytest.mark.parametrize("answer", ["1", "2"])
def test_the_held_question_is_answered_at_its_own_step(
        app_with: AppWith, tmp_path: Path, clock: MovableClock, answer: str) -> None:
    app = with_urgent_person_word(app_with, tmp_path)
    say = say_to(TwilioSigner(app.test_client(), AUTH_TOKEN))
    clock.set(SATURDAY)
    say(URGENT_PERSON)
    say("ok")
    reply = say(answer)
    expected = "person.how" if answer == "1" else "pause.confirmed"
    assert first_line(app, "en", expected) in reply
    assert state(app).choices["safe_to_talk"].value == ("yes" if answer == "1" else "no")


def test_an_answer_or_a_choice_of_their_own_overtakes_the_held_question(
        app_with: AppWith, tmp_path: Path, clock: MovableClock) -> None:
    app = with_urgent_person_word(app_with, tmp_path)
    say = say_to(TwilioSigner(app.test_client(), AUTH_TOKEN))
    question = first_line(app, "en", "person.safe_now")
    clock.set(SATURDAY)
    say(URGENT_PERSON)
    assert question not in say("menu")  # the menu's own "1" must not answer it
    assert question not in say("ok")
    assert state(app).held == ()


def test_a_second_emergency_reply_keeps_the_question_waiting(
        app_with: AppWith, tmp_path: Path, clock: MovableClock) -> None:
    app = with_urgent_person_word(app_with, tmp_path)
    say = say_to(TwilioSigner(app.test_client(), AUTH_TOKEN))
    question = first_line(app, "en", "person.safe_now")
    clock.set(SATURDAY)
    say(URGENT_PERSON)
    again = say(URGENT_PERSON)
    assert_fits_with_the_numbers(again, "en")
    assert question not in again
    assert say("ok").count(question) == 1


@pytest.fixture
def locked_later(clock: MovableClock) -> Callable[[Say, str], None]:
    """A survivor who chose their language and set a word; hours later, a new conversation."""
    def prepare(say: Say, language: str) -> None:
        clock.set(TUESDAY_10AM)
        say(GREETINGS[language])
        say("my word")
        say(WORD)
        clock.advance(timedelta(hours=5))
    return prepare


@pytest.mark.parametrize("language", sorted(GREETINGS))
@pytest.mark.parametrize("first", ["999", URGENT_PERSON])
def test_a_locked_first_message_answered_in_an_emergency_gets_the_word_prompt_next(
        app: Flask, twilio: TwilioSigner, clock: MovableClock,
        locked_later: Callable[[Say, str], None], language: str, first: str) -> None:
    say = say_to(twilio)
    locked_later(say, language)
    prompt = text(app, language, "resume.ask")
    if first == URGENT_PERSON:
        clock.set(SATURDAY)  # the urgent answer out of hours, the longest

    emergency = say(first)
    assert_fits_with_the_numbers(emergency, language)
    assert prompt not in emergency
    assert state(app).locked

    menu = say("0")
    assert menu.count(prompt) == 1, menu
    assert prompt not in say("0")  # once
    assert state(app).locked
    assert first_line(app, language, "resume.accepted") in say(WORD)
    assert not state(app).locked


def test_the_word_prompt_waits_through_a_second_emergency_reply_and_the_word_still_opens(
        app: Flask, twilio: TwilioSigner, locked_later: Callable[[Say, str], None]) -> None:
    say = say_to(twilio)
    locked_later(say, "en")
    prompt = text(app, "en", "resume.ask")
    assert prompt not in say("999")
    assert prompt not in say("999")
    assert say("0").count(prompt) == 1
    assert state(app).locked


def test_the_word_given_before_the_prompt_opens_it_and_no_prompt_follows(
        app: Flask, twilio: TwilioSigner, locked_later: Callable[[Say, str], None]) -> None:
    say = say_to(twilio)
    locked_later(say, "en")
    prompt = text(app, "en", "resume.ask")
    assert prompt not in say("999")
    assert first_line(app, "en", "resume.accepted") in say(WORD)
    assert not state(app).locked
    assert prompt not in say("0")
