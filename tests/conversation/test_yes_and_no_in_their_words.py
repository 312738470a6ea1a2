"""A yes or a no in the survivor's own words answers "is it safe for you to be texting now?
1 Yes 2 No" and the consent question as 1 and 2 do (flows/answers.yaml, app/flows/answers.py).

Found by trying it: after asking for a person, "no" was read as free text ("that has been
passed on") and nothing was paused, so the team could text a phone its owner had just said
was not safe; "yes", one of Twilio's opt-in words, was swallowed as a carrier keyword and the
flow said nothing at all.
"""

from __future__ import annotations

import pytest
from flask import Flask

from app.services import Services
from app.storage.models import OptOut
from tests.conftest import MovableClock
from tests.conversation.test_emergency_replies_hold_back import (
    GREETINGS,
    Say,
    first_line,
    say_to,
    state,
)
from tests.support.sms import count, reply_text
from tests.support.staff import TUESDAY_10AM
from tests.support.twilio_signing import TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs")]

# (no, yes) in each language, as a survivor might type them: not the options' digits.
ANSWERS = {
    "en": ("No.", "yeah"),
    "cy": ("na", "ie"),
    "pl": ("nie", "Tak"),
    "ro": ("nu", "da"),
    "ar": ("لا", "نعم"),
    "ur": ("nahi", "جی ہاں"),
    "pa": ("ਨਹੀਂ", "haan ji"),
    "so": ("maya", "haa"),
}


def ask_for_a_person(app: Flask, twilio: TwilioSigner, language: str) -> None:
    say = say_to(twilio)
    say(GREETINGS[language])
    assert first_line(app, language, "person.safe_now") in say("3")


# (which answer, the reply it gets, the choice recorded, paused): a no pauses, a yes goes on
# to how the team may be in touch.
OUTCOMES = [(0, "pause.confirmed", "no", True), (1, "person.how", "yes", False)]


@pytest.mark.parametrize("language", sorted(ANSWERS))
@pytest.mark.parametrize(("which", "expected", "recorded", "paused"), OUTCOMES,
                         ids=["no", "yes"])
def test_yes_or_no_in_their_words_answers_the_safety_question(
        app: Flask, twilio: TwilioSigner, clock: MovableClock, language: str, which: int,
        expected: str, recorded: str, paused: bool) -> None:
    clock.set(TUESDAY_10AM)
    ask_for_a_person(app, twilio, language)
    reply = say_to(twilio)(ANSWERS[language][which])
    assert first_line(app, language, expected) in reply
    found = state(app)
    assert found.paused is paused
    assert found.choices["safe_to_talk"].value == recorded


@pytest.fixture
def asked(app: Flask, twilio: TwilioSigner, clock: MovableClock) -> Say:
    """In English, in hours, a person asked for and the safety question just asked."""
    clock.set(TUESDAY_10AM)
    ask_for_a_person(app, twilio, "en")
    return say_to(twilio)


@pytest.mark.parametrize(("answer", "recorded"), [("yes", "agreed"), ("nope", "refused")])
def test_yes_or_no_to_sharing_is_recorded_as_the_option_would_be(
        app: Flask, asked: Say, answer: str, recorded: str) -> None:
    say = asked
    say("yes")
    assert first_line(app, "en", "person.consent") in say("1")  # talk now, then consent
    say(answer)
    assert state(app).choices["share_with_police_or_marac"].value == recorded


def test_polish_no_means_yeah_so_it_answers_nothing_in_a_polish_conversation(
        app: Flask, twilio: TwilioSigner, clock: MovableClock) -> None:
    clock.set(TUESDAY_10AM)
    ask_for_a_person(app, twilio, "pl")
    reply = say_to(twilio)("no")
    assert first_line(app, "pl", "pause.confirmed") not in reply
    assert "safe_to_talk" not in state(app).choices
    assert not state(app).paused


def test_ok_is_not_a_yes(app: Flask, asked: Say) -> None:
    asked("ok")
    assert "safe_to_talk" not in state(app).choices


def test_yes_after_stop_is_still_twilios_opt_in_and_the_flow_stays_silent(
        twilio: TwilioSigner, built: Services) -> None:
    twilio.sms("hello")
    twilio.sms("STOP")
    assert count(built, OptOut) == 1
    assert reply_text(twilio.sms("yes")) is None
    assert count(built, OptOut) == 0


@pytest.mark.parametrize(("answer", "expected"), [
    ("2", "pause.confirmed"), ("no", "pause.confirmed"), ("1", "person.how")])
def test_the_safety_question_can_still_be_answered_after_an_ok(
        app: Flask, asked: Say, answer: str, expected: str) -> None:
    say = asked
    assert first_line(app, "en", "person.noted") in say("ok")
    assert first_line(app, "en", expected) in say(answer)
    assert state(app).choices["safe_to_talk"].value == ("yes" if answer == "1" else "no")


def test_after_one_more_message_the_question_has_passed(app: Flask, asked: Say) -> None:
    say = asked
    say("ok")
    say("he works late on thursdays")
    say("1")
    assert "safe_to_talk" not in state(app).choices
