"""An in-doubt reply never takes the message of a send still under way (issue 22, soak).

Two replies with the same words to one survivor: the first is left in doubt with nothing at
Twilio (Twilio answered 500 before creating it); the second is being sent, and Twilio has just
created its message, but its worker has not recorded the SID yet. The first, reconciled at that
moment, matched Twilio's messages by number and text, found the second's message recorded by
no row and took it: both rows then recorded one message and the first reply was never sent.
Now the first waits while a send to that number is under way, and afterwards sends its own.
Real SDK, real HTTP, the fake Twilio; both databases. Held by events, not by time.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.services import services
from app.worker import jobs
from tests.conftest import MovableClock
from tests.support.cases import claim, open_case, reply_rows, send_reply
from tests.support.fake_twilio import FakeTwilio
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
SAME_TEXT = "Are you safe to talk?"
HANG_DEADLINE = 300.0  # seconds; bounds a hang only


def test_an_in_doubt_reply_does_not_take_the_message_of_a_send_under_way(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        clock: MovableClock, monkeypatch: pytest.MonkeyPatch) -> None:
    clock.set(datetime.now(UTC))  # the fake Twilio dates messages by the real clock
    case_id = open_case(twilio)
    claim(advocate, case_id)
    fake_twilio.fail_next(500)  # the first reply: in doubt, and nothing at Twilio
    assert send_reply(advocate, case_id, SAME_TEXT).status_code == 302
    with app.app_context():
        built = services()
        # The second reply is stored but its job not run: it is run below, held mid-send.
        monkeypatch.setattr(built.dispatcher, "reply", lambda _reply_id: True)
        sender = built.sender()
    assert send_reply(advocate, case_id, SAME_TEXT).status_code == 302
    first, second = sorted(reply_rows(app), key=lambda row: row.id)
    assert (first.status, second.status) == ("sending", "queued")

    created, recorded = threading.Event(), threading.Event()
    send = sender.send
    held: list[str] = []

    def send_then_hold_before_recording(to: str, body: str) -> str:
        sid = send(to, body)
        if not held:  # the second reply's send: Twilio has it, its row does not yet
            held.append(sid)
            created.set()
            recorded.wait(timeout=HANG_DEADLINE)
        return sid

    monkeypatch.setattr(sender, "send", send_then_hold_before_recording)
    results: list[str] = []

    def run_second() -> None:
        with app.app_context():
            results.append(jobs.send_reply(second.id))

    sending = threading.Thread(target=run_second)
    sending.start()
    try:
        assert created.wait(timeout=HANG_DEADLINE)
        clock.advance(timedelta(seconds=40))  # past the first's back-off, in the second's lease
        with app.app_context():
            assert jobs.send_reply(first.id) == "retry"  # a send to this number is under way
    finally:
        recorded.set()
        sending.join(timeout=HANG_DEADLINE)
    assert results == ["sent"]

    clock.advance(timedelta(minutes=1))  # past its wait: the second is recorded now
    with app.app_context():
        assert jobs.send_reply(first.id) == "sent"
    first, second = sorted(reply_rows(app), key=lambda row: row.id)
    assert (first.status, second.status) == ("sent", "sent")
    assert second.provider_sid == held[0]
    assert first.provider_sid != second.provider_sid
    assert fake_twilio.count(to=SURVIVOR, body=SAME_TEXT) == 2
