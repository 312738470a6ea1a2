"""A web chat survivor who asked to be called at a safe number (issue 19, item 4): no call
until the number has texted the service; then the ordinary call-back machinery dials that
number from the service's number, inside the confirmed safe time."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.casework.test_call_backs import answer_and_press, ring
from tests.support.calls import OPEN_WINDOW, call_now, set_phone, set_window
from tests.support.cases import claim
from tests.support.fake_twilio import FakeTwilio
from tests.support.safe_numbers import CALL_ME, SAFE_NUMBER, number_given
from tests.support.twilio_signing import SERVICE_NUMBER, TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio"),
              pytest.mark.databases("sqlite", "postgresql")]


def test_the_safe_number_is_called_only_after_it_has_texted_us(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    given = number_given(app, choices=CALL_ME)
    claim(advocate, given.case_id)
    assert set_window(advocate, given.case_id, OPEN_WINDOW).status_code == 302
    assert set_phone(advocate).status_code == 302
    refused = call_now(advocate, given.case_id)
    assert refused.status_code == 409
    assert "Waiting for the survivor to text from the safe number" in refused.get_data(
        as_text=True)
    assert fake_twilio.calls == []

    assert twilio.sms("hello", sender=SAFE_NUMBER).status_code == 200
    bridge = answer_and_press(twilio, ring(advocate, fake_twilio, given.case_id))
    dial = bridge.find("Dial")
    assert dial is not None
    assert dial.attrib["callerId"] == SERVICE_NUMBER
    assert [n.text for n in dial.iter("Number")] == [SAFE_NUMBER]
    page = advocate.get(f"/advocates/cases/{given.case_id}").get_data(as_text=True)
    assert "900321" not in page
