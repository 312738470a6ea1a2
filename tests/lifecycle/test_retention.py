"""Retention: what is past the deployment's retention days is erased, with a signed report."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.crypto import ReportSigner
from app.lifecycle import retention
from app.services import services
from app.storage.models import Conversation, Escalation, ProviderDeletion
from app.worker import sweeper
from tests.conftest import MovableClock
from tests.support.fake_twilio import FakeTwilio
from tests.support.report_counts import counted
from tests.support.twilio_signing import SERVICE_NUMBER, TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
START = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)  # the demo deployment keeps 90 days


def sms(twilio: TwilioSigner, fake: FakeTwilio, body: str, sender: str) -> None:
    params = twilio.sms_params(body, sender=sender)
    fake.add_inbound(params["MessageSid"], sender, SERVICE_NUMBER, body)
    twilio.post("/webhooks/twilio/sms", params)


def conversations(app: Flask) -> int:
    with app.app_context(), services().database.session() as session:
        return int(session.scalar(select(func.count()).select_from(Conversation)) or 0)


@pytest.fixture
def history(app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio,
            clock: MovableClock) -> None:
    """Three conversations: one old, one old with an open case, one recent."""
    clock.set(START)
    # Greeting keywords: no case. (The learned second opinion, on by default, reads some
    # longer greetings as asking for a person, which would open one.)
    sms(twilio, fake_twilio, "hello", "+447700900201")
    sms(twilio, fake_twilio, "person", "+447700900202")  # an open case, never closed
    clock.set(START + timedelta(days=80))
    sms(twilio, fake_twilio, "hi", "+447700900203")
    clock.set(START + timedelta(days=95))  # past 90 days for the first two only


def run_purge(app: Flask, tmp_path: Path) -> tuple[int, str]:
    report = tmp_path / "report.json"
    result = app.test_cli_runner().invoke(args=["retention", "purge", "--report", str(report)])
    return result.exit_code, report.read_text(encoding="utf-8") if report.exists() else ""


def test_purge_erases_only_what_is_past_retention_and_keeps_open_cases(
        app: Flask, history: None, tmp_path: Path, fake_twilio: FakeTwilio) -> None:
    code, report = run_purge(app, tmp_path)
    assert code == 0
    assert conversations(app) == 2  # the open case's conversation and the recent one
    figures = json.loads(report)
    assert (figures["conversations_deleted"], figures["kept_open_cases"]) == (1, 1)
    assert figures["provider_copies_queued"] == 1
    assert fake_twilio.deleted == [m.sid for m in fake_twilio.messages
                                   if m.from_ == "+447700900201"]
    assert "hello" not in report  # counts only: no text...
    assert "+44" not in report  # ...and no number


def test_a_closed_case_is_purged_at_the_next_run_with_its_case_and_the_report_keeps_it(
        app: Flask, history: None, tmp_path: Path) -> None:
    with app.app_context(), services().database.session() as session:
        case = session.scalars(select(Escalation)).one()
        case.status, case.closed_reason = "closed", "supported"
        session.commit()
    before = counted(app)
    run_purge(app, tmp_path)
    assert conversations(app) == 1
    with app.app_context(), services().database.session() as session:
        # No tombstone: the conversation was past retention already, nothing needs it.
        assert session.scalars(select(Escalation)).all() == []
    assert counted(app) == before  # the report counted the case when it happened


def test_the_report_verifies_and_any_change_is_detected(
        app: Flask, history: None, tmp_path: Path) -> None:
    _code, report = run_purge(app, tmp_path)
    path = tmp_path / "report.json"
    runner = app.test_cli_runner()
    assert "valid" in runner.invoke(args=["retention", "verify", str(path)]).output
    tampered = json.loads(report)
    tampered["conversations_deleted"] = 0
    path.write_text(json.dumps(tampered), encoding="utf-8")
    result = runner.invoke(args=["retention", "verify", str(path)])
    assert result.exit_code != 0
    assert "signature does not match" in result.output
    path.write_text("not json", encoding="utf-8")
    assert "not a retention report" in runner.invoke(args=["retention", "verify",
                                                           str(path)]).output


def test_a_purge_interrupted_half_way_completes_when_run_again(
        app: Flask, history: None, tmp_path: Path, clock: MovableClock) -> None:
    with app.app_context(), services().database.session() as session:
        for case in session.scalars(select(Escalation)):
            case.status = "closed"
        session.commit()
    with app.app_context():
        built = services()

        def stop(_n: int) -> None:
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            retention.purge(built.database, retention_days=90, now=clock(), progress=stop)
    assert conversations(app) == 2  # one erased whole, one untouched
    run_purge(app, tmp_path)
    assert conversations(app) == 1


def test_the_daily_run_is_enqueued_once_a_day_and_writes_a_signed_report(
        app: Flask, history: None) -> None:
    with app.app_context():
        services().redis.delete(sweeper.RETENTION_LOCK)
        assert sweeper.schedule_daily_purge() is True
        assert sweeper.schedule_daily_purge() is False  # already done today
        instance = services().settings.instance_path
        secret = services().settings.secret_key
        services().redis.delete(sweeper.RETENTION_LOCK)
    reports = list((instance / "retention-reports").glob("*.json"))
    assert len(reports) == 1
    fields = retention.verify_report(reports[0].read_text(encoding="utf-8"),
                                     ReportSigner(secret))
    assert fields["conversations_deleted"] == 1
    with app.app_context(), services().database.session() as session:
        assert {d.status for d in session.scalars(select(ProviderDeletion))} == {"done"}
