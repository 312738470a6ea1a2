"""Safe call-backs (issue 20, item 5): "Call now" rings the advocate's own phone through Twilio's
REST API, and the bridge TwiML dials the survivor from the service's number, only while the
outbound gate is open, asked before the advocate's phone rings and again before the dial."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.services import services
from app.storage.models import AuditEvent, Call
from tests.conftest import MovableClock
from tests.support.calls import (
    ADVOCATE_PHONE,
    CLOSED_WINDOW,
    asks_for_a_call,
    call_back_case,
    call_now,
    set_phone,
    set_window,
    voice,
)
from tests.support.cases import claim, newest_case, open_case
from tests.support.fake_twilio import FakeTwilio, PlacedCall
from tests.support.staff import csrf_from, make_advocate, sign_in
from tests.support.twilio_signing import SERVICE_NUMBER, SURVIVOR, TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio"),
              pytest.mark.databases("sqlite", "postgresql")]


def twiml(response_text: str) -> ET.Element:
    root = ET.fromstring(response_text)  # noqa: S314 -- our own TwiML
    assert root.tag == "Response"
    return root


def action_of(root: ET.Element, verb: str) -> str:
    element = root.find(verb)
    assert element is not None, f"no <{verb}> in the TwiML"
    return element.attrib["action"]


def ring(advocate: FlaskClient, fake_twilio: FakeTwilio, case_id: int) -> PlacedCall:
    """Press "Call now"; the call Twilio was asked to place."""
    response = call_now(advocate, case_id)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert len(fake_twilio.calls) == 1
    return fake_twilio.calls[0]


def answer_and_press(twilio: TwilioSigner, placed: PlacedCall, digits: str = "1") -> ET.Element:
    """The advocate's phone answers and the advocate presses `digits`: the TwiML that follows."""
    asked = twiml(voice(twilio, placed.url, placed.sid).get_data(as_text=True))
    connect = action_of(asked, "Gather")
    return twiml(voice(twilio, connect, placed.sid, Digits=digits).get_data(as_text=True))


def calls_of(app: Flask) -> list[Call]:
    with app.app_context(), services().database.session() as session:
        return list(session.scalars(select(Call).order_by(Call.id)))


def audit_actions(app: Flask) -> list[str]:
    with app.app_context(), services().database.session() as session:
        return [a for a in session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))
                if a.startswith("call.")]


