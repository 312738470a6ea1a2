"""Staff sessions (issue 23, item 12): only a person's action keeps a session alive, none
outlives 12 hours, and an advocate sees and ends their own sessions.

Before: the queue page's polling reset the idle timer, so an open queue never signed out.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect

from app.services import services
from tests.conftest import MovableClock
from tests.support.staff import csrf_from, make_advocate, sign_in

pytestmark = pytest.mark.databases("sqlite", "postgresql")


@pytest.fixture
def wall(app: Flask) -> MovableClock:
    """The clock staff sessions expire by (the wall clock in the service), made movable."""
    moving = MovableClock()
    moving.set(datetime.now(UTC))
    with app.app_context():
        services().staff_sessions.clock = moving
    return moving


def signed_in(app: Flask, email: str = "a@example.org") -> FlaskClient:
    client = app.test_client()
    advocate = make_advocate(app, email)
    assert sign_in(client, advocate).status_code == 302
    return client


def still_signed_in(client: FlaskClient) -> bool:
    return client.get("/advocates/queue").status_code == 200


def session_ids(client: FlaskClient) -> list[int]:
    page = client.get("/advocates/sessions").get_data(as_text=True)
    return [int(found) for found in re.findall(r'data-session="(\d+)"', page)]


def test_polling_does_not_keep_an_idle_session_alive(
        app: Flask, client: FlaskClient, wall: MovableClock) -> None:
    sign_in(client, make_advocate(app, "a@example.org"))
    for _ in range(14):  # the open queue page polls, and nobody touches it
        wall.advance(timedelta(minutes=1))
        assert client.get("/advocates/queue.json").status_code == 200
    wall.advance(timedelta(minutes=2))  # 16 minutes since the last action
    assert client.get("/advocates/queue.json").status_code == 401
    assert not still_signed_in(client)


def test_a_persons_action_keeps_the_session_alive(app: Flask, wall: MovableClock) -> None:
    client = signed_in(app)
    for _ in range(5):
        wall.advance(timedelta(minutes=14))
        assert still_signed_in(client)


def test_no_session_outlives_twelve_hours_however_busy(app: Flask, wall: MovableClock) -> None:
    client = signed_in(app)
    for _ in range(71):  # an action every 10 minutes for 11 h 50 min
        wall.advance(timedelta(minutes=10))
        assert still_signed_in(client)
    wall.advance(timedelta(minutes=10))
    assert not still_signed_in(client)


def test_the_sessions_page_lists_this_and_other_sessions_without_addresses(
        app: Flask, clock: MovableClock) -> None:
    advocate = make_advocate(app, "a@example.org")
    phone, desk = app.test_client(), app.test_client()
    sign_in(phone, advocate)
    clock.advance(timedelta(minutes=1))  # the next TOTP step, for the second sign-in
    sign_in(desk, advocate, code=advocate.code(clock().timestamp()))
    page = desk.get("/advocates/sessions")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert len(session_ids(desk)) == 2
    assert html.count("This session") == 1
    assert "127.0.0.1" not in html
    with app.app_context():
        columns = {c["name"] for c in inspect(services().database.engine).get_columns(
            "staff_sessions")}
    assert columns == {"id", "advocate_id", "token_hash", "created_at", "last_action_at",
                       "ended_at"}


def test_signing_out_another_session_ends_it_and_only_it(app: Flask,
                                                         clock: MovableClock) -> None:
    advocate = make_advocate(app, "a@example.org")
    phone, desk = app.test_client(), app.test_client()
    sign_in(phone, advocate)
    clock.advance(timedelta(minutes=1))  # the next TOTP step, for the second sign-in
    sign_in(desk, advocate, code=advocate.code(clock().timestamp()))
    page = desk.get("/advocates/sessions").get_data(as_text=True)
    this = re.search(r'data-session="(\d+)" class="this-session"', page)
    assert this is not None
    phone_session = next(i for i in session_ids(desk) if i != int(this.group(1)))
    token = csrf_from(desk, "/advocates/sessions")
    desk.post(f"/advocates/sessions/{phone_session}/end", data={"csrf_token": token})
    assert not still_signed_in(phone)
    assert still_signed_in(desk)


def test_sign_out_everywhere_ends_every_session(app: Flask, clock: MovableClock) -> None:
    advocate = make_advocate(app, "a@example.org")
    phone, desk = app.test_client(), app.test_client()
    sign_in(phone, advocate)
    clock.advance(timedelta(minutes=1))
    sign_in(desk, advocate, code=advocate.code(clock().timestamp()))
    token = csrf_from(desk, "/advocates/sessions")
    response = desk.post("/advocates/sessions/end-all", data={"csrf_token": token})
    assert response.headers["Location"].endswith("/advocates/login")
    assert not still_signed_in(phone)
    assert not still_signed_in(desk)


def test_nobody_can_end_someone_elses_session(app: Flask) -> None:
    victim, other = signed_in(app, "a@example.org"), signed_in(app, "b@example.org")
    their_session = session_ids(victim)[0]
    token = csrf_from(other, "/advocates/sessions")
    other.post(f"/advocates/sessions/{their_session}/end", data={"csrf_token": token})
    assert still_signed_in(victim)
    assert their_session not in session_ids(other)


@pytest.mark.parametrize("path", ["/advocates/sessions/1/end", "/advocates/sessions/end-all"])
def test_session_actions_need_csrf(app: Flask, path: str) -> None:
    client = signed_in(app)
    assert client.post(path).status_code == 400
    assert still_signed_in(client)


def test_a_copied_cookie_stops_working_after_sign_out(app: Flask) -> None:
    client = signed_in(app)
    cookie = client.get_cookie("quietline_staff", path="/advocates")
    assert cookie is not None
    copy = app.test_client()
    copy.set_cookie("quietline_staff", cookie.value, path="/advocates")
    assert still_signed_in(copy)
    client.post("/advocates/logout", data={"csrf_token": csrf_from(client, "/advocates/queue")})
    assert not still_signed_in(copy)
