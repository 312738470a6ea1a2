"""Reconciling an in-doubt send never takes another row's message for its own.

After a worker dies mid-send, or Twilio times out or answers 5xx, a reply is "in doubt" and the
next attempt asks Twilio for a message with exactly its text to the same number (app/outbound/
exactly_once.py). An advocate may send the same words twice to one survivor ("Are you safe to
talk?"): the first, already recorded as sent, must not be taken for the second, which would
then be marked sent and never reach the survivor. Real SDK, real HTTP, the fake Twilio.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select

from app.outbound.exactly_once import recorded_elsewhere
from app.services import services
from app.storage.models import Alert, ProviderDeletion, SlaAlert, table_of
from app.worker import sweeper
from tests.conftest import MovableClock
from tests.support.cases import claim, open_case, reply_rows, send_reply
from tests.support.fake_twilio import FakeTwilio
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
SAME_TEXT = "Are you safe to talk?"


def sweep(app: Flask) -> None:
    with app.app_context():
        sweeper.sweep()


def in_doubt_second_reply(app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
                          fake_twilio: FakeTwilio, clock: MovableClock) -> None:
    """The same words sent twice to one survivor: the first sent and recorded, the second
    left in doubt by a 500 (Twilio may have taken it)."""
    clock.set(datetime.now(UTC))  # the fake Twilio dates messages by the real clock
    case_id = open_case(twilio)
    claim(advocate, case_id)
    assert send_reply(advocate, case_id, SAME_TEXT).status_code == 302
    assert fake_twilio.count(to=SURVIVOR, body=SAME_TEXT) == 1
    fake_twilio.fail_next(500)
    assert send_reply(advocate, case_id, SAME_TEXT).status_code == 302
    first, second = sorted(reply_rows(app), key=lambda row: row.id)
    assert (first.status, second.status) == ("sent", "sending")


def test_an_in_doubt_reply_is_not_reconciled_to_an_earlier_reply_with_the_same_text(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        clock: MovableClock) -> None:
    in_doubt_second_reply(app, advocate, twilio, fake_twilio, clock)
    clock.advance(timedelta(minutes=2))  # past the back-off: the sweeper tries again
    sweep(app)

    first, second = sorted(reply_rows(app), key=lambda row: row.id)
    assert second.status == "sent"
    assert fake_twilio.count(to=SURVIVOR, body=SAME_TEXT) == 2
    assert first.provider_sid != second.provider_sid
    assert {first.provider_sid, second.provider_sid} == {
        m.sid for m in fake_twilio.messages if m.to == SURVIVOR and m.body == SAME_TEXT}
    sweep(app)  # and nothing more later
    assert fake_twilio.count(to=SURVIVOR, body=SAME_TEXT) == 2


def test_an_in_doubt_reply_that_reached_twilio_is_found_not_sent_again(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        clock: MovableClock) -> None:
    in_doubt_second_reply(app, advocate, twilio, fake_twilio, clock)
    # As if Twilio had created the second message before its 500.
    with app.app_context():
        reached = services().sender().send(SURVIVOR, SAME_TEXT)
    clock.advance(timedelta(minutes=2))
    sweep(app)

    first, second = sorted(reply_rows(app), key=lambda row: row.id)
    assert (second.status, second.provider_sid) == ("sent", reached)
    assert first.provider_sid != reached
    assert fake_twilio.count(to=SURVIVOR, body=SAME_TEXT) == 2


def test_a_message_an_alert_recorded_is_not_another_tables_row(
        app: Flask, twilio: TwilioSigner) -> None:
    """An SLA chase repeats the case's alert text to the same phone: an in-doubt chase must not
    take the first alert's message for its own; a row's own SID does not count against it."""
    case_id = open_case(twilio)
    first, second, erased = ("SM" + digit * 32 for digit in "abc")
    with app.app_context(), services().database.transaction() as connection:
        connection.execute(insert(table_of(Alert)).values(
            escalation_id=case_id, target="on_call:0", status="sent", attempts=1,
            provider_sid=first, created_at=datetime.now(UTC)))
        connection.execute(insert(table_of(ProviderDeletion)).values(
            provider_sid=erased, status="pending", created_at=datetime.now(UTC)))
        # By its SID: in opening hours the case's own alert to the team's phones is a row too.
        alert_id = connection.execute(select(table_of(Alert).c.id).where(
            table_of(Alert).c.provider_sid == first)).scalar_one()
        assert recorded_elsewhere(connection, [first, second, erased], table_of(SlaAlert),
                                  1) == {first, erased}
        assert recorded_elsewhere(connection, [first, second], table_of(Alert),
                                  alert_id) == set()
