"""Cases left unclaimed past their target (issue 20, item 6): an urgent case unclaimed for
`urgent_sla_minutes` alerts the phones again, once, content-free; a high one after
`high_sla_minutes` of opening hours; the queue says so in words; state is in the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.casework import presence
from app.services import services
from app.storage.models import Escalation, SlaAlert, SlaBreach
from app.worker import sweeper
from tests.conftest import AppWith, MovableClock
from tests.support.cases import claim, open_case
from tests.support.fake_twilio import FakeTwilio
from tests.support.staff import TUESDAY_10AM, make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
SATURDAY_2PM = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)
ON_CALL = "+447700900998"  # config/demo.toml [advocates] on_call_sms
TEAM = "+447700900999"  # config/demo.toml [advocates] alert_sms


@pytest.fixture(autouse=True)
def nobody_watching(fake_twilio: FakeTwilio, app: Flask) -> Iterator[None]:
    """The queue's watchers are kept in the session's one Redis, scored by the wall clock: a
    queue page another test polled would count as watching at this test's earlier clock.
    (`fake_twilio` first: it sets the app's Twilio address before the app is built.)"""
    with app.app_context():
        services().redis.delete(presence.KEY)
    yield
    with app.app_context():
        services().redis.delete(presence.KEY)


def sweep(app: Flask) -> dict[str, int]:
    with app.app_context():
        return sweeper.sweep()


def texts_to(fake_twilio: FakeTwilio, phone: str) -> list[str]:
    return [m.body for m in fake_twilio.messages if m.to == phone]


def set_priority(app: Flask, case_id: int, priority: int) -> None:
    with app.app_context(), services().database.transaction() as connection:
        connection.execute(update(Escalation).where(Escalation.id == case_id)
                           .values(priority=priority))


def breaches(app: Flask) -> list[tuple[int, str, str | None]]:
    with app.app_context(), services().database.session() as session:
        return [(b.escalation_id, b.target, b.alert_result)
                for b in session.scalars(select(SlaBreach))]


def urgent_case(app: Flask, twilio: TwilioSigner) -> int:
    case_id = open_case(twilio)
    set_priority(app, case_id, 3)
    return case_id


def test_an_urgent_case_unclaimed_past_five_minutes_alerts_the_team_again_once(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio, clock: MovableClock) -> None:
    clock.set(TUESDAY_10AM)
    case_id = urgent_case(app, twilio)
    sweep(app)
    first = texts_to(fake_twilio, TEAM)
    assert len(first) == 1  # the first alert, when the case opened
    clock.advance(timedelta(minutes=4, seconds=59))
    sweep(app)
    assert texts_to(fake_twilio, TEAM) == first
    assert breaches(app) == []
    clock.advance(timedelta(seconds=2))
    sweep(app)
    sweep(app)
    clock.advance(timedelta(minutes=30))
    sweep(app)
    assert texts_to(fake_twilio, TEAM) == first * 2  # the same content-free text, once more
    assert texts_to(fake_twilio, ON_CALL) == []
    assert breaches(app) == [(case_id, "urgent", "sent")]


def test_the_re_alert_goes_out_even_when_someone_has_the_queue_open(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio, clock: MovableClock) -> None:
    """A queue watched by someone who does not claim the case is what the target is for."""
    clock.set(TUESDAY_10AM)
    with app.app_context():
        presence.mark_watching(services().redis, 1, TUESDAY_10AM.timestamp() + 3600)
    urgent_case(app, twilio)
    sweep(app)
    assert texts_to(fake_twilio, TEAM) == []
    clock.advance(timedelta(minutes=6))
    sweep(app)
    assert len(texts_to(fake_twilio, TEAM)) == 1


def test_out_of_hours_an_urgent_case_re_alerts_the_on_call_phone_not_the_team(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio, clock: MovableClock) -> None:
    clock.set(SATURDAY_2PM)
    twilio.sms("he tried to strangle me")  # urgent by triage
    sweep(app)
    assert len(texts_to(fake_twilio, ON_CALL)) == 1
    clock.advance(timedelta(minutes=6))
    sweep(app)
    sweep(app)
    assert len(texts_to(fake_twilio, ON_CALL)) == 2
    assert texts_to(fake_twilio, TEAM) == []
    assert "strangle" not in " ".join(texts_to(fake_twilio, ON_CALL))


def test_a_case_claimed_in_time_is_never_chased(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio, clock: MovableClock,
        advocate: FlaskClient) -> None:
    case_id = urgent_case(app, twilio)
    sweep(app)
    claim(advocate, case_id)
    clock.advance(timedelta(minutes=10))
    sweep(app)
    assert breaches(app) == []
    assert len(texts_to(fake_twilio, TEAM)) <= 1


def test_a_high_case_is_chased_after_thirty_minutes_of_opening_hours_only(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio, clock: MovableClock) -> None:
    clock.set(SATURDAY_2PM)
    case_id = open_case(twilio)
    set_priority(app, case_id, 2)
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # Monday: the team is told at 09:00
    sweep(app)
    clock.advance(timedelta(minutes=29))
    sweep(app)
    assert breaches(app) == []
    clock.advance(timedelta(minutes=2))
    sweep(app)
    assert breaches(app) == [(case_id, "high", "sent")]
    # The team's first alert (on duty at 09:00) and the re-alert; never the on-call phone.
    assert len(texts_to(fake_twilio, TEAM)) == 2
    assert texts_to(fake_twilio, ON_CALL) == []


def test_a_routine_case_has_no_target(
        app: Flask, twilio: TwilioSigner, clock: MovableClock) -> None:
    clock.set(TUESDAY_10AM)
    open_case(twilio)
    clock.advance(timedelta(hours=5))
    sweep(app)
    assert breaches(app) == []


def test_the_chase_survives_a_restart_and_an_emptied_redis(
        app: Flask, app_with: AppWith, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        clock: MovableClock) -> None:
    clock.set(TUESDAY_10AM)
    urgent_case(app, twilio)
    clock.advance(timedelta(minutes=6))
    sweep(app)
    sent = len(texts_to(fake_twilio, TEAM))
    with app.app_context():
        services().redis.flushdb()
    restarted = app_with()
    with restarted.app_context():
        built = services()
        built.dispatcher = app.extensions["quietline"].dispatcher
        sweeper.sweep()
    assert len(texts_to(fake_twilio, TEAM)) == sent


def test_a_temporary_provider_error_is_retried_by_the_next_sweep(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio, clock: MovableClock) -> None:
    clock.set(TUESDAY_10AM)
    case_id = urgent_case(app, twilio)
    sweep(app)
    clock.advance(timedelta(minutes=6))
    fake_twilio.fail_next(429, 20429)
    sweep(app)
    assert breaches(app) == [(case_id, "urgent", None)]
    clock.advance(timedelta(minutes=2))
    sweep(app)
    assert breaches(app) == [(case_id, "urgent", "sent")]
    with app.app_context(), services().database.session() as session:
        assert [a.status for a in session.scalars(select(SlaAlert))] == ["sent"]
    assert len(texts_to(fake_twilio, TEAM)) == 2


def test_the_queue_says_in_words_that_a_case_is_over_its_target(
        app: Flask, twilio: TwilioSigner, clock: MovableClock, advocate: FlaskClient) -> None:
    urgent_case(app, twilio)
    clock.advance(timedelta(minutes=7, seconds=10))
    (item,) = advocate.get("/advocates/queue.json").get_json()["cases"]
    assert item["overdue"] == "Unclaimed for 7 min, over the 5 min target"
    clock.set(TUESDAY_10AM + timedelta(minutes=3))
    (item,) = advocate.get("/advocates/queue.json").get_json()["cases"]
    assert item["overdue"] is None


@pytest.mark.parametrize(("role", "status"), [("supervisor", 200), ("admin", 200),
                                              ("advocate", 403)])
def test_supervisors_see_the_list_of_cases_that_waited_too_long(
        app: Flask, twilio: TwilioSigner, clock: MovableClock, role: str, status: int) -> None:
    clock.set(TUESDAY_10AM)
    case_id = urgent_case(app, twilio)
    clock.advance(timedelta(minutes=6))
    sweep(app)
    client = app.test_client()
    sign_in(client, make_advocate(app, f"{role}@example.org", role))
    response = client.get("/advocates/overdue")
    assert response.status_code == status
    if status == 200:
        page = response.get_data(as_text=True)
        with app.app_context():
            reference = services().casework.load(case_id).reference
        assert reference in page
        assert "urgent: 5 min" in page
        assert "still waiting" in page


def test_a_case_from_the_night_is_chased_a_target_after_the_team_is_told_not_with_it(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio, clock: MovableClock) -> None:
    clock.set(SATURDAY_2PM)
    twilio.sms("he tried to strangle me")
    clock.set(datetime(2026, 12, 7, 9, 5, tzinfo=UTC))  # Monday; no sweep ran meanwhile
    sweep(app)
    sweep(app)
    assert len(texts_to(fake_twilio, TEAM)) == 1  # the first alert only
    clock.advance(timedelta(minutes=5))
    sweep(app)
    assert len(texts_to(fake_twilio, TEAM)) == 2