def test_call_now_inside_the_window_rings_the_advocate_s_own_phone(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    case_id = call_back_case(twilio, advocate)
    placed = ring(advocate, fake_twilio, case_id)
    assert placed.to == ADVOCATE_PHONE
    assert placed.from_ == SERVICE_NUMBER
    # The call leg names our call id and nothing else: no number in any URL.
    for url in (placed.url, placed.status_callback or ""):
        assert url.startswith("https://quietline.example.org/webhooks/twilio/voice/")
        assert SURVIVOR not in url
        assert SURVIVOR[1:] not in url
        assert ADVOCATE_PHONE not in url
        assert ADVOCATE_PHONE[1:] not in url
    assert placed.status_callback_events == ("completed",)
    assert [c.status for c in calls_of(app)] == ["calling_advocate"]
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert "Ringing your phone now." in page


def test_the_advocate_hears_a_neutral_line_and_is_asked_to_press_1(
        advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio) -> None:
    placed = ring(advocate, fake_twilio, call_back_case(twilio, advocate))
    asked = twiml(voice(twilio, placed.url, placed.sid).get_data(as_text=True))
    gather = asked.find("Gather")
    assert gather is not None
    assert gather.attrib["numDigits"] == "1"
    said = " ".join(e.text or "" for e in asked.iter("Say"))
    assert "Press 1" in said
    assert asked.find("Dial") is None  # nobody is dialled before the key press
    assert SURVIVOR not in ET.tostring(asked, encoding="unicode")


def test_the_bridge_twiml_dials_the_survivor_from_the_service_number(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    placed = ring(advocate, fake_twilio, call_back_case(twilio, advocate))
    bridge = answer_and_press(twilio, placed)
    dial = bridge.find("Dial")
    assert dial is not None
    assert dial.attrib["callerId"] == SERVICE_NUMBER
    numbers = [n.text for n in dial.iter("Number")]
    assert numbers == [SURVIVOR]
    assert [c.status for c in calls_of(app)] == ["dialling_survivor"]
    assert audit_actions(app) == ["call.requested", "call.survivor_dialled"]


def test_call_now_outside_the_window_is_refused_with_a_clear_message(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    case_id = call_back_case(twilio, advocate, window=CLOSED_WINDOW)
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert "Outside the survivor&#39;s safe time (mon-fri 18:00-20:00)" in page
    response = call_now(advocate, case_id)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Not called. Outside the survivor&#39;s safe time (mon-fri 18:00-20:00). You can " \
           "call from Tue 01 Dec 18:00." in text
    assert fake_twilio.calls == []
    assert calls_of(app) == []
    assert audit_actions(app) == ["call.refused"]


def test_the_window_closing_before_the_key_press_stops_the_call(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        clock: MovableClock) -> None:
    placed = ring(advocate, fake_twilio, call_back_case(twilio, advocate))
    asked = twiml(voice(twilio, placed.url, placed.sid).get_data(as_text=True))
    clock.advance(timedelta(hours=2, minutes=1))  # 12:01, the window closed at 12:00
    bridge = twiml(voice(twilio, action_of(asked, "Gather"), placed.sid, Digits="1")
                   .get_data(as_text=True))
    assert bridge.find("Dial") is None
    assert [(c.outcome, c.stop_reason) for c in calls_of(app)] == [
        ("stopped", "outside_window")]


@pytest.mark.parametrize(("words", "reason"), [
    pytest.param(("bluebell",), "cannot_talk", id="duress-word"),
    pytest.param(("STOP",), "opted_out", id="stop"),
    pytest.param(("pause",), "paused", id="pause"),
    pytest.param(("erase", "1"), "erasure", id="erasure"),
])
def test_what_the_survivor_sends_between_ringing_and_bridging_stops_the_dial(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        words: tuple[str, ...], reason: str) -> None:
    case_id = call_back_case(twilio, advocate)
    placed = ring(advocate, fake_twilio, case_id)
    asked = twiml(voice(twilio, placed.url, placed.sid).get_data(as_text=True))
    for body in words:
        twilio.sms(body)
    bridge = twiml(voice(twilio, action_of(asked, "Gather"), placed.sid, Digits="1")
                   .get_data(as_text=True))
    assert bridge.find("Dial") is None
    assert SURVIVOR not in ET.tostring(bridge, encoding="unicode")
    said = " ".join(e.text or "" for e in bridge.iter("Say"))
    assert "The call cannot go ahead now." in said
    assert bridge.find("Hangup") is not None
    [call] = calls_of(app)
    assert (call.status, call.outcome) == ("ended", "stopped")
    # An erased case's reason is the erasure, whichever way the gate sees it.
    assert call.stop_reason == reason
    assert audit_actions(app) == ["call.requested", "call.stopped"]


def test_the_duress_word_before_the_phone_answers_stops_it_at_the_answer(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    placed = ring(advocate, fake_twilio, call_back_case(twilio, advocate))
    twilio.sms("bluebell")
    asked = twiml(voice(twilio, placed.url, placed.sid).get_data(as_text=True))
    assert asked.find("Gather") is None
    assert asked.find("Dial") is None
    assert [(c.outcome, c.stop_reason) for c in calls_of(app)] == [("stopped", "cannot_talk")]


def test_after_the_duress_word_call_now_is_refused(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    case_id = call_back_case(twilio, advocate)
    twilio.sms("bluebell")
    response = call_now(advocate, case_id)
    assert response.status_code == 409
    assert "Cannot talk: held." in response.get_data(as_text=True)
    assert fake_twilio.calls == []


def test_a_case_reassigned_before_the_key_press_is_not_dialled(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    case_id = call_back_case(twilio, advocate)
    placed = ring(advocate, fake_twilio, case_id)
    asked = twiml(voice(twilio, placed.url, placed.sid).get_data(as_text=True))
    supervisor = make_advocate(app, "s@example.org", "supervisor")
    make_advocate(app, "b@example.org")
    with app.app_context():
        built = services()
        member = built.accounts.find(supervisor.email)
        other = built.accounts.find("b@example.org")
        assert member is not None
        assert other is not None
        built.casework.reassign(case_id, member, other)
    bridge = twiml(voice(twilio, action_of(asked, "Gather"), placed.sid, Digits="1")
                   .get_data(as_text=True))
    assert bridge.find("Dial") is None
    assert [(c.outcome, c.stop_reason) for c in calls_of(app)] == [("stopped", "not_holder")]


def test_a_voicemail_that_presses_no_key_never_reaches_the_survivor(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    case_id = call_back_case(twilio, advocate)
    placed = ring(advocate, fake_twilio, case_id)
    voice(twilio, placed.url, placed.sid)
    # No key: Twilio runs the rest of the TwiML (hang up), then the call completes.
    assert voice(twilio, placed.status_callback or "", placed.sid,
                 CallStatus="completed").status_code == 204
    assert [(c.status, c.outcome) for c in calls_of(app)] == [("ended", "not_connected")]
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert "1 was not pressed, so the survivor was not called." in page


def test_another_key_than_1_does_not_dial(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    placed = ring(advocate, fake_twilio, call_back_case(twilio, advocate))
    bridge = answer_and_press(twilio, placed, digits="2")
    assert bridge.find("Dial") is None
    assert [c.outcome for c in calls_of(app)] == ["not_connected"]


@pytest.mark.parametrize(("dial_status", "outcome", "words"), [
    ("completed", "survivor_answered", "Connected: the survivor answered."),
    ("no-answer", "survivor_no_answer", "The survivor did not answer."),
    ("busy", "survivor_busy", "The survivor&#39;s line was busy."),
    ("failed", "failed", "The call failed"),
    ("canceled", "cancelled", "Hung up before the survivor answered."),
])
def test_how_the_dial_ended_is_recorded_and_shown_without_numbers(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        dial_status: str, outcome: str, words: str) -> None:
    case_id = call_back_case(twilio, advocate)
    placed = ring(advocate, fake_twilio, case_id)
    dialled = action_of(answer_and_press(twilio, placed), "Dial")
    after = twiml(voice(twilio, dialled, placed.sid, DialCallStatus=dial_status,
                        DialCallSid="CA" + "2" * 32).get_data(as_text=True))
    assert after.find("Hangup") is not None
    # The advocate's leg then completes; the outcome the dial gave stays.
    voice(twilio, placed.status_callback or "", placed.sid, CallStatus="completed")
    assert [(c.status, c.outcome) for c in calls_of(app)] == [("ended", outcome)]
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert words in page
    assert audit_actions(app) == ["call.requested", "call.survivor_dialled", "call.ended"]


@pytest.mark.parametrize("call_status", ["no-answer", "busy", "canceled"])
def test_the_advocate_s_phone_not_answering_is_recorded(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        call_status: str) -> None:
    case_id = call_back_case(twilio, advocate)
    placed = ring(advocate, fake_twilio, case_id)
    voice(twilio, placed.status_callback or "", placed.sid, CallStatus=call_status)
    assert [c.outcome for c in calls_of(app)] == ["advocate_no_answer"]
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert "Your phone did not answer, so the survivor was not called." in page


def test_twilio_refusing_the_call_is_a_clear_message_and_a_failed_call(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    case_id = call_back_case(twilio, advocate)
    fake_twilio.fail_next_call(400, 21211)
    response = call_now(advocate, case_id)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Twilio could not ring your phone." in text
    assert ADVOCATE_PHONE not in text
    assert [(c.outcome, c.error_kind) for c in calls_of(app)] == [("failed", "invalid_number")]
    # A failed call does not block the next one.
    assert call_now(advocate, case_id).status_code == 302
    assert len(fake_twilio.calls) == 1


def test_a_second_press_while_a_call_is_under_way_is_refused(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    case_id = call_back_case(twilio, advocate)
    ring(advocate, fake_twilio, case_id)
    again = call_now(advocate, case_id)
    assert again.status_code == 409
    assert "A call on this case is already under way." in again.get_data(as_text=True)
    assert len(fake_twilio.calls) == 1


def test_a_call_start_that_never_reached_twilio_stops_blocking_the_case(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        clock: MovableClock) -> None:
    case_id = call_back_case(twilio, advocate)
    with app.app_context():
        # As if the process died between storing the call and asking Twilio.
        services().calls._insert(services().casework.load(case_id),  # noqa: SLF001
                                 services().accounts.find("a@example.org"),  # type: ignore[arg-type]
                                 clock())
    assert call_now(advocate, case_id).status_code == 409
    clock.advance(timedelta(minutes=3))
    assert call_now(advocate, case_id).status_code == 302
    assert [c.outcome for c in calls_of(app)] == ["unknown", None]


def test_without_a_phone_of_their_own_the_advocate_is_told_to_add_one(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    case_id = call_back_case(twilio, advocate)
    assert set_phone(advocate, "").status_code == 302
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert 'id="call-no-phone"' in page
    assert 'id="call-now"' not in page
    response = call_now(advocate, case_id)
    assert response.status_code == 409
    assert "Add your own phone number first" in response.get_data(as_text=True)
    assert fake_twilio.calls == []


def test_a_survivor_who_did_not_ask_to_be_called_is_not_called(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    case_id = open_case(twilio)  # "person", no choice of how to be contacted
    claim(advocate, case_id)
    set_window(advocate, case_id, "daily 09:00-12:00")
    set_phone(advocate)
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert 'id="call-now"' not in page
    response = call_now(advocate, case_id)
    assert response.status_code == 409
    assert "did not ask to be called" in response.get_data(as_text=True)
    assert fake_twilio.calls == []


def test_a_window_must_be_confirmed_before_a_call(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    case_id = asks_for_a_call(twilio)
    claim(advocate, case_id)
    set_phone(advocate)
    response = call_now(advocate, case_id)
    assert response.status_code == 409
    assert "confirm their safe time" in response.get_data(as_text=True)
    assert fake_twilio.calls == []


def test_a_web_chat_case_has_nobody_to_call(
        app: Flask, advocate: FlaskClient, fake_twilio: FakeTwilio) -> None:
    survivor = app.test_client()
    token = survivor.post("/chat/start").get_json()["token"]
    for number, words in enumerate(("hello", "3", "1", "2", "weekday evenings", "3")):
        survivor.post("/chat/send", json={"token": token, "id": f"{number + 1:032x}",
                                          "text": words})
    case_id = newest_case(app)
    claim(advocate, case_id)
    set_window(advocate, case_id, "daily 09:00-12:00")
    set_phone(advocate)
    response = call_now(advocate, case_id)
    assert response.status_code == 409
    assert "web chat: there is no number to call" in response.get_data(as_text=True)
    assert fake_twilio.calls == []


def test_the_advocate_who_holds_the_case_sees_the_script_and_others_do_not_call(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    case_id = call_back_case(twilio, advocate)
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert 'id="call-script"' in page
    assert "is now a good time to talk?" in page
    assert "cover story" in page
    assert "hang up without leaving a message" in page
    other = make_advocate(app, "b@example.org")
    colleague = app.test_client()
    sign_in(colleague, other)
    set_phone(colleague)
    response = colleague.post(f"/advocates/cases/{case_id}/call",
                              data={"csrf_token": csrf_from(colleague, "/advocates/account/phone")})
    assert response.status_code == 403
    assert fake_twilio.calls == []


def test_a_call_that_cannot_be_started_at_all_is_refused_and_recorded_failed(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    case_id = call_back_case(twilio, advocate)

    def broken() -> None:
        raise RuntimeError("no Twilio client for " + ADVOCATE_PHONE)

    with app.app_context():
        services().calls.dialer = broken  # type: ignore[assignment]
    response = call_now(advocate, case_id)
    assert response.status_code == 409
    assert "The call could not be started." in response.get_data(as_text=True)
    assert [(c.status, c.outcome) for c in calls_of(app)] == [("ended", "failed")]
