"""The voice webhooks of safe call-backs are checked like SMS (docs/threat-model.md, A3): Twilio's
signature over PUBLIC_BASE_URL + path + query, forged or unsigned refused with nothing changed,
retries changing nothing twice; whatever fails, nobody is dialled."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.services import services
from app.storage.models import AuditEvent, Call
from tests.support.calls import call_back_case, call_now, voice, webhook_path
from tests.support.fake_twilio import FakeTwilio, PlacedCall
from tests.support.twilio_signing import PUBLIC_BASE_URL, SURVIVOR, TwilioSigner

pytestmark = pytest.mark.usefixtures("fake_twilio")
CALL_SID = "CA" + "9" * 32


@pytest.fixture
def placed(advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio) -> PlacedCall:
    """A call-back under way: the advocate pressed "Call now"; Twilio is ringing their phone."""
    case_id = call_back_case(twilio, advocate)
    assert call_now(advocate, case_id).status_code == 302
    return fake_twilio.calls[0]


def connect_url(placed: PlacedCall) -> str:
    return placed.url.replace("/answer?", "/connect?")


def state(app: Flask) -> list[tuple[str, str | None]]:
    with app.app_context(), services().database.session() as session:
        return [(c.status, c.outcome) for c in session.scalars(select(Call))]


def audited(app: Flask, action: str) -> int:
    with app.app_context(), services().database.session() as session:
        return len(list(session.scalars(select(AuditEvent).where(AuditEvent.action == action))))


def dials(text: str) -> bool:
    return ET.fromstring(text).find("Dial") is not None  # noqa: S314 -- our own TwiML


@pytest.mark.parametrize("step", ["answer", "connect", "dialled", "status", "inbound"])
@pytest.mark.parametrize("signature", ["", "forged"])
def test_a_forged_or_unsigned_voice_webhook_is_refused_and_changes_nothing(
        app: Flask, twilio: TwilioSigner, placed: PlacedCall, step: str,
        signature: str) -> None:
    path = webhook_path(placed.url).replace("/answer?", f"/{step}?")
    form = {"CallSid": placed.sid, "Digits": "1", "CallStatus": "no-answer",
            "DialCallStatus": "completed"}
    response = twilio.post(path, form, signature=signature or "")
    assert response.status_code == 403
    assert SURVIVOR not in response.get_data(as_text=True)
    assert state(app) == [("calling_advocate", None)]


def test_a_signature_for_another_call_is_refused(
        app: Flask, twilio: TwilioSigner, placed: PlacedCall) -> None:
    """Twilio signs the query too: a genuine request for call 2 cannot be aimed at call 1."""
    form = {"CallSid": placed.sid, "Digits": "1"}
    other = webhook_path(connect_url(placed)).replace("call=1", "call=2")
    signature = twilio.signature(other, form)
    response = twilio.post(webhook_path(connect_url(placed)), form, signature=signature)
    assert response.status_code == 403
    assert state(app) == [("calling_advocate", None)]


def test_a_webhook_naming_another_twilio_call_dials_nobody(
        app: Flask, twilio: TwilioSigner, placed: PlacedCall) -> None:
    assert voice(twilio, placed.url, placed.sid).status_code == 200
    response = voice(twilio, connect_url(placed), CALL_SID, Digits="1")
    assert response.status_code == 200
    assert not dials(response.get_data(as_text=True))
    assert state(app) == [("advocate_answered", None)]


def test_an_unknown_call_id_dials_nobody(twilio: TwilioSigner, placed: PlacedCall) -> None:
    url = connect_url(placed).replace("call=1", "call=77")
    response = voice(twilio, url, placed.sid, Digits="1")
    assert response.status_code == 200
    assert not dials(response.get_data(as_text=True))


@pytest.mark.parametrize("query", ["", "?call=", "?call=abc", "?call=99999999999999"])
def test_a_malformed_call_id_is_answered_with_a_hang_up(
        twilio: TwilioSigner, placed: PlacedCall, query: str) -> None:
    path = "/webhooks/twilio/voice/connect" + query
    response = twilio.post(path, {"CallSid": placed.sid, "Digits": "1"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert not dials(text)
    assert "<Hangup" in text


def test_a_retried_key_press_dials_once_in_the_audit_and_asks_the_gate_again(
        app: Flask, twilio: TwilioSigner, placed: PlacedCall) -> None:
    voice(twilio, placed.url, placed.sid)
    first = voice(twilio, connect_url(placed), placed.sid, Digits="1")
    again = voice(twilio, connect_url(placed), placed.sid, Digits="1")
    assert dials(first.get_data(as_text=True))
    assert again.get_data(as_text=True) == first.get_data(as_text=True)
    assert audited(app, "call.survivor_dialled") == 1
    twilio.sms("bluebell")  # the duress word, then Twilio retries once more: no dial
    third = voice(twilio, connect_url(placed), placed.sid, Digits="1")
    assert not dials(third.get_data(as_text=True))


def test_a_retried_status_callback_changes_nothing_twice(
        app: Flask, twilio: TwilioSigner, placed: PlacedCall) -> None:
    for _ in range(3):
        response = voice(twilio, placed.status_callback or "", placed.sid,
                         CallStatus="no-answer")
        assert response.status_code == 204
    # A late, different status for the same call does not rewrite its outcome.
    voice(twilio, placed.status_callback or "", placed.sid, CallStatus="failed")
    assert state(app) == [("ended", "advocate_no_answer")]
    assert audited(app, "call.ended") == 1


def test_a_status_callback_without_its_fields_is_a_bad_request(
        twilio: TwilioSigner, placed: PlacedCall) -> None:
    response = twilio.post(webhook_path(placed.status_callback or ""), {"CallStatus": "busy"})
    assert response.status_code == 400


def test_a_failure_while_bridging_dials_nobody(
        app: Flask, twilio: TwilioSigner, placed: PlacedCall,
        monkeypatch: pytest.MonkeyPatch) -> None:
    voice(twilio, placed.url, placed.sid)

    def broken(*_args: object) -> None:
        raise RuntimeError("the vault is unreachable")

    monkeypatch.setattr("app.storage.transcripts.reply_address", broken)
    response = voice(twilio, connect_url(placed), placed.sid, Digits="1")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert not dials(text)
    assert "The call cannot go ahead now." in text


def test_calling_the_service_number_back_hears_nothing_about_the_service(
        app: Flask, twilio: TwilioSigner) -> None:
    response = twilio.post("/webhooks/twilio/voice/inbound", {
        "CallSid": CALL_SID, "From": SURVIVOR, "To": "+447700900000"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<Hangup" in text
    with app.app_context():
        name = services().settings.deployment.organisation_name
    for word in (name, "Quietline", "abuse", "helpline", "refuge", "advocate", "support"):
        assert word.casefold() not in text.casefold()


def test_the_webhook_urls_are_public_base_url_addresses(placed: PlacedCall) -> None:
    assert placed.url.startswith(PUBLIC_BASE_URL + "/webhooks/twilio/voice/answer?call=")
