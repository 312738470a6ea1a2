"""Who may write is decided before what they wrote is judged, on every staff POST that acts on
a case (staff6's finding: a non-holder posting an incomplete DASH or consent form was told to
"answer every question", 422, instead of 403).

A table of (who, form) -> answer, over forms that are each incomplete or wrong, on a case
another advocate holds. Someone the role table (tests/staff/test_authz.py,
test_records_authz.py) does not allow gets 403 whatever the form holds; someone it allows gets
the form's own refusal (400, 409 or 422), never a 403; nothing is written either way.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import MovableClock
from tests.support.cases import open_case
from tests.support.records import audit_rows
from tests.support.staff import csrf_from, make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

# Each form is refused on its content alone when the holder posts it.
FORMS: dict[str, dict[str, str]] = {
    "notes": {"note": "   "},
    "risk": {"level": "medium"},  # no question answered
    "consent": {"agency": "nowhere", "action": "given"},
    "consent/choice": {},
    "referrals": {"agency": "police", "on": "0001-01-01", "basis": "consent"},
    "reply": {"text": ""},
    "reply/preview": {"text": ""},
    "window": {"window": "when the moon is blue"},
    "close": {"reason": "no such reason"},
    "transfer": {"to": "nobody@example.org", "note": "over to you"},
    "reassign": {"to": "nobody@example.org"},
}
# Who may act on a case someone else holds, without stating a purpose (the role table).
ALLOWED = {
    "supervisor": {"close", "transfer", "reassign"},
    "admin": {"reassign"},
    "advocate": set(),
}
# What the holder is told about the same forms: the form's own refusal.
# consent/choice has nothing to judge (it copies the survivor's own choice); only supervisors
# and admins reassign.
HOLDER: dict[str, int] = {"notes": 422, "risk": 422, "consent": 422, "consent/choice": 302,
                          "referrals": 422, "reply": 422, "reply/preview": 422, "window": 400,
                          "close": 409, "transfer": 400, "reassign": 403}


@pytest.fixture
def held_by_ana(app: Flask, twilio: TwilioSigner, advocate: FlaskClient) -> int:
    """A case claimed by the `advocate` fixture (a@example.org)."""
    case_id = open_case(twilio)
    token = csrf_from(advocate, "/advocates/queue")
    assert advocate.post(f"/advocates/cases/{case_id}/claim",
                         data={"csrf_token": token}).status_code == 302
    return case_id


def colleague(app: Flask, clock: MovableClock, role: str) -> FlaskClient:
    clock.advance(timedelta(seconds=60))  # a fresh authenticator code for this sign-in
    client = app.test_client()
    assert sign_in(client, make_advocate(app, f"{role}2@example.org", role)).status_code == 302
    return client


def post(client: FlaskClient, case_id: int, path: str) -> int:
    token = csrf_from(client, "/advocates/sessions")
    return client.post(f"/advocates/cases/{case_id}/{path}",
                       data={"csrf_token": token, **FORMS[path]}).status_code


@pytest.mark.parametrize("role", ["advocate", "supervisor", "admin"])
def test_a_member_who_may_not_act_is_refused_before_the_form_is_judged(
        app: Flask, clock: MovableClock, held_by_ana: int, role: str) -> None:
    other = colleague(app, clock, role)
    before = len(audit_rows(app))
    answers = {path: post(other, held_by_ana, path) for path in FORMS}
    expected = {path: (answers[path] if path in ALLOWED[role] else 403) for path in FORMS}
    assert answers == expected
    assert all(answers[path] in (400, 409, 422) for path in ALLOWED[role]), answers
    written = [row.action for row in audit_rows(app)[before:]
               if not row.action.startswith(("staff.", "account."))]
    assert written == [], written


def test_the_holder_still_gets_the_forms_own_refusal(
        advocate: FlaskClient, held_by_ana: int) -> None:
    assert {path: post(advocate, held_by_ana, path) for path in FORMS} == HOLDER
