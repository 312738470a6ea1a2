"""Erasure deletes Twilio's records of a survivor's call-backs, as it deletes the messages.

Before, Twilio kept the record of every call-back after the survivor erased the conversation:
the survivor's leg with their number (the service did not even keep that leg's id), and the
advocate's leg saying when this survivor was called. Now the survivor leg's id (DialCallSid)
is kept with the call, and erasure queues both legs for deletion like the messages.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.services import services
from app.storage.models import Call, ProviderDeletion
from tests.support.calls import call_back_case, call_now, voice
from tests.support.fake_twilio import FakeTwilio
from tests.support.twilio_signing import TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
SURVIVOR_LEG = "CA" + "5" * 32


def action(response_text: str, verb: str) -> str:
    element = ET.fromstring(response_text).find(verb)  # noqa: S314 -- our own TwiML
    assert element is not None, f"no <{verb}>"
    return element.attrib["action"]


def a_completed_call_back(twilio: TwilioSigner, advocate: FlaskClient, fake: FakeTwilio
                          ) -> str:
    """A survivor asked to be called, the advocate pressed Call now, answered, pressed 1, the
    survivor was dialled and talked; returns the advocate leg's id."""
    case_id = call_back_case(twilio, advocate)
    assert call_now(advocate, case_id).status_code == 302
    placed = fake.calls[0]
    connect = action(voice(twilio, placed.url, placed.sid).get_data(as_text=True), "Gather")
    dial = action(voice(twilio, connect, placed.sid, Digits="1").get_data(as_text=True),
                  "Dial")
    fake.add_dialled_leg(SURVIVOR_LEG)  # the call Twilio makes for the <Dial>
    voice(twilio, dial, placed.sid, DialCallStatus="completed", DialCallSid=SURVIVOR_LEG)
    voice(twilio, placed.status_callback or "", placed.sid, CallStatus="completed")
    return placed.sid


def test_the_survivor_leg_s_id_is_kept_with_the_call(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    a_completed_call_back(twilio, advocate, fake_twilio)
    with app.app_context(), services().database.session() as session:
        assert list(session.scalars(select(Call.survivor_call_sid))) == [SURVIVOR_LEG]


def test_erasure_deletes_both_legs_at_twilio(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    advocate_leg = a_completed_call_back(twilio, advocate, fake_twilio)
    twilio.sms("delete")
    assert "deleted" in twilio.sms("1").get_data(as_text=True)
    assert {advocate_leg, SURVIVOR_LEG} <= set(fake_twilio.deleted)
    with app.app_context(), services().database.session() as session:
        done = {d.provider_sid: d.status for d in session.scalars(select(ProviderDeletion))}
    assert done[SURVIVOR_LEG] == "done"
    assert done[advocate_leg] == "done"


def test_a_call_twilio_will_not_delete_yet_is_tried_again_not_redacted(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    a_completed_call_back(twilio, advocate, fake_twilio)
    fake_twilio.refuse_delete_next(times=50)  # every DELETE refused: "not complete yet"
    twilio.sms("delete")
    twilio.sms("1")
    with app.app_context(), services().database.session() as session:
        rows = {d.provider_sid: d for d in session.scalars(select(ProviderDeletion))}
    assert rows[SURVIVOR_LEG].status == "pending"  # tried again after a back-off
    assert not rows[SURVIVOR_LEG].redacted  # a call has no body to blank
    assert SURVIVOR_LEG not in fake_twilio.redacted
