"""Bad input to the SMS webhook gets a clear, safe answer and loses nothing."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from app.services import Services
from app.storage import transcripts
from app.storage.models import Conversation, Message
from tests.support.sms import assert_emergency, count, reply_text
from tests.support.twilio_signing import TwilioSigner

# Storage-dependent: every test here runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.databases("sqlite", "postgresql")

def stored_inbound_bodies(built: Services) -> list[str]:
    with built.database.transaction() as connection:
        conversation_id = connection.execute(select(Conversation.id)).scalar_one()
        return [message.body for message in transcripts.transcript(connection, built.keyring,
                                                             conversation_id)
                if message.direction == "in"]


def test_empty_body_is_stored_and_answered_with_the_menu(
    twilio: TwilioSigner, built: Services
) -> None:
    text = reply_text(twilio.sms(""))
    assert text is not None
    assert "Reply with a number" in text
    assert stored_inbound_bodies(built) == [""]


def test_missing_body_field_is_treated_as_empty(twilio: TwilioSigner, built: Services) -> None:
    params = twilio.sms_params("x")
    del params["Body"]
    assert reply_text(twilio.post("/webhooks/twilio/sms", params)) is not None
    assert stored_inbound_bodies(built) == [""]


def test_100_kb_body_is_stored_whole_and_answered(twilio: TwilioSigner, built: Services) -> None:
    body = "a" * 100 * 1024
    assert reply_text(twilio.sms(body)) is not None
    assert stored_inbound_bodies(built) == [body]


def test_body_over_the_size_limit_gets_the_emergency_reply_and_stores_nothing(
    twilio: TwilioSigner, built: Services
) -> None:
    assert_emergency(reply_text(twilio.sms("a" * 300 * 1024)))
    assert count(built, Message) == 0


def decoded_form_body(raw: bytes) -> str:
    """What Flask's form parser makes of a raw body (invalid bytes never raise)."""
    builder = EnvironBuilder(method="POST", data=raw,
                             content_type="application/x-www-form-urlencoded")
    return str(Request(builder.get_environ()).form["Body"])


def test_invalid_utf8_is_decoded_safely_stored_and_answered(
    client: FlaskClient, twilio: TwilioSigner, built: Services
) -> None:
    invalid = b"Body=%FF%FE%C3"  # not UTF-8 once percent-decoded
    body = decoded_form_body(invalid)
    params = twilio.sms_params(body)
    signature = twilio.signature("/webhooks/twilio/sms", params)
    raw = urlencode({k: v for k, v in params.items() if k != "Body"}).encode() + b"&" + invalid
    response = client.post(
        "/webhooks/twilio/sms",
        data=raw,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature},
    )
    assert reply_text(response) is not None
    assert stored_inbound_bodies(built) == [body]


def test_invalid_utf8_with_a_signature_over_other_text_is_refused(
    client: FlaskClient, twilio: TwilioSigner, built: Services
) -> None:
    params = twilio.sms_params("hello")
    signature = twilio.signature("/webhooks/twilio/sms", params)
    raw = urlencode({k: v for k, v in params.items() if k != "Body"}).encode() + b"&Body=%FF"
    response = client.post("/webhooks/twilio/sms", data=raw, headers={
        "X-Twilio-Signature": signature}, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 403
    assert count(built, Message) == 0


@pytest.mark.parametrize("field", ["From", "MessageSid"])
def test_missing_identifying_field_gets_the_emergency_reply_and_stores_nothing(
    twilio: TwilioSigner, built: Services, field: str
) -> None:
    params = twilio.sms_params("hello")
    del params[field]
    assert_emergency(reply_text(twilio.post("/webhooks/twilio/sms", params)))
    assert count(built, Message) == 0


def test_malformed_message_sid_gets_the_emergency_reply_and_stores_nothing(
    twilio: TwilioSigner, built: Services
) -> None:
    assert_emergency(reply_text(twilio.sms("hello", sid="not-a-sid")))
    assert count(built, Message) == 0


def test_unknown_to_number_is_still_answered_stored_and_flagged(
    twilio: TwilioSigner, built: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    text = reply_text(twilio.sms("hello", To="+447700900999"))
    assert text is not None
    assert text.startswith("Hi,")
    assert count(built, Message) == 2
    assert any("event=sms.unknown_to" in r.getMessage() for r in caplog.records)


def test_get_on_the_webhook_is_refused_with_a_clear_message(
    client: FlaskClient, built: Services
) -> None:
    response = client.get("/webhooks/twilio/sms?From=%2B447700900123&Body=hi")
    assert response.status_code == 405
    assert response.headers["Allow"].startswith("POST") or "POST" in response.headers["Allow"]
    assert "HTTP POST" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert count(built, Message) == 0


def test_unknown_route_under_webhooks_is_a_plain_404(client: FlaskClient) -> None:
    response = client.post("/webhooks/twilio/nope")
    assert response.status_code == 404
    assert response.mimetype == "text/plain"


def test_fallback_serves_emergency_twiml_on_get_and_post(client: FlaskClient) -> None:
    for response in (client.get("/webhooks/twilio/fallback"),
                     client.post("/webhooks/twilio/fallback", data={"Body": "x"})):
        assert_emergency(reply_text(response))
        assert response.headers["Cache-Control"] == "no-store"


def test_flood_of_retries_of_one_sid_stores_one_message(
    twilio: TwilioSigner, built: Services
) -> None:
    params = twilio.sms_params("hello")
    replies = {reply_text(twilio.post("/webhooks/twilio/sms", params)) for _ in range(20)}
    assert len(replies) == 1
    with built.database.session() as session:
        inbound = session.scalar(
            select(func.count()).select_from(Message).where(Message.direction == "in"))
    assert inbound == 1
