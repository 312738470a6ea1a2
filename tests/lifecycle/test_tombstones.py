"""What an erased case leaves, and for how long (app/lifecycle/tombstones.py).

docs/threat-model.md, "After erasure": the tombstone keeps the days, not the times; no
priority, channel or language; and it is deleted by the retention run `[retention] days`
after the erasure, while the partnership report's counts stay as they were.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.services import services
from app.storage.models import Escalation, OptOut, ResumeWord
from app.storage.times import utc
from tests.conftest import MovableClock
from tests.support.report_counts import counted
from tests.support.twilio_signing import TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
SURVIVOR = "+447700900791"
WROTE = datetime(2026, 9, 1, 10, 17, 43, tzinfo=UTC)  # the demo deployment keeps 90 days
ERASED = WROTE + timedelta(hours=3, minutes=9)


@pytest.fixture
def erased(app: Flask, twilio: TwilioSigner, clock: MovableClock) -> None:
    """An urgent case ("cannot talk"), then the survivor's erasure three hours later."""
    clock.set(WROTE)
    twilio.sms("he is here, I can't talk, I need help now", sender=SURVIVOR)
    twilio.sms("person", sender=SURVIVOR)
    clock.set(ERASED)
    twilio.sms("delete", sender=SURVIVOR)
    assert "This conversation will be deleted" in twilio.sms("1", sender=SURVIVOR).get_data(
        as_text=True)


def cases(app: Flask) -> list[Escalation]:
    with app.app_context(), services().database.session() as session:
        found = list(session.scalars(select(Escalation)))
        session.expunge_all()
        return found


def purge(app: Flask, tmp_path: Path) -> dict[str, int]:
    report = tmp_path / "report.json"
    result = app.test_cli_runner().invoke(args=["retention", "purge", "--report", str(report)])
    assert result.exit_code == 0, result.output
    figures: dict[str, int] = json.loads(report.read_text(encoding="utf-8"))
    return figures


def test_the_tombstone_keeps_days_not_times_and_no_priority_channel_or_language(
        app: Flask, erased: None) -> None:
    (case,) = cases(app)
    assert (case.status, case.closed_reason, case.conversation_id) == (
        "closed", "closed_by_survivor", None)
    assert utc(case.created_at) == datetime(2026, 9, 1, tzinfo=UTC)
    assert case.closed_at is not None
    assert utc(case.closed_at) == datetime(2026, 9, 1, tzinfo=UTC)
    assert (case.priority, case.channel, case.language) == (0, "", "")


def test_the_tombstone_goes_retention_days_after_the_erasure_and_the_report_keeps_its_counts(
        app: Flask, erased: None, clock: MovableClock, tmp_path: Path) -> None:
    before = counted(app)
    assert before["case_priority"] == 1
    clock.set(ERASED + timedelta(days=89))
    assert purge(app, tmp_path)["tombstones_deleted"] == 0
    assert len(cases(app)) == 1  # an advocate who worked it still sees it was erased
    clock.set(ERASED + timedelta(days=91))
    assert purge(app, tmp_path)["tombstones_deleted"] == 1
    assert cases(app) == []
    assert counted(app) == before


def count(app: Flask, model: type) -> int:
    with app.app_context(), services().database.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_resume_word_goes_with_retention_once_no_conversation_is_left_but_stop_stays(
        app: Flask, twilio: TwilioSigner, clock: MovableClock, tmp_path: Path) -> None:
    clock.set(WROTE)
    for body in ("my word", "Lavender-Kettle", "STOP", "START", "STOP", "START", "delete", "1"):
        twilio.sms(body, sender=SURVIVOR)
    twilio.sms("STOP", sender=SURVIVOR)  # no conversation: STOP is a contact's record
    assert (count(app, ResumeWord), count(app, OptOut)) == (1, 1)
    clock.set(WROTE + timedelta(days=91))
    assert purge(app, tmp_path)["resume_words_deleted"] == 1
    # Nothing is left before a later conversation for the word to guard; STOP is for good.
    assert (count(app, ResumeWord), count(app, OptOut)) == (0, 1)
