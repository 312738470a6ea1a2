"""The case page's suggested safe time reads the survivor's words in their own language (issue 23,
item 17): "pon-pt 18-20" from a Polish conversation is Monday to Friday, not every day."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import MovableClock
from tests.support.cases import claim, newest_case, open_case
from tests.support.staff import csrf_from
from tests.support.twilio_signing import TwilioSigner

PRIVATE_REPLY = "Hello, Quince meadow 3390: I can talk this evening if you can."
POLISH_PERSON_FLOW = ("dzień dobry", "3", "1", "2", "pon-pt 18-20", "3")


def test_the_suggestion_on_the_case_page_reads_the_conversation_s_language(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner) -> None:
    # By SMS: the web chat asks for a safe number before a safe time (flows/webchat.yaml).
    for words in POLISH_PERSON_FLOW:
        assert twilio.sms(words).status_code == 200
    case_id = newest_case(app)
    claim(advocate, case_id)
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert "pon-pt 18-20" in page
    window = re.search(r'id="window" name="window"[^>]*value="([^"]*)"', page)
    assert window is not None
    assert window.group(1) == "mon-fri 18:00-20:00"


def test_the_reply_check_says_when_a_reply_held_for_the_safe_time_goes(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, clock: MovableClock,
        caplog: pytest.LogCaptureFixture) -> None:
    # Summer, so London's time (18:00 BST) is not UTC's (17:00): the check shows London's.
    clock.set(datetime(2026, 7, 1, 10, 0, tzinfo=UTC))  # a Wednesday
    caplog.set_level(logging.DEBUG)
    case_id = open_case(twilio)
    claim(advocate, case_id)
    token = csrf_from(advocate, "/advocates/queue")
    advocate.post(f"/advocates/cases/{case_id}/window",
                  data={"csrf_token": token, "window": "daily 18:00-20:00"})
    check = advocate.post(f"/advocates/cases/{case_id}/reply/preview",
                          data={"csrf_token": token, "text": PRIVATE_REPLY})
    page = check.get_data(as_text=True)
    assert check.status_code == 200
    assert ("It will wait for the survivor's safe time (daily 18:00-20:00) and go at "
            "<strong>Wed 01 Jul 18:00</strong> (Europe/London time)") in page
    assert "Quince" not in caplog.text  # what the reply says is in no log
