"""Safe call-backs leave no number in clear (issue 20, item 5; docs/threat-model.md, A4): a whole
call, from "Call now" to the outcome, then neither the survivor's nor the advocate's number is
in the SQLite file, the Redis dump, the logs or any staff page's HTML, and the advocate's phone
hears no number either. Only the one TwiML answer that dials the survivor, to Twilio, holds it.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.services import services
from tests.support.calls import call_back_case, call_now, set_phone, voice
from tests.support.canary import logged, redis_dump
from tests.support.fake_twilio import FakeTwilio
from tests.support.servers import RedisServer
from tests.support.staff import make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

SURVIVOR_CANARY = "+447700900661"
ADVOCATE_CANARY = "+447700900662"


def needles(number: str) -> list[bytes]:
    digits = number[1:]  # 447700900661
    national = "0" + digits[2:]  # 07700900661
    forms = [number, digits, national, national[:5] + " " + national[5:], "%2B" + digits,
             digits[2:]]
    return [form.encode(enc) for form in forms for enc in ("utf-8", "utf-16-le")]


def assert_no_number(blob: bytes, where: str) -> None:
    for number in (SURVIVOR_CANARY, ADVOCATE_CANARY):
        for needle in needles(number):
            assert needle not in blob, f"{needle!r} found in clear in {where}"


@dataclass
class Called:
    pages: list[tuple[str, str]]  # (what, HTML) of every staff page seen
    advocate_twiml: list[str]  # what the advocate's phone was answered with, before the dial
    bridge: str  # the dial TwiML, for Twilio


@pytest.fixture
def called(fake_twilio: FakeTwilio, app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
           caplog: pytest.LogCaptureFixture) -> Called:
    caplog.set_level(logging.DEBUG)
    case_id = call_back_case(twilio, advocate, sender=SURVIVOR_CANARY)
    assert set_phone(advocate, "07700 900662").status_code == 302
    assert call_now(advocate, case_id).status_code == 302
    placed = fake_twilio.calls[0]
    assert placed.to == ADVOCATE_CANARY
    asked = voice(twilio, placed.url, placed.sid).get_data(as_text=True)
    bridge = voice(twilio, placed.url.replace("/answer?", "/connect?"), placed.sid,
                   Digits="1").get_data(as_text=True)
    dial = ET.fromstring(bridge).find("Dial")  # noqa: S314 -- our own TwiML
    assert dial is not None
    voice(twilio, dial.attrib["action"], placed.sid, DialCallStatus="completed")
    voice(twilio, placed.status_callback or "", placed.sid, CallStatus="completed")
    supervisor = make_advocate(app, "s@example.org", "supervisor")
    overseer = app.test_client()
    sign_in(overseer, supervisor)
    pages = [
        ("case page", advocate.get(f"/advocates/cases/{case_id}")),
        ("phone page", advocate.get("/advocates/account/phone")),
        ("queue", advocate.get("/advocates/queue")),
        ("queue json", advocate.get("/advocates/queue.json")),
        ("case, supervisor with a purpose",
         overseer.get(f"/advocates/cases/{case_id}?purpose=supervision")),
        ("audit trail", overseer.get("/advocates/audit")),
    ]
    for what, response in pages:
        assert response.status_code == 200, what
    return Called([(what, r.get_data(as_text=True)) for what, r in pages], [asked], bridge)


def test_the_bridge_is_the_only_answer_with_the_survivor_s_number(called: Called) -> None:
    assert SURVIVOR_CANARY in called.bridge
    assert ADVOCATE_CANARY not in called.bridge
    for twiml in called.advocate_twiml:
        assert_no_number(twiml.encode(), "the advocate's TwiML")


def test_no_number_is_in_any_staff_page(called: Called) -> None:
    for what, html in called.pages:
        assert_no_number(html.encode(), what)
    case_page = dict(called.pages)["case page"]
    assert "Connected: the survivor answered." in case_page
    assert "+44 … 662" in case_page  # the advocate's own, masked


def test_no_number_is_in_the_sqlite_file_after_a_checkpoint(
        called: Called, app: Flask, database_path: Path) -> None:
    with app.app_context(), services().database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    for path in database_path.parent.glob(database_path.name + "*"):
        assert_no_number(path.read_bytes(), str(path))


def test_no_number_is_in_the_redis_dump(called: Called, redis_server: RedisServer) -> None:
    assert_no_number(redis_dump(redis_server), "redis dump.rdb")


def test_no_number_is_in_the_logs(called: Called, caplog: pytest.LogCaptureFixture,
                                  capfd: pytest.CaptureFixture[str]) -> None:
    text = logged(caplog, capfd)
    assert b"event=call.started" in text
    assert b"event=voice.connect" in text
    assert_no_number(text, "the logs")
    # Nothing even tried: the redaction filter (app/logs.py) is the safety net, not the plan.
    assert b"[redacted]" not in text
