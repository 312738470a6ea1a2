"""The live queue answers 304 while nothing but the waiting times would change (issue 22,
item 5): thirty advocates polling 1,000 cases twice a second would otherwise be sent 460 KiB
each, every time. Anything an advocate would see differently is a full answer at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import MovableClock
from tests.support.cases import claim, open_case
from tests.support.staff import TUESDAY_10AM, make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def poll(client: FlaskClient, etag: str | None = None) -> tuple[int, str, bytes]:
    answer = client.get("/advocates/queue.json",
                        headers={"If-None-Match": etag} if etag else {})
    assert answer.headers["Cache-Control"].startswith("no-store")
    return answer.status_code, answer.headers.get("ETag", ""), answer.get_data()


def test_an_unchanged_queue_is_a_304_and_any_change_a_full_answer(
        app: Flask, clock: MovableClock, twilio: TwilioSigner) -> None:
    clock.set(TUESDAY_10AM)
    case_id = open_case(twilio, "+447700900401")
    ana, bo = app.test_client(), app.test_client()
    sign_in(ana, make_advocate(app, "ana@example.org"))
    sign_in(bo, make_advocate(app, "bo@example.org"))
    status, etag, body = poll(ana)
    assert status == 200
    assert etag
    assert b'"cases":[' in body
    assert poll(ana, etag)[:2] == (304, etag)
    assert poll(ana, etag)[2] == b""
    clock.advance(timedelta(seconds=20))  # waiting times move on: the page does that itself
    assert poll(ana, etag)[0] == 304
    assert poll(bo, etag)[0] == 200  # another advocate's rows are not the same rows

    open_case(twilio, "+447700900402")  # a new case
    status, newer, _ = poll(ana, etag)
    assert status == 200
    assert newer != etag
    claim(bo, case_id)  # a colleague claims one: "claimed by" changes for everyone
    status, claimed, _ = poll(ana, newer)
    assert status == 200
    assert claimed != newer
    twilio.sms("are you there?", sender="+447700900401")  # unread, for the holder only
    assert poll(ana, claimed)[0] == 304
    status, bos, _ = poll(bo)
    assert poll(bo, bos)[0] == 304


def test_a_case_passing_its_response_target_is_a_full_answer(
        app: Flask, clock: MovableClock, twilio: TwilioSigner) -> None:
    clock.set(TUESDAY_10AM)
    twilio.sms("he is here now and he has a knife", sender="+447700900403")  # urgent
    staff = app.test_client()
    sign_in(staff, make_advocate(app, "cy@example.org"))
    status, etag, body = poll(staff)
    assert status == 200
    assert b'"overdue":null' in body
    clock.advance(timedelta(minutes=60))
    status, later, body = poll(staff, etag)
    assert status == 200
    assert later != etag
    assert b'"overdue":"Unclaimed for' in body
