"""Rotating SECRET_KEY (issue 23, item 15): chat tokens, advocates' sessions, the audit chain and
signed retention reports keep working while the old key is listed, and `flask keys
rotate-secret` moves the chain and the reports to the new key so the old one can go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import update

from app.audit import chain as audit_chain
from app.cli import keys_cli
from app.services import services
from app.storage.models import AuditEvent
from tests.conftest import AUTH_TOKEN, AppWith, MovableClock
from tests.support.cases import csrf, open_case
from tests.support.staff import make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
NEW_SECRET = "a-new-secret-key-for-the-rotation-test"


@pytest.fixture
def old_secret(environ: dict[str, str]) -> str:
    return environ["SECRET_KEY"]


@pytest.fixture
def trail(app: Flask, twilio: TwilioSigner, clock: MovableClock) -> None:
    """Audited history sealed under the first SECRET_KEY."""
    clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    case_id = open_case(twilio)
    holder = make_advocate(app, "a@example.org")
    staff = app.test_client()
    sign_in(staff, holder, code=holder.code(clock().timestamp()))
    token = csrf(staff.get("/advocates/queue").get_data(as_text=True))
    staff.post(f"/advocates/cases/{case_id}/claim", data={"csrf_token": token})
    clock.advance(timedelta(minutes=1))
    assert verify(app, seal_first=True).intact


def verify(app: Flask, *, seal_first: bool = False) -> audit_chain.Verdict:
    with app.app_context():
        built = services()
        if seal_first:
            audit_chain.seal(built.database, built.chain_key, built.clock())
        return audit_chain.verify(built.database, built.chain_key)


def cli(app: Flask, *args: str) -> tuple[int, str]:
    # `keys` is a Flask CLI plugin (pyproject.toml), so it is invoked as its own group here.
    if args[0] == "keys":
        result = app.test_cli_runner().invoke(keys_cli, list(args[1:]))
    else:
        result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def test_a_chat_token_issued_before_the_rotation_works_while_the_old_key_is_listed(
        app: Flask, app_with: AppWith, old_secret: str) -> None:
    page = app.test_client()
    token = page.post("/chat/start").get_json()["token"]
    page.post("/chat/send", json={"token": token, "id": "a" * 32, "text": "hello"})
    during = app_with(SECRET_KEY=f"{NEW_SECRET},{old_secret}").test_client()
    answer = during.post("/chat/send", json={"token": token, "id": "b" * 32, "text": "hi"})
    assert answer.get_json()["token"] == token
    assert answer.get_json()["notice"] is None  # the same conversation goes on
    after = app_with(SECRET_KEY=NEW_SECRET).test_client()
    fresh = after.post("/chat/send", json={"token": token, "id": "c" * 32, "text": "hi"})
    assert fresh.get_json()["token"] != token  # the old key is gone: a fresh conversation


def test_an_advocates_session_survives_the_rotation_while_the_old_key_is_listed(
        app: Flask, app_with: AppWith, old_secret: str, clock: MovableClock) -> None:
    holder = make_advocate(app, "s@example.org")
    staff = app.test_client()
    sign_in(staff, holder, code=holder.code(clock().timestamp()))
    cookie = staff.get_cookie("quietline_staff", path="/advocates")
    assert cookie is not None
    during = app_with(SECRET_KEY=f"{NEW_SECRET},{old_secret}").test_client()
    during.set_cookie("quietline_staff", cookie.value, path="/advocates")
    assert during.get("/advocates/queue").status_code == 200
    after = app_with(SECRET_KEY=NEW_SECRET).test_client()
    after.set_cookie("quietline_staff", cookie.value, path="/advocates")
    assert after.get("/advocates/queue").status_code != 200  # signed out, not let in


def test_the_audit_chain_stays_verifiable_across_the_rotation(
        app: Flask, app_with: AppWith, old_secret: str, trail: None, twilio: TwilioSigner,
        clock: MovableClock) -> None:
    during = app_with(SECRET_KEY=f"{NEW_SECRET},{old_secret}")
    assert verify(during).intact
    open_case(TwilioSigner(during.test_client(), AUTH_TOKEN), sender="+447700900777")
    clock.advance(timedelta(minutes=1))
    assert verify(during, seal_first=True).intact  # old links and new ones, one chain
    assert not verify(app_with(SECRET_KEY=NEW_SECRET)).intact  # not yet: old links remain
    code, output = cli(during, "keys", "rotate-secret")
    assert code == 0, output
    after = app_with(SECRET_KEY=NEW_SECRET)
    verdict = verify(after)
    assert verdict.intact
    assert verdict.checked >= 5


def test_a_changed_trail_is_not_re_sealed(app: Flask, app_with: AppWith, old_secret: str,
                                          trail: None) -> None:
    with app.app_context(), services().database.transaction() as connection:
        connection.execute(update(AuditEvent).where(AuditEvent.id == 1)
                           .values(actor="someone-else"))
    during = app_with(SECRET_KEY=f"{NEW_SECRET},{old_secret}")
    code, output = cli(during, "keys", "rotate-secret")
    assert code != 0
    assert "broken at entry 1" in output
    assert not verify(during).intact  # still detected: nothing was laundered


def test_a_retention_report_signed_under_the_old_key_still_verifies(
        app: Flask, app_with: AppWith, old_secret: str, environ: dict[str, str]) -> None:
    reports = Path(environ["QUIETLINE_INSTANCE"]) / "retention-reports"
    report = reports / "retention-old.json"
    code, output = cli(app, "retention", "purge", "--report", str(report))
    assert code == 0, output
    during = app_with(SECRET_KEY=f"{NEW_SECRET},{old_secret}")
    assert cli(during, "retention", "verify", str(report))[0] == 0
    assert cli(app_with(SECRET_KEY=NEW_SECRET), "retention", "verify", str(report))[0] != 0
    code, output = cli(during, "keys", "rotate-secret")
    assert code == 0, output
    assert "1 retention reports re-signed" in output
    code, output = cli(app_with(SECRET_KEY=NEW_SECRET), "retention", "verify", str(report))
    assert code == 0, output
