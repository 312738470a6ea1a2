"""Advocates' sign-in: password and TOTP, throttling and lock-out, sessions, deny by default."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.config import load_settings
from app.services import services
from tests.conftest import MovableClock
from tests.support.staff import csrf_from, make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

# Storage-dependent: every test here runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.databases("sqlite", "postgresql")

STAFF_GET_ROUTES = ["/advocates/queue", "/advocates/queue.json", "/advocates/cases/1"]
STAFF_POST_ROUTES = ["/advocates/cases/1/claim", "/advocates/cases/1/release",
                     "/advocates/cases/1/reply", "/advocates/cases/1/reply/preview",
                     "/advocates/cases/1/window", "/advocates/cases/1/close",
                     "/advocates/cases/1/reassign"]


def test_sign_in_with_password_and_code_reaches_the_queue(app: Flask, client: FlaskClient
                                                          ) -> None:
    advocate = make_advocate(app, "a@example.org")
    response = sign_in(client, advocate)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/advocates/queue")
    assert client.get("/advocates/queue").status_code == 200


@pytest.mark.parametrize("code", ["", "000000", "12345", "abcdef"])
def test_sign_in_without_a_right_code_fails(app: Flask, client: FlaskClient, code: str) -> None:
    advocate = make_advocate(app, "a@example.org")
    response = sign_in(client, advocate, code=code or " ")
    assert response.status_code in (400, 401)
    assert client.get("/advocates/queue").status_code == 302


def test_a_code_is_accepted_only_once(app: Flask) -> None:
    advocate = make_advocate(app, "a@example.org")
    code = advocate.code()
    first, second = app.test_client(), app.test_client()
    assert sign_in(first, advocate, code=code).status_code == 302
    assert sign_in(second, advocate, code=code).status_code == 401


def test_ten_wrong_passwords_hold_the_address_back_and_survivors_are_unaffected(
        app: Flask, client: FlaskClient, twilio: TwilioSigner, clock: MovableClock) -> None:
    advocate = make_advocate(app, "a@example.org")
    for _ in range(9):
        assert sign_in(client, advocate, password="wrong password!!").status_code == 401
    locked = sign_in(client, advocate, password="wrong password!!")
    assert locked.status_code == 429
    assert "locked until" in locked.get_data(as_text=True)
    # Even the right password and code are refused from that address while the hold lasts...
    assert sign_in(client, advocate).status_code == 429
    # ...while a survivor's message is answered as always.
    reply = twilio.sms("hello")
    assert reply.status_code == 200
    assert "<Message>" in reply.get_data(as_text=True)
    # The lock is for a time, not for ever.
    clock.advance(timedelta(minutes=16))
    later = app.test_client()
    assert sign_in(later, advocate, code=advocate.code(clock().timestamp())).status_code == 302


def test_unknown_accounts_get_the_same_answer_as_a_wrong_password(
        app: Flask, client: FlaskClient) -> None:
    advocate = make_advocate(app, "a@example.org")
    token = csrf_from(client)
    unknown = client.post("/advocates/login", data={
        "csrf_token": token, "email": "nobody@example.org", "password": "whatever password",
        "code": advocate.code()})
    wrong = sign_in(client, advocate, password="not the password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.get_data(as_text=True).replace(token, "") == wrong.get_data(
        as_text=True).replace(csrf_from(client), "")


def test_a_stale_csrf_token_is_refused_with_a_clear_page(app: Flask, client: FlaskClient) -> None:
    advocate = make_advocate(app, "a@example.org")
    csrf_from(client)
    response = client.post("/advocates/login", data={
        "csrf_token": "stale", "email": advocate.email, "password": "x", "code": "1"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", STAFF_GET_ROUTES)
def test_every_staff_page_needs_sign_in(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (302, 401)
    assert "/advocates/login" in response.headers.get("Location", "/advocates/login")


@pytest.mark.parametrize("path", STAFF_POST_ROUTES)
def test_every_staff_action_needs_sign_in_and_csrf(client: FlaskClient, path: str) -> None:
    token = csrf_from(client)
    assert client.post(path).status_code == 400  # no CSRF token
    response = client.post(path, data={"csrf_token": token})
    assert response.status_code in (302, 401)


def test_an_idle_session_expires(app: Flask, client: FlaskClient) -> None:
    advocate = make_advocate(app, "a@example.org")
    sign_in(client, advocate)
    assert client.get("/advocates/queue").status_code == 200
    wall = MovableClock()  # the clock sessions expire by (the wall clock in the service)
    wall.set(datetime.now(UTC) + timedelta(minutes=16))
    with app.app_context():
        services().staff_sessions.clock = wall
    assert client.get("/advocates/queue").status_code == 302


def test_the_staff_cookie_is_scoped_and_flagged(app: Flask, client: FlaskClient) -> None:
    advocate = make_advocate(app, "a@example.org")
    response = sign_in(client, advocate)
    cookie = response.headers["Set-Cookie"]
    assert "quietline_staff=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/advocates" in cookie
    assert "Expires" not in cookie  # a browser session cookie: gone when the browser closes


def test_sign_out_ends_the_session(app: Flask, client: FlaskClient) -> None:
    advocate = make_advocate(app, "a@example.org")
    sign_in(client, advocate)
    token = csrf_from(client, "/advocates/queue")
    client.post("/advocates/logout", data={"csrf_token": token})
    assert client.get("/advocates/queue").status_code == 302


@pytest.mark.parametrize("field", ["email", "password", "code"])
def test_an_oversized_or_missing_login_field_gets_a_clear_answer(
        app: Flask, client: FlaskClient, field: str) -> None:
    advocate = make_advocate(app, "a@example.org")
    data = {"csrf_token": csrf_from(client), "email": advocate.email, "password": "x" * 20,
            "code": advocate.code()}
    for value in ("", "x" * 5000):
        response = client.post("/advocates/login", data={**data, field: value})
        assert response.status_code == 400
        assert "Enter your e-mail, password and the 6-digit code" in response.get_data(
            as_text=True)


def test_behind_a_trusted_proxy_one_addresses_failures_do_not_lock_another(
        environ: dict[str, str]) -> None:
    """Behind nginx every request comes from 127.0.0.1: without believing X-Forwarded-For,
    one person's wrong guesses would lock every advocate's sign-in."""
    proxied = create_app(load_settings({**environ, "QUIETLINE_TRUSTED_PROXIES": "1"}))
    try:
        advocate = make_advocate(proxied, "a@example.org")
        guesser = proxied.test_client()
        forwarded = {"X-Forwarded-For": "198.51.100.7"}
        for _ in range(30):
            token = csrf_from(guesser)
            guesser.post("/advocates/login", headers=forwarded, data={
                "csrf_token": token, "email": "nobody@example.org", "password": "guess guess",
                "code": "000000"})
        token = csrf_from(guesser)
        locked = guesser.post("/advocates/login", headers=forwarded, data={
            "csrf_token": token, "email": advocate.email, "password": "x" * 12,
            "code": advocate.code()})
        assert locked.status_code == 429  # that address is locked out...
        colleague = proxied.test_client()
        token = csrf_from(colleague)
        answer = colleague.post("/advocates/login",
                                headers={"X-Forwarded-For": "203.0.113.9"}, data={
                                    "csrf_token": token, "email": advocate.email,
                                    "password": "correct horse battery staple",
                                    "code": advocate.code()})
        assert answer.status_code == 302  # ...and a colleague elsewhere is not
    finally:
        with proxied.app_context():
            services().close()
