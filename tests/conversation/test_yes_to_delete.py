"""A yes or a no in the survivor's own words answers "Do you want us to delete this
conversation? Reply 1 to delete it, or 2 to keep it" as 1 and 2 do (flows/answers.yaml).

Found by trying it by SMS: "yes", "نعم" and "tak" to that question were answered "Okay,
nothing has been deleted" and the conversation stayed, so a survivor who asked for everything
to be erased, and said yes when asked, was left with it on our side.
"""

from __future__ import annotations

import pytest
from flask import Flask

from app.storage.models import Conversation, Message
from tests.conftest import MovableClock
from tests.conversation.test_emergency_replies_hold_back import GREETINGS, first_line, say_to
from tests.conversation.test_yes_and_no_in_their_words import ANSWERS
from tests.lifecycle.test_erasure import count
from tests.support.staff import TUESDAY_10AM
from tests.support.twilio_signing import TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs")]


# (which answer, the reply it gets, conversations left): a yes erases, a no keeps.
OUTCOMES = [(1, "erase.done", 0), (0, "erase.kept", 1)]


@pytest.mark.parametrize("language", sorted(ANSWERS))
@pytest.mark.parametrize(("which", "expected", "left"), OUTCOMES, ids=["yes", "no"])
def test_yes_or_no_in_their_words_answers_the_delete_question(
        app: Flask, twilio: TwilioSigner, clock: MovableClock, language: str, which: int,
        expected: str, left: int) -> None:
    clock.set(TUESDAY_10AM)
    say = say_to(twilio)
    say(GREETINGS[language])
    assert first_line(app, language, "erase.confirm") in say("delete")
    assert first_line(app, language, expected) in say(ANSWERS[language][which])
    assert count(app, Conversation) == left
    if not left:
        assert count(app, Message) == 0


def test_polish_no_deletes_nothing_in_a_polish_conversation(
        app: Flask, twilio: TwilioSigner, clock: MovableClock) -> None:
    # Polish "no" is "yeah": it answers nothing, and nothing is erased on a word that is not
    # plainly a yes.
    clock.set(TUESDAY_10AM)
    say = say_to(twilio)
    say(GREETINGS["pl"])
    say("usuń")
    assert first_line(app, "pl", "erase.done") not in say("no")
    assert count(app, Conversation) == 1
