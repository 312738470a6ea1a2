"""The case page's suggested safe time reads the survivor's words in their own language (issue 23,
item 17): "pon-pt 18-20" from a Polish conversation is Monday to Friday, not every day."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.support.cases import claim, newest_case
from tests.support.twilio_signing import TwilioSigner

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
