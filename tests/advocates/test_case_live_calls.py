"""The case page's live updates carry its safe call-backs (issue 20 follow-up, item 2): each
call's state (ringing, answered, no answer) and whether a call may be placed now, so "Call now"
shows how the call is going without a reload. No number is in them."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.casework.test_call_backs import answer_and_press, ring
from tests.support.calls import ADVOCATE_PHONE, call_back_case, voice
from tests.support.fake_twilio import FakeTwilio
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio"),
              pytest.mark.databases("sqlite", "postgresql")]


def live(client: FlaskClient, case_id: int) -> dict[str, object]:
    response = client.get(f"/advocates/cases/{case_id}/live.json?after=0&seen=1",
                          headers={"X-Requested-With": "fetch", "Accept": "application/json"})
    assert response.status_code == 200
    data = response.get_json()
    assert isinstance(data, dict)
    for number in (SURVIVOR, ADVOCATE_PHONE):
        assert number not in str(data)
        assert number[-9:] not in str(data)
    return data


def lines(data: dict[str, object]) -> list[str]:
    calls = data["calls"]
    assert isinstance(calls, list)
    return [c["line"] for c in calls]


def test_the_poll_follows_a_call_from_ringing_to_answered(
        advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio) -> None:
    case_id = call_back_case(twilio, advocate)
    assert advocate.get(f"/advocates/cases/{case_id}").status_code == 200
    before = live(advocate, case_id)
    assert lines(before) == []
    assert "you can call now" in str(before["call_window"])

    placed = ring(advocate, fake_twilio, case_id)
    (ringing,) = lines(live(advocate, case_id))
    assert ringing.endswith(", you: Ringing your phone now.")

    bridge = answer_and_press(twilio, placed)
    dial = bridge.find("Dial")
    assert dial is not None
    voice(twilio, dial.attrib["action"], placed.sid, DialCallStatus="completed")
    (answered,) = lines(live(advocate, case_id))
    assert answered.endswith(", you: Connected: the survivor answered.")


def test_the_poll_says_when_the_survivor_did_not_answer(
        advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio) -> None:
    case_id = call_back_case(twilio, advocate)
    advocate.get(f"/advocates/cases/{case_id}")
    placed = ring(advocate, fake_twilio, case_id)
    dial = answer_and_press(twilio, placed).find("Dial")
    assert dial is not None
    voice(twilio, dial.attrib["action"], placed.sid, DialCallStatus="no-answer")
    (line,) = lines(live(advocate, case_id))
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert 'data-call="' in page
    assert line.split(": ", 1)[1] in page.replace("&#39;", "'")
    assert "answer" in line.lower()
