"""Whatever breaks, a survivor who texts still gets the emergency options (SAFETY.md, A5)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from app.config import ConfigError, load_settings
from app.flows import FlowError
from app.services import services
from tests.conftest import AUTH_TOKEN, empty_spool
from tests.support.servers import RedisServer
from tests.support.sms import assert_emergency, reply_text
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

CANARY_BODY = "canary-failsafe-body-8812"
ROOT = Path(__file__).resolve().parents[2]


def signer_for(environ: dict[str, str]) -> tuple[Flask, TwilioSigner]:
    app = create_app(load_settings(environ))
    return app, TwilioSigner(app.test_client(), AUTH_TOKEN)


@pytest.fixture
def stopped_redis(tmp_path: Path) -> RedisServer:
    """A Redis that was running and has stopped: its port refuses connections."""
    server = RedisServer(tmp_path / "redis-stopped").start()
    server.stop()
    return server


def dispose(app: Flask) -> None:
    empty_spool(app)  # these apps' failures are spooled under their own keys
    with app.app_context():
        services().database.dispose()


def failsafe_logged_without_content(caplog: pytest.LogCaptureFixture) -> None:
    lines = [record.getMessage() for record in caplog.records]
    assert any("event=sms.failsafe" in line and "request_id=" in line for line in lines)
    for line in lines:
        assert CANARY_BODY not in line
        assert SURVIVOR not in line


def test_redis_stopped_still_gets_a_reply_with_emergency_options(
    environ: dict[str, str], stopped_redis: RedisServer
) -> None:
    environ["REDIS_URL"] = stopped_redis.url
    app, twilio = signer_for(environ)
    try:
        assert_emergency(reply_text(twilio.sms("999")))
        welcome = reply_text(twilio.sms("hello", sender="+447700900321"))
        assert welcome is not None
        assert "999" in welcome  # the menu always offers the way to emergency options
    finally:
        dispose(app)


def test_unwritable_database_still_gets_the_emergency_reply(
    environ: dict[str, str], database_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Read-only mode: root ignores file permissions, but SQLite honours mode=ro.
    environ["DATABASE_URL"] = f"sqlite:///file:{database_path}?mode=ro&uri=true"
    app, twilio = signer_for(environ)
    try:
        text = reply_text(twilio.sms(CANARY_BODY))
        assert_emergency(text)
        assert text is not None
        assert "went wrong" in text
    finally:
        dispose(app)
    failsafe_logged_without_content(caplog)


def test_missing_database_still_gets_the_emergency_reply(
    environ: dict[str, str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    environ["DATABASE_URL"] = f"sqlite:///{tmp_path / 'no-such-dir' / 'db.sqlite3'}"
    app, twilio = signer_for(environ)
    try:
        assert_emergency(reply_text(twilio.sms(CANARY_BODY)))
    finally:
        dispose(app)
    failsafe_logged_without_content(caplog)


def test_a_flow_that_raises_still_gets_the_emergency_reply(
    twilio: TwilioSigner, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_step(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(f"flow exploded while reading {CANARY_BODY}")

    monkeypatch.setattr("app.conversation.turn.flow_step", broken_step)
    assert_emergency(reply_text(twilio.sms(CANARY_BODY)))
    failsafe_logged_without_content(caplog)


def broken_flows_dir(tmp_path: Path) -> Path:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "welcome.yaml").write_text("flow: welcome\nstart: nowhere\nsteps: {a: {say: [x.y]}}\n")
    return flows


def test_a_broken_flow_file_in_development_answers_with_the_emergency_reply(
    environ: dict[str, str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    environ["QUIETLINE_FLOWS"] = str(broken_flows_dir(tmp_path))
    app, twilio = signer_for(environ)
    try:
        assert_emergency(reply_text(twilio.sms(CANARY_BODY)))
    finally:
        dispose(app)
    assert any("event=flows.invalid" in r.getMessage() for r in caplog.records)
    failsafe_logged_without_content(caplog)


def production_environ() -> dict[str, str]:
    return {
        "QUIETLINE_ENV": "production",
        "QUIETLINE_CONFIG": str(ROOT / "config" / "demo.toml"),
        "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
        "PUBLIC_BASE_URL": "https://quietline.example.org",
        "QUIETLINE_STAFF_HOST": "staff.example.org",
        # The weakest argon2id cost production accepts (the test environ's is lower).
        "QUIETLINE_ARGON2_TIME_COST": "2",
        "QUIETLINE_ARGON2_MEMORY_KIB": "19456",
    }


def test_a_broken_flow_file_stops_production_at_start_up(
    environ: dict[str, str], tmp_path: Path
) -> None:
    environ.update(production_environ(), QUIETLINE_FLOWS=str(broken_flows_dir(tmp_path)))
    with pytest.raises(FlowError, match="welcome.yaml"):
        create_app(load_settings(environ))


def test_a_missing_translation_still_gets_the_emergency_reply(
    environ: dict[str, str], tmp_path: Path
) -> None:
    empty = tmp_path / "translations"
    empty.mkdir()
    environ["QUIETLINE_TRANSLATIONS"] = str(empty)
    app, twilio = signer_for(environ)
    try:
        assert_emergency(reply_text(twilio.sms("hello")))
    finally:
        dispose(app)


def test_production_refuses_content_that_fails_the_flows_check(
    environ: dict[str, str], tmp_path: Path
) -> None:
    translations = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", translations)
    catalogue = translations / "en" / "LC_MESSAGES" / "messages.po"
    text = catalogue.read_text(encoding="utf-8").replace(
        'msgstr "Hi, thanks for your message.', 'msgstr "Police: thanks for your message.')
    catalogue.write_text(text, encoding="utf-8")
    environ.update(production_environ(), QUIETLINE_TRANSLATIONS=str(translations))
    with pytest.raises(ConfigError, match=r"welcome\.greeting \[en\].*lock-screen"):
        create_app(load_settings(environ))


def test_production_starts_with_the_shipped_content(environ: dict[str, str]) -> None:
    environ.update(production_environ())
    app = create_app(load_settings(environ))
    dispose(app)
