"""The case page shows how far a reply got, whatever order Twilio's callbacks arrive in.

Twilio does not promise its status callbacks arrive in order. Before, the page showed the last
to arrive: a "sent" that came in after "undelivered" showed the failed reply as "sent to the
network", and the advocate had no reason to try the survivor another way.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from app.outbound.receipts import furthest
from tests.support.cases import sent_reply
from tests.support.fake_twilio import FakeTwilio
from tests.support.twilio_signing import TwilioSigner

REPLY = "Hello, this is Sam. I can talk now if you can."


@pytest.mark.parametrize(("arrived", "shown"), [
    (["queued", "sent", "delivered"], "delivered"),
    (["undelivered", "sent", "queued"], "undelivered"),
    (["failed", "sending"], "failed"),
    (["delivered", "sent"], "delivered"),
    (["read", "delivered"], "read"),
    (["sent"], "sent"),
    ([], None),
])
def test_the_furthest_status_stands(arrived: list[str], shown: str | None) -> None:
    assert furthest(arrived) == shown


@pytest.mark.usefixtures("fake_twilio", "inline_jobs")  # before the app is built
@pytest.mark.databases("sqlite", "postgresql")
def test_a_late_sent_does_not_hide_that_a_reply_was_not_delivered(
        advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio) -> None:
    case_id, sent = sent_reply(advocate, twilio, fake_twilio, REPLY)
    for status in ("undelivered", "sent", "queued"):  # as they arrived, out of order
        answer = twilio.post("/webhooks/twilio/status", {"MessageSid": sent.sid,
                                                         "MessageStatus": status})
        assert answer.status_code == 204
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert "phone network: not delivered" in page
    assert "phone network: sent to the network" not in page
