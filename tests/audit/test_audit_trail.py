"""The audit trail: sealed in a keyed hash chain, tampering detected, browsed and exported by
supervisors and admins only, with no content."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select, update

from app.audit import chain as audit_chain
from app.crypto import ChainKey
from app.services import services
from app.storage.models import AuditEvent
from tests.conftest import MovableClock
from tests.support.cases import claim, open_case
from tests.support.staff import make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

# Storage-dependent: every test here runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.databases("sqlite", "postgresql")

CANARY = "Persimmon lantern 2207 he checks my phone every night"


@pytest.fixture
def trail(app: Flask, twilio: TwilioSigner, clock: MovableClock) -> int:
    """Some history: a case opened, claimed and read; then sealed a minute later."""
    clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    twilio.sms(CANARY)
    case_id = open_case(twilio)
    holder = make_advocate(app, "a@example.org")
    client = app.test_client()
    sign_in(client, holder)
    claim(client, case_id)
    client.get(f"/advocates/cases/{case_id}")
    clock.advance(timedelta(minutes=1))
    with app.app_context():
        built = services()
        assert audit_chain.seal(built.database, ChainKey(built.settings.secret_key),
                                clock()) >= 4
    return case_id


def verdict(app: Flask) -> audit_chain.Verdict:
    with app.app_context():
        built = services()
        return audit_chain.verify(built.database, ChainKey(built.settings.secret_key))


def test_a_sealed_trail_verifies(app: Flask, trail: int) -> None:
    result = verdict(app)
    assert result.intact
    assert result.checked >= 4


@pytest.mark.parametrize("tamper", ["change", "remove", "insert"])
def test_changing_removing_or_slipping_in_a_row_is_detected(
        app: Flask, trail: int, tamper: str) -> None:
    with app.app_context(), services().database.session() as session:
        ids = list(session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))
        target = ids[1]
        if tamper == "change":
            session.execute(update(AuditEvent).where(AuditEvent.id == target)
                            .values(actor="advocate:999"))
        elif tamper == "remove":
            session.execute(delete(AuditEvent).where(AuditEvent.id == target))
        else:  # a row written straight into the table, dated in the past
            session.execute(update(AuditEvent).where(AuditEvent.id == target)
                            .values(row_hash=None))
        session.commit()
    result = verdict(app)
    assert not result.intact
    assert result.broken_at is not None
    assert result.broken_at >= target


def test_the_verify_command_fails_on_a_broken_trail(app: Flask, trail: int) -> None:
    runner = app.test_cli_runner()
    assert "intact" in runner.invoke(args=["audit", "verify"]).output
    with app.app_context(), services().database.session() as session:
        first = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
        assert first is not None
        first.purpose = "safeguarding"
        session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert "broken at entry" in result.output


@pytest.mark.parametrize(("role", "allowed"), [("advocate", False), ("supervisor", True),
                                               ("admin", True)])
def test_only_supervisors_and_admins_read_the_trail(
        app: Flask, trail: int, role: str, allowed: bool) -> None:
    client = app.test_client()
    member = make_advocate(app, f"{role}@example.org", role)
    sign_in(client, member)
    for path in ("/advocates/audit", "/advocates/audit.csv"):
        response = client.get(path)
        assert response.status_code == (200 if allowed else 403), path
        assert CANARY not in response.get_data(as_text=True)


def test_the_page_filters_by_case_and_shows_who_viewed_it(
        app: Flask, client: FlaskClient, trail: int) -> None:
    member = make_advocate(app, "s@example.org", "supervisor")
    sign_in(client, member)
    page = client.get(f"/advocates/audit?case={trail}&actor=a@example.org")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "transcript.viewed" in html
    assert "case.claimed" in html
    assert "a@example.org" in html
    assert "The trail is intact" in html
    assert "escalation.requested" not in html  # by the survivor, filtered out


def test_the_csv_export_names_advocates_and_holds_no_content(
        app: Flask, client: FlaskClient, trail: int) -> None:
    member = make_advocate(app, "s@example.org", "supervisor")
    sign_in(client, member)
    export = client.get(f"/advocates/audit.csv?case={trail}")
    text = export.get_data(as_text=True)
    assert export.mimetype == "text/csv"
    assert text.splitlines()[0] == "id,when_utc,who,action,case,purpose,sealed"
    assert "a@example.org" in text
    assert CANARY not in text
    assert "+44" not in text
    # Reading and exporting the trail are recorded too.
    with app.app_context(), services().database.session() as session:
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"audit.exported"} <= actions


@pytest.mark.parametrize("query", ["from=yesterday", "from=2026-12-05&to=2026-12-01",
                                   "case=abc", "actor=nobody@example.org"])
def test_a_bad_filter_is_refused_with_a_reason(
        app: Flask, client: FlaskClient, query: str) -> None:
    sign_in(client, make_advocate(app, "s@example.org", "supervisor"))
    response = client.get(f"/advocates/audit?{query}")
    assert response.status_code == 400
    assert "The filter was not used" in response.get_data(as_text=True)


def test_the_export_command_writes_csv(app: Flask, trail: int) -> None:
    result = app.test_cli_runner().invoke(args=["audit", "export", "--case", str(trail)])
    assert result.exit_code == 0, result.output
    assert "transcript.viewed" in result.output
    assert CANARY not in result.output


def test_the_export_command_still_names_an_advocate_whose_account_is_disabled(
        app: Flask, trail: int) -> None:
    """Who read a case matters most after they have left: the page names them (staff6's
    findings), and the command must too, not "advocate:<id>"."""
    with app.app_context():
        services().accounts.set_active("a@example.org", False)
    result = app.test_cli_runner().invoke(args=["audit", "export", "--case", str(trail)])
    assert result.exit_code == 0, result.output
    viewed = [line for line in result.output.splitlines() if "transcript.viewed" in line]
    assert viewed
    assert all("a@example.org" in line for line in viewed)
