"""In hours, an urgent message answered from a step other than the urgent one gets the urgent
reply: 999, then 999 and 55 from a mobile, and "our team reads it first".

A deployment's own keyword comes before triage (app/flows/engine.py, rule 2), so its word for
a person in a message triage reads as danger ("he is kicking the door in" below) is answered
from the person step. Before, that reply in hours said only "Someone from our team will read
your messages ... If you are in danger now, call 999." and asked "is it safe to be texting
now?": no Silent Solution, in a message that reads as danger now. Now the urgent reply comes
in its place, and the step's question follows the survivor's next reply, once, as it does out
of hours (app/conversation/reply_text.py, app/conversation/held.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text as text_sql

from app.casework.escalation import PRIORITY_RANK
from app.conversation.reply_text import with_hours
from app.services import Services, services
from tests.conftest import AUTH_TOKEN, AppWith, MovableClock
from tests.conversation.test_emergency_replies_hold_back import (
    GREETINGS,
    URGENT_PERSON,
    assert_fits_with_the_numbers,
    first_line,
    say_to,
    text,
    with_urgent_person_word,
)
from tests.support.cases import latest_case
from tests.support.staff import TUESDAY_10AM
from tests.support.twilio_signing import TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs")]
PERSON_STEP = ("person.requested", "person.safe_now")


@pytest.mark.parametrize("language", sorted(GREETINGS))
def test_an_urgent_request_for_a_person_in_hours_gets_the_urgent_reply_then_the_question(
        app_with: AppWith, tmp_path: Path, clock: MovableClock, language: str) -> None:
    app = with_urgent_person_word(app_with, tmp_path)
    twilio = TwilioSigner(app.test_client(), AUTH_TOKEN)
    say = say_to(twilio)
    question = first_line(app, language, "person.safe_now")
    clock.set(TUESDAY_10AM)
    say(GREETINGS[language])

    urgent = say(URGENT_PERSON)
    assert urgent.strip() == text(app, language, "urgent.reply").strip()
    assert_fits_with_the_numbers_in_hours(urgent)
    assert first_line(app, language, "person.requested") not in urgent
    assert question not in urgent
    with app.app_context(), services().database.engine.connect() as connection:
        priority = connection.execute(text_sql("SELECT priority FROM escalations WHERE id = :id"),
                                      {"id": latest_case(twilio)}).scalar()
    assert priority == PRIORITY_RANK["urgent"]

    later = say("ok")
    assert later.count(question) == 1, later
    assert question not in say("ok")  # once


def assert_fits_with_the_numbers_in_hours(reply: str) -> None:
    """999, then 55 (the Silent Solution), in the segments an emergency reply may take."""
    digits = reply.replace("\u00a0", " ")
    assert "999" in digits
    assert "55" in digits[digits.index("999", digits.index("999") + 3):]


def test_the_long_emergency_reply_still_fits_out_of_hours_beside_it(
        app_with: AppWith, tmp_path: Path, clock: MovableClock) -> None:
    """The out-of-hours reply, unchanged by this, still has the helpline as well."""
    app = with_urgent_person_word(app_with, tmp_path)
    say = say_to(TwilioSigner(app.test_client(), AUTH_TOKEN))
    clock.set(TUESDAY_10AM.replace(hour=22))
    assert_fits_with_the_numbers(say(URGENT_PERSON), "en")


def test_in_hours_the_urgent_reply_replaces_the_first_message_and_holds_the_rest(
        built: Services) -> None:
    composed = with_hours(built.conversations.deployment, TUESDAY_10AM, PERSON_STEP,
                          urgent=True, urgent_step=False)
    assert composed.reply_ids == ("urgent.reply",)
    assert composed.held == ("person.safe_now",)


def test_in_hours_a_step_that_pauses_keeps_its_promise_after_the_urgent_reply(
        built: Services) -> None:
    composed = with_hours(built.conversations.deployment, TUESDAY_10AM, ("pause.confirmed",),
                          urgent=True, urgent_step=False, pauses=True)
    assert composed.reply_ids == ("urgent.reply", "pause.confirmed")
    assert composed.held == ()


@pytest.mark.parametrize(("reply_ids", "urgent", "urgent_step"), [
    (PERSON_STEP, False, False),  # a routine request in hours: as the step says
    (("urgent.reply",), True, True),  # the urgent step's own reply
    (("emergency.options", "menu.return"), True, False),  # already the emergency options
])
def test_in_hours_other_replies_are_left_as_they_are(
        built: Services, reply_ids: tuple[str, ...], urgent: bool, urgent_step: bool) -> None:
    composed = with_hours(built.conversations.deployment, TUESDAY_10AM, reply_ids,
                          urgent=urgent, urgent_step=urgent_step)
    assert composed.reply_ids == reply_ids
    assert composed.held == ()
