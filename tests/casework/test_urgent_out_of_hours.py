"""Urgent out of hours (issue 23, item 4): the on-call phone is alerted at once, once, with
nothing in the text; the survivor gets the emergency options first, then honestly when a
person will read it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from click.testing import Result
from flask import Flask

from app import create_app
from app.casework import presence
from app.config import Settings
from app.services import services
from app.worker import sweeper
from tests.conftest import MovableClock
from tests.support.cases import latest_case, open_case
from tests.support.fake_twilio import FakeTwilio
from tests.support.sms import reply_text
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
ROOT = Path(__file__).resolve().parents[2]
SATURDAY_2PM = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)
MONDAY_9_05 = datetime(2026, 12, 7, 9, 5, tzinfo=UTC)
ON_CALL = "+447700900998"  # config/demo.toml [advocates] on_call_sms
TEAM = "+447700900999"  # config/demo.toml [advocates] alert_sms
STRANGLED = "he tried to strangle me"
HERE = "he's here now"


@pytest.fixture(autouse=True)
def saturday(clock: MovableClock) -> None:
    clock.set(SATURDAY_2PM)


def alerts_to(fake_twilio: FakeTwilio, phone: str) -> list[str]:
    return [m.body for m in fake_twilio.messages if m.to == phone]


def sweep(app: Flask) -> dict[str, int]:
    with app.app_context():
        return sweeper.sweep()


@pytest.mark.parametrize("body", [STRANGLED, HERE])
def test_an_urgent_message_gets_the_emergency_options_first_then_when_someone_reads_it(
        twilio: TwilioSigner, body: str) -> None:
    text = reply_text(twilio.sms(body))
    assert text is not None
    assert text.startswith("If you are in danger now, call 999. If you cannot speak, call 999 "
                           "from a mobile, listen, then press 55. National Domestic Abuse "
                           "Helpline, free, 24 hours: 0808 2000 247.")
    assert "letting the person on call know" in text
    assert text.endswith("Someone will read your message from Monday 7 December, 09:00.")
    assert "to read first" not in text  # the in-hours promise is not made at night


@pytest.mark.parametrize("body", [STRANGLED, HERE])
def test_the_on_call_phone_is_alerted_at_once_and_exactly_once_without_content(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio, body: str) -> None:
    twilio.sms(body)
    case_id = latest_case(twilio)
    twilio.sms("please help he is still here")
    sweep(app)
    sweep(app)
    with app.app_context():
        reference = services().casework.database.engine.connect().exec_driver_sql(
            f"SELECT reference FROM conversations JOIN escalations ON "  # noqa: S608 -- an int
            f"escalations.conversation_id = conversations.id WHERE escalations.id = {case_id}"
        ).scalar_one()
    assert alerts_to(fake_twilio, ON_CALL) == [
        f"A case is waiting in the queue (ref {reference})."]
    assert alerts_to(fake_twilio, TEAM) == []  # the team is not at work
    assert fake_twilio.count(to=SURVIVOR) == 0


def test_an_open_queue_page_does_not_silence_the_on_call_alert_at_night(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio, clock: MovableClock) -> None:
    with app.app_context():
        presence.mark_watching(services().redis, 1, clock().timestamp())  # left open overnight
    try:
        twilio.sms(STRANGLED)
    finally:
        with app.app_context():
            services().redis.delete(presence.KEY)
    assert len(alerts_to(fake_twilio, ON_CALL)) == 1


def test_a_routine_request_out_of_hours_alerts_no_one(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio) -> None:
    text = reply_text(twilio.sms("person"))
    assert text is not None
    assert "not at work right now" in text
    sweep(app)
    assert fake_twilio.messages == []


def test_a_case_that_becomes_urgent_out_of_hours_alerts_the_on_call_phone(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio) -> None:
    case_id = open_case(twilio)
    assert fake_twilio.messages == []
    twilio.sms(HERE)
    assert latest_case(twilio) == case_id  # the same case, raised
    assert len(alerts_to(fake_twilio, ON_CALL)) == 1


def test_when_the_enqueue_is_lost_the_sweeper_alerts_the_on_call_phone(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        monkeypatch: pytest.MonkeyPatch) -> None:
    with app.app_context():
        dispatcher = services().dispatcher

    def redis_down(*_args: object, **_kwargs: object) -> None:
        raise redis.ConnectionError("Connection refused")

    monkeypatch.setattr(dispatcher.urgent, "enqueue", redis_down)
    twilio.sms(STRANGLED)
    assert fake_twilio.messages == []
    monkeypatch.undo()
    assert sweep(app)["cases"] == 1
    assert len(alerts_to(fake_twilio, ON_CALL)) == 1
    assert sweep(app)["cases"] == 0  # finished: not enqueued again all weekend


def test_the_team_is_still_alerted_when_it_comes_on_duty(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio, clock: MovableClock) -> None:
    twilio.sms(STRANGLED)
    clock.set(MONDAY_9_05)
    sweep(app)
    sweep(app)
    assert len(alerts_to(fake_twilio, TEAM)) == 1
    assert len(alerts_to(fake_twilio, ON_CALL)) == 1


def test_the_urgent_answer_out_of_hours_is_in_the_survivors_language(
        twilio: TwilioSigner) -> None:
    twilio.sms("Dzień dobry, potrzebuję pomocy, proszę")
    text = reply_text(twilio.sms("on tu jest, próbował mnie udusić"))
    assert text is not None
    assert text.startswith("W razie zagrożenia dzwoń pod 999.")
    assert text.index("0808 2000 247") < text.index("poniedziałek")
    assert "Powiadamiamy dyżurnego" in text


def without_on_call(directory: Path) -> Path:
    text = (ROOT / "config" / "demo.toml").read_text(encoding="utf-8")
    text = text.replace(f'on_call_sms = ["{ON_CALL}"]', "")
    path = directory / "deployment.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def no_on_call(environ: dict[str, str], tmp_path: Path) -> None:
    environ["QUIETLINE_CONFIG"] = str(without_on_call(tmp_path))


@pytest.mark.usefixtures("no_on_call")
def test_without_an_on_call_phone_nothing_is_promised_and_no_one_is_alerted(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio) -> None:
    text = reply_text(twilio.sms(STRANGLED))
    assert text is not None
    assert text.startswith("If you are in danger now, call 999.")
    assert "on call" not in text
    assert "Our team is not at work right now.\n\nSomeone will read your message from" in text
    sweep(app)
    assert fake_twilio.messages == []


@pytest.mark.usefixtures("no_on_call")
def test_without_an_on_call_phone_start_up_and_flows_check_warn(
        settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    app = create_app(settings)  # built here, so that its start-up log is captured
    try:
        assert any("event=deployment.warning" in r.getMessage()
                   and "advocates.on_call_sms" in r.getMessage() for r in caplog.records)
        result: Result = app.test_cli_runner().invoke(args=["flows", "check"])
        assert result.exit_code == 0  # a warning, not a refusal
        assert "warning:" in result.output
        assert "advocates.on_call_sms: no on-call phone" in result.output
    finally:
        with app.app_context():
            services().close()


def test_with_an_on_call_phone_flows_check_does_not_warn_about_it(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["flows", "check"])
    assert result.exit_code == 0
    assert "on_call_sms" not in result.output


def test_the_same_case_is_alerted_once_even_if_notified_many_times(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio) -> None:
    twilio.sms(STRANGLED)
    case_id = latest_case(twilio)
    with app.app_context():
        results = [services().alerts.notify(case_id) for _ in range(3)]
    assert results == ["nothing to do"] * 3
    assert len(alerts_to(fake_twilio, ON_CALL)) == 1
