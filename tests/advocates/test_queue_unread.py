"""The queue marks a case its advocate holds when a survivor message came in that they have not
had on screen (issue 20, item 1). "Read" is: on their case page, at load or through a live
update while the tab was visible (app/storage/viewings.py)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.cases import claim, open_case
from tests.support.staff import make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")

SENDER = "+447700900124"


def unread(client: FlaskClient) -> dict[int, bool]:
    cases = client.get("/advocates/queue.json").get_json()["cases"]
    return {item["id"]: item["unread"] for item in cases}


def poll(client: FlaskClient, case_id: int, *, seen: bool) -> int:
    return client.get(f"/advocates/cases/{case_id}/live.json?after=0&seen={int(seen)}",
                      headers={"X-Requested-With": "fetch"}).status_code


def test_a_new_survivor_message_marks_the_holders_case_until_it_is_on_screen(
        app: Flask, client: FlaskClient, twilio: TwilioSigner) -> None:
    case_id = open_case(twilio, SENDER)
    sign_in(client, make_advocate(app, "ana@example.org"))
    claim(client, case_id)
    assert unread(client) == {case_id: True}  # claimed, never opened
    client.get(f"/advocates/cases/{case_id}")
    assert unread(client) == {case_id: False}

    twilio.sms("are you there?", sender=SENDER)
    assert unread(client) == {case_id: True}
    assert poll(client, case_id, seen=False) == 200  # delivered to a hidden tab
    assert unread(client) == {case_id: True}
    assert poll(client, case_id, seen=True) == 200
    assert unread(client) == {case_id: False}


def test_cases_someone_else_holds_or_nobody_holds_are_never_marked(
        app: Flask, client: FlaskClient, twilio: TwilioSigner) -> None:
    waiting = open_case(twilio, SENDER)
    held = open_case(twilio, "+447700900125")
    holder = app.test_client()
    sign_in(holder, make_advocate(app, "bo@example.org"))
    claim(holder, held)
    sign_in(client, make_advocate(app, "sue@example.org", "supervisor"))
    twilio.sms("hello?", sender="+447700900125")
    assert unread(client) == {waiting: False, held: False}
    assert unread(holder) == {waiting: False, held: True}
