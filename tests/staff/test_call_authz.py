"""Who may place a safe call-back, as tables (app/staff/authz.py `can_call`, `still_holds`).

A call is a reply by voice: only the advocate or supervisor holding a claimed case places it;
an admin never does, a supervisor not holding the case does not (even with a purpose to read
it), nobody calls from an open or closed case. When the survivor is about to be dialled, the
advocate whose phone is on the line must still hold the case. Written out by hand, one row per
role and whether the member holds the case, one column per status.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.staff import authz
from tests.staff.test_authz import CASE_ARGS, HOLDS, ME, NOT_HOLDING, SOMEONE_ELSE, F, Row, T, table
from tests.staff.test_authz import case as case_facts
from tests.staff.test_authz import member as staff_member
from tests.support.calls import call_back_case, set_phone
from tests.support.fake_twilio import FakeTwilio
from tests.support.staff import csrf_from, make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

#        role          holds         open claimed closed
CALL: list[Row] = [
    ("advocate", HOLDS, F, T, F),
    ("advocate", NOT_HOLDING, F, F, F),
    ("supervisor", HOLDS, F, T, F),
    ("supervisor", NOT_HOLDING, F, F, F),
    ("admin", HOLDS, F, F, F),
    ("admin", NOT_HOLDING, F, F, F),
    ("volunteer", HOLDS, F, F, F),
    ("", HOLDS, F, F, F),
]


@pytest.mark.parametrize(CASE_ARGS, table(CALL))
def test_who_may_call(role: str, holds: bool, status: str, expected: bool) -> None:
    assert authz.can_call(staff_member(role), case_facts(status, holds)) is expected


@pytest.mark.parametrize(("status", "holder", "expected"), [
    pytest.param("claimed", ME, True, id="still-holds"),
    pytest.param("claimed", SOMEONE_ELSE, False, id="reassigned"),
    pytest.param("open", None, False, id="released"),
    pytest.param("closed", ME, False, id="closed"),
])
def test_who_still_holds_the_case_when_the_survivor_is_dialled(
        status: str, holder: int | None, expected: bool) -> None:
    facts = authz.CaseFacts(status=status, claimed_by=holder)
    assert authz.still_holds(ME, facts) is expected


@pytest.mark.usefixtures("fake_twilio")
@pytest.mark.parametrize(("role", "expected"), [
    pytest.param("advocate", 403, id="another-advocate"),
    pytest.param("supervisor", 403, id="supervisor-not-holding"),
    pytest.param("admin", 403, id="admin"),
])
def test_only_the_holder_s_call_now_reaches_twilio(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        role: str, expected: int) -> None:
    case_id = call_back_case(twilio, advocate)
    other = make_advocate(app, f"{role}.other@example.org", role)
    client = app.test_client()
    assert sign_in(client, other).status_code == 302
    assert set_phone(client).status_code == 302
    token = csrf_from(client, "/advocates/account/phone")
    response = client.post(f"/advocates/cases/{case_id}/call", data={"csrf_token": token})
    assert response.status_code == expected
    assert fake_twilio.calls == []


@pytest.mark.usefixtures("fake_twilio")
def test_call_now_needs_csrf_and_a_signed_in_advocate(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    case_id = call_back_case(twilio, advocate)
    assert advocate.post(f"/advocates/cases/{case_id}/call").status_code == 400
    stranger = app.test_client()
    token = csrf_from(stranger)
    signed_out = stranger.post(f"/advocates/cases/{case_id}/call", data={"csrf_token": token})
    assert signed_out.status_code == 302
    assert "/advocates/login" in signed_out.headers["Location"]
    assert fake_twilio.calls == []
