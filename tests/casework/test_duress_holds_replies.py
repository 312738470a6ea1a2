"""After the duress word nothing goes to the survivor until they write normally again.

Issue 23, item 2: the survivor got the cover reply, but an advocate's reply still went out. Now
cover mode holds every outbound message (the outbound gate's "cannot_talk"), the advocate sees
why on the case page, and the reply goes only after the survivor writes normally once the
conversation has been idle (the deployment's `conversation.idle_minutes`).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.services import services
from app.worker import sweeper
from tests.conftest import MovableClock
from tests.support.cases import claim, newest_case, reply_rows, send_reply
from tests.support.fake_twilio import FakeTwilio
from tests.support.sms import reply_text
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
REPLY = "Hello, this is Sam. I can talk now if you can."
COVER = "Thanks, got it. Speak soon."
HELD = "Cannot talk: held."


def say(twilio: TwilioSigner, body: str) -> str:
    text = reply_text(twilio.sms(body))
    assert text is not None
    return text


def claim_and_reply(advocate: FlaskClient, case_id: int, text: str) -> str:
    """Claim the case, send `text`, and return the case page as the advocate then sees it."""
    claim(advocate, case_id)
    assert send_reply(advocate, case_id, text).status_code == 302
    return advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)


def replies(app: Flask) -> list[tuple[str, str | None]]:
    return [(r.status, r.hold_reason) for r in reply_rows(app)]


def sweep(app: Flask) -> None:
    with app.app_context():
        sweeper.sweep()


def idle(app: Flask) -> timedelta:
    with app.app_context():
        minutes = services().settings.deployment.conversation_idle_minutes
    return timedelta(minutes=minutes)


@pytest.fixture
def duress_case(app: Flask, advocate: FlaskClient, twilio: TwilioSigner) -> int:
    """A survivor who sent the duress word; an advocate signed in. Returns the case id."""
    say(twilio, "hello")
    assert say(twilio, "bluebell") == COVER
    return newest_case(app)


def test_a_reply_after_the_duress_word_is_held_until_the_survivor_writes_normally(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, clock: MovableClock,
        fake_twilio: FakeTwilio, duress_case: int) -> None:
    page = claim_and_reply(advocate, duress_case, REPLY)
    sweep(app)
    assert fake_twilio.count(to=SURVIVOR) == 0
    assert replies(app) == [("held", "cannot_talk")]
    assert HELD in page  # the advocate sees why
    assert "held (cannot talk)" in page
    # Within the idle period every message still gets the cover reply, and nothing goes.
    clock.advance(timedelta(minutes=30))
    assert say(twilio, "are you there?") == COVER
    sweep(app)
    assert fake_twilio.count(to=SURVIVOR) == 0
    # Idle, but the survivor has not written: still nothing (we never write first).
    clock.advance(idle(app) + timedelta(minutes=1))
    sweep(app)
    assert fake_twilio.count(to=SURVIVOR) == 0
    assert HELD in advocate.get(f"/advocates/cases/{duress_case}").get_data(as_text=True)
    # The survivor writes normally after the idle period: the reply follows.
    assert say(twilio, "hello") != COVER
    sweep(app)
    assert fake_twilio.count(to=SURVIVOR) == 1
    assert fake_twilio.count(to=SURVIVOR, body=REPLY) == 1
    assert replies(app) == [("sent", None)]
    assert HELD not in advocate.get(f"/advocates/cases/{duress_case}").get_data(as_text=True)


def test_the_duress_word_again_after_the_idle_period_keeps_holding(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, clock: MovableClock,
        fake_twilio: FakeTwilio, duress_case: int) -> None:
    claim_and_reply(advocate, duress_case, REPLY)
    clock.advance(idle(app) + timedelta(minutes=1))
    assert say(twilio, "bluebell") == COVER
    sweep(app)
    assert fake_twilio.count(to=SURVIVOR) == 0
    assert replies(app) == [("held", "cannot_talk")]


def test_a_reply_sent_before_the_duress_word_is_held_too(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, clock: MovableClock,
        fake_twilio: FakeTwilio) -> None:
    """An advocate's reply waiting for a safe time must not go out once the word is sent."""
    say(twilio, "person")
    say(twilio, "pause")  # held: "paused"
    claim_and_reply(advocate, newest_case(app), REPLY)
    assert say(twilio, "bluebell") == COVER  # writing lifts the pause, the word covers
    sweep(app)
    assert fake_twilio.count(to=SURVIVOR) == 0
    assert replies(app) == [("held", "cannot_talk")]


def test_a_web_chat_reply_after_the_duress_word_is_not_handed_to_the_page(
        app: Flask, advocate: FlaskClient, clock: MovableClock) -> None:
    """The page polls for replies; in cover mode it gets none, however often it asks. (A web
    chat idle past the timeout is ended, so a reply held in it is never delivered at all.)"""
    survivor = app.test_client()
    token = survivor.post("/chat/start").get_json()["token"]

    def chat(text: str) -> list[str]:
        sent = survivor.post("/chat/send", json={"token": token, "id": uuid.uuid4().hex,
                                                 "text": text})
        said: list[str] = sent.get_json()["replies"]
        return said

    def poll() -> list[str]:
        collected: list[str] = survivor.post("/chat/poll", json={"token": token}).get_json()[
            "replies"]
        return collected

    chat("hello")
    assert chat("bluebell") == [COVER]
    assert HELD in claim_and_reply(advocate, newest_case(app), REPLY)
    assert poll() == []
    clock.advance(timedelta(minutes=10))
    assert chat("hello?") == [COVER]
    assert poll() == []
    assert replies(app) == [("held", "cannot_talk")]
