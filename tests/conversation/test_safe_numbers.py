"""A safe number given in the web chat (issue 19, item 4): "text me" / "call me at a safe time".

Through the real /chat endpoints, the signed SMS webhook, the advocate's pages and the sweeper:
nothing goes to the number until it has written to the service itself; then the web case is
that number's conversation and behaves like an SMS case (safe-time window, STOP, pause, duress,
resume word). docs/threat-model.md, A2.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.services import Services
from app.storage import transcripts
from app.storage.models import Conversation, SafeNumber
from app.worker import sweeper
from tests.conftest import MovableClock
from tests.support.calls import set_window
from tests.support.cases import claim, latest_case, reply_rows, send_reply
from tests.support.fake_twilio import FakeTwilio
from tests.support.return_codes import chat
from tests.support.safe_numbers import (
    SAFE_NUMBER,
    asks_to_be_texted,
    give_number,
    number_given,
)
from tests.support.twilio_signing import SERVICE_NUMBER, TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
REPLY = "Hello, this is Sam. Is now a good time?"


def sweep(app: Flask) -> None:
    with app.app_context():
        sweeper.sweep()


def case_page(advocate: FlaskClient, case_id: int) -> str:
    return advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)


def test_the_reply_waits_for_the_number_then_goes_by_text_inside_the_safe_time(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        clock: MovableClock) -> None:
    given = number_given(app)
    assert SERVICE_NUMBER in str(given.answer["message"])
    assert "900321" not in str(given.answer)
    claim(advocate, given.case_id)
    assert send_reply(advocate, given.case_id, REPLY).status_code == 302
    (row,) = reply_rows(app)
    assert (row.status, row.hold_reason) == ("held", "awaiting_number")
    page = case_page(advocate, given.case_id)
    assert "Waiting for the survivor to text from the safe number" in page
    assert "900321" not in page
    sweep(app)
    assert fake_twilio.count(to=SAFE_NUMBER) == 0
    # The page left (quick exit): the reply still waits for the number, not cancelled.
    given.survivor.post("/chat/exit", data=given.token)
    sweep(app)
    assert reply_rows(app)[0].hold_reason == "awaiting_number"

    assert twilio.sms("hello", sender=SAFE_NUMBER).status_code == 200
    sweep(app)
    # Now an SMS case that asked to be texted at a safe time: an advocate confirms the window.
    assert reply_rows(app)[0].hold_reason == "needs_window"
    assert set_window(advocate, given.case_id, "daily 18:00-20:00").status_code == 302
    sweep(app)
    assert (reply_rows(app)[0].status, reply_rows(app)[0].hold_reason) == (
        "held", "outside_window")
    assert fake_twilio.count(to=SAFE_NUMBER) == 0
    clock.set(datetime(2026, 12, 1, 18, 1, tzinfo=UTC))
    sweep(app)
    sweep(app)
    sent = [m for m in fake_twilio.messages if m.to == SAFE_NUMBER]
    assert REPLY in [m.body for m in sent]
    assert reply_rows(app)[0].status == "sent"
    # A later text from the number finds the case: it is in the same conversation.
    twilio.sms("thank you, that time works", sender=SAFE_NUMBER)
    page = case_page(advocate, given.case_id)
    assert "thank you, that time works" in page
    assert "900321" not in page


@pytest.mark.parametrize(("first_text", "reason"), [
    pytest.param("STOP", "opted_out", id="stop"),
    pytest.param("bluebell", "cannot_talk", id="duress"),
    pytest.param("pause", "paused", id="pause"),
])
def test_stop_duress_or_pause_from_that_phone_hold_the_web_case(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        first_text: str, reason: str) -> None:
    given = number_given(app)
    claim(advocate, given.case_id)
    set_window(advocate, given.case_id, "daily 09:00-12:00")  # open now (Tuesday 10:00)
    assert twilio.sms(first_text, sender=SAFE_NUMBER).status_code == 200
    assert send_reply(advocate, given.case_id, REPLY).status_code == 302
    sweep(app)
    (row,) = reply_rows(app)
    assert (row.status, row.hold_reason) == ("held", reason)
    assert REPLY not in [m.body for m in fake_twilio.messages]


def test_a_number_that_is_not_a_uk_mobile_gets_a_clear_answer_and_the_code_is_still_offered(
        app: Flask, built: Services) -> None:
    survivor, token, payload = asks_to_be_texted(app)
    assert isinstance(payload["askNumber"], dict)
    for typed in ("+33 6 12 34 56 78", "020 7946 0000", "07000 123456", "0770090", "hello"):
        status, answer = give_number(survivor, token, typed)
        assert status == 400
        assert answer["error"] == "invalid"
        message = str(answer["message"])
        assert "UK mobile" in message
        assert "come back here later with a code" in message
        assert "999" in message
        assert typed not in message
    with built.database.transaction() as connection:
        assert connection.execute(select(SafeNumber)).all() == []
    come_back = chat(survivor, token, "2")
    assert isinstance(come_back.get("code"), str)


def test_a_number_is_taken_only_where_the_chat_asked_for_one(app: Flask) -> None:
    survivor = app.test_client()
    token = survivor.post("/chat/start").get_json()["token"]
    chat(survivor, token, "hello")
    status, answer = give_number(survivor, token, "07700 900321")
    assert (status, answer["error"]) == (409, "not_asked")
    status, answer = give_number(survivor, "not-a-token", "07700 900321")
    assert (status, answer["error"]) == (409, "not_asked")


def test_the_number_is_stored_only_sealed_and_never_in_the_transcript(
        app: Flask, built: Services) -> None:
    given = number_given(app, number="07700-900-321")
    with built.database.transaction() as connection:
        (conversation,) = connection.execute(select(Conversation)).all()
        (link,) = connection.execute(select(SafeNumber)).all()
        transcript = transcripts.transcript(connection, built.keyring, conversation.id)
        address = transcripts.reply_address(connection, built.keyring, conversation.id)
    assert address == SAFE_NUMBER  # sealed in contact_sealed, as every number is
    assert conversation.contact_sealed is not None
    assert b"900321" not in conversation.contact_sealed
    assert link.status == "waiting"
    assert "900321" not in link.contact_hash
    assert link.contact_hash == built.conversations.contact_hash("sms", SAFE_NUMBER)
    assert all("900321" not in m.body for m in transcript)
    assert given.case_id


def test_a_number_with_its_own_open_case_is_never_joined_and_nothing_is_sent_to_it(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        built: Services) -> None:
    twilio.sms("person", sender=SAFE_NUMBER)  # the number's own SMS case
    own_case = latest_case(twilio)
    given = number_given(app)
    claim(advocate, given.case_id)
    set_window(advocate, given.case_id, "daily 09:00-12:00")
    twilio.sms("hello it is me", sender=SAFE_NUMBER)
    assert send_reply(advocate, given.case_id, REPLY).status_code == 302
    sweep(app)
    (row,) = reply_rows(app)
    assert (row.status, row.hold_reason) == ("held", "number_apart")
    assert REPLY not in [m.body for m in fake_twilio.messages]
    # The text went to the number's own conversation; the transcripts stay apart.
    web_page = case_page(advocate, given.case_id)
    assert "hello it is me" not in web_page
    claim(advocate, own_case)
    own_page = case_page(advocate, own_case)
    assert "hello it is me" in own_page
    assert "weekdays 6-8pm" not in own_page


def test_a_number_that_wrote_before_without_a_case_is_joined_and_its_history_kept_apart(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, built: Services) -> None:
    twilio.sms("what are your opening times", sender=SAFE_NUMBER)  # no case
    given = number_given(app)
    twilio.sms("hello", sender=SAFE_NUMBER)
    with built.database.transaction() as connection:
        rows = connection.execute(select(Conversation).order_by(Conversation.created_at)).all()
        earlier, web = rows
        assert earlier.closed_at is not None  # its messages stay where they were
        assert (web.channel, web.closed_at) == ("sms", None)
        moved = transcripts.transcript(connection, built.keyring, web.id)
    assert "what are your opening times" not in [m.body for m in moved]
    assert "hello" in [m.body for m in moved]
    claim(advocate, given.case_id)
    assert "what are your opening times" not in case_page(advocate, given.case_id)


def test_the_numbers_resume_word_is_asked_before_anything_goes(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio) -> None:
    for text in ("my word", "saucepan"):  # the number set a resume word by text earlier
        twilio.sms(text, sender=SAFE_NUMBER)
    given = number_given(app)
    claim(advocate, given.case_id)
    set_window(advocate, given.case_id, "daily 09:00-12:00")
    twilio.sms("hello", sender=SAFE_NUMBER)
    assert send_reply(advocate, given.case_id, REPLY).status_code == 302
    sweep(app)
    assert reply_rows(app)[0].hold_reason == "locked"
    assert REPLY not in [m.body for m in fake_twilio.messages]
    twilio.sms("saucepan", sender=SAFE_NUMBER)
    sweep(app)
    sweep(app)
    assert REPLY in [m.body for m in fake_twilio.messages if m.to == SAFE_NUMBER]


def test_choosing_another_way_afterwards_forgets_the_number(
        app: Flask, advocate: FlaskClient, built: Services) -> None:
    given = number_given(app)
    for text in ("person", "1", "1"):  # asks again, and this time: chat here now
        chat(given.survivor, given.token, text)
    with built.database.transaction() as connection:
        assert connection.execute(select(SafeNumber)).all() == []
        (conversation,) = connection.execute(select(Conversation)).all()
    assert conversation.contact_sealed is None
    claim(advocate, given.case_id)
    assert send_reply(advocate, given.case_id, REPLY).status_code == 302
    assert (reply_rows(app)[0].status, reply_rows(app)[0].hold_reason) == ("queued", None)
    answer = given.survivor.post("/chat/poll", json={"token": given.token}).get_json()
    assert answer["replies"] == [REPLY]
