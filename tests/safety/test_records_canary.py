"""Canaries through a case's records (issue 20): a note, a DASH assessment's answers and its
professional judgement, and a reason to share without consent, written through the staff
pages, are nowhere in clear at rest: not in the SQLite file after a WAL checkpoint, not in any
Redis value or the Redis dump, not in the log output (docs/threat-model.md, A4)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.content.checklist import load_checklist
from app.services import Services
from tests.support.canary import logged, redis_contents, redis_dump
from tests.support.cases import claim, open_case
from tests.support.servers import RedisServer
from tests.support.staff import csrf
from tests.support.twilio_signing import TwilioSigner

NOTE = "Quince harbour 6203 he keeps the spare key under the blue pot"
JUDGEMENT = "Vermilion ferret 4518 she thinks he will find the new flat"
REASON = "Tamarind beacon 7390 he said he would burn the house down"
QUESTIONS = load_checklist(Path(__file__).resolve().parents[2] / "flows").questions


def needles() -> list[bytes]:
    found = []
    for text in (NOTE, NOTE[:18], JUDGEMENT, JUDGEMENT[:18], REASON, REASON[:18]):
        found += [text.encode(), text.lower().encode(), text.encode("utf-16-le")]
    # An answer as the sealed JSON holds it, and as a form posts it.
    found += [f'"{QUESTIONS[0].id}": "yes"'.encode(), f"q-{QUESTIONS[0].id}=yes".encode()]
    return found


def assert_absent(blob: bytes, where: str) -> None:
    for needle in needles():
        assert needle not in blob, f"{needle!r} found in clear in {where}"


@pytest.fixture
def recorded(app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
             caplog: pytest.LogCaptureFixture) -> int:
    """An advocate claims a case and writes the canary note, then reads it back."""
    caplog.set_level(logging.DEBUG)
    case_id = open_case(twilio, sender="+447700900613")
    assert claim(advocate, case_id).status_code == 302
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert advocate.post(f"/advocates/cases/{case_id}/notes",
                         data={"csrf_token": csrf(page), "note": NOTE}).status_code == 302
    answers = {f"q-{q.id}": "yes" for q in QUESTIONS}
    page = advocate.get(f"/advocates/cases/{case_id}/risk").get_data(as_text=True)
    assert advocate.post(f"/advocates/cases/{case_id}/risk", data={
        "csrf_token": csrf(page), **answers, "level": "high",
        "judgement": JUDGEMENT}).status_code == 302
    assert advocate.post(f"/advocates/cases/{case_id}/referrals", data={
        "csrf_token": csrf(page), "agency": "marac", "on": "2026-12-01",
        "basis": "without_consent", "reason": REASON}).status_code == 302
    shown = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert NOTE in shown
    assert JUDGEMENT in shown
    assert REASON in shown
    return case_id


def test_the_records_are_not_in_the_sqlite_file_after_a_checkpoint(
        recorded: int, built: Services, database_path: Path) -> None:
    with built.database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    files = list(database_path.parent.glob(database_path.name + "*"))
    assert database_path in files
    for path in files:
        assert_absent(path.read_bytes(), str(path))


def test_the_records_are_not_in_redis(recorded: int, built: Services,
                                      redis_server: RedisServer) -> None:
    assert_absent(redis_contents(built.redis), "a Redis key or value")
    assert_absent(redis_dump(redis_server), "redis dump.rdb")


def test_the_records_are_not_in_the_logs(
        recorded: int, caplog: pytest.LogCaptureFixture,
        capfd: pytest.CaptureFixture[str]) -> None:
    output = logged(caplog, capfd)
    assert b"event=note.added" in output  # the capture saw the records being written
    assert b"event=risk.assessed" in output
    assert b"event=referral.recorded" in output
    assert_absent(output, "captured log output")
