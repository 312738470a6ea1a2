"""Throttling that is neither a weapon nor an oracle (issue 23, item 11).

Before: one address could lock three colleagues out every 15 minutes, and only a real account
ever answered 429. Now the offending address is slowed first, an account's owner at their own
address still signs in, and an unknown e-mail is answered, throttled and worked on exactly
like a known one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import argon2
import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from app import create_app
from app.config import load_settings
from app.services import services
from app.storage.models import LoginThrottle
from tests.conftest import MovableClock
from tests.support.staff import PASSWORD, TestAdvocate, make_advocate

pytestmark = pytest.mark.databases("sqlite", "postgresql")
WRONG = "wrong password!!"  # noqa: S105 -- a test-only wrong password


@pytest.fixture
def proxied(environ: dict[str, str], clock: MovableClock) -> Iterator[Flask]:
    """The app behind one trusted proxy, so a test can send from many addresses."""
    app = create_app(load_settings({**environ, "QUIETLINE_TRUSTED_PROXIES": "1"}), clock)
    app.config["TESTING"] = True
    yield app
    with app.app_context():
        services().close()


def attempt(app: Flask, address: str, email: str, password: str, code: str) -> TestResponse:
    client = app.test_client()
    headers = {"X-Forwarded-For": address}
    page = client.get("/advocates/login", headers=headers).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    return client.post("/advocates/login", headers=headers, data={
        "csrf_token": token.group(1), "email": email, "password": password, "code": code})


def right(app: Flask, advocate: TestAdvocate, address: str, clock: MovableClock
          ) -> TestResponse:
    return attempt(app, address, advocate.email, PASSWORD, advocate.code(clock().timestamp()))


def without_token(response: TestResponse) -> str:
    return re.sub(r'value="[^"]+"', 'value=""', response.get_data(as_text=True))


def test_unknown_and_known_e_mails_answer_alike_through_to_the_throttle(
        proxied: Flask, clock: MovableClock) -> None:
    advocate = make_advocate(proxied, "a@example.org")
    known = [attempt(proxied, "198.51.100.1", advocate.email, WRONG, "123456")
             for _ in range(11)]
    unknown = [attempt(proxied, "198.51.100.2", "nobody@example.org", WRONG, "123456")
               for _ in range(11)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == \
        [401] * 9 + [429, 429]
    for mine, theirs in zip(known, unknown, strict=True):
        assert without_token(mine) == without_token(theirs)
    assert "locked until" in known[-1].get_data(as_text=True)


def test_an_unknown_e_mail_costs_a_password_hash_like_a_known_one(
        proxied: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    advocate = make_advocate(proxied, "a@example.org")
    hashed: list[str] = []
    original = argon2.PasswordHasher.verify

    def counting(self: argon2.PasswordHasher, password_hash: str | bytes,
                 password: str | bytes) -> bool:
        hashed.append("verify")
        return original(self, password_hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting)
    attempt(proxied, "198.51.100.1", advocate.email, WRONG, "123456")
    attempt(proxied, "198.51.100.1", "nobody@example.org", WRONG, "123456")
    assert len(hashed) == 2  # one full argon2 verification each


def test_one_address_cannot_lock_colleagues_out(proxied: Flask, clock: MovableClock) -> None:
    colleagues = [make_advocate(proxied, f"{name}@example.org") for name in ("a", "b", "c")]
    for colleague in colleagues:  # 10 wrong guesses at each, 30 in all, from one address
        for _ in range(10):
            attempt(proxied, "198.51.100.66", colleague.email, WRONG, "123456")
    # That address is slowed, whatever it tries...
    assert attempt(proxied, "198.51.100.66", colleagues[0].email, PASSWORD,
                   colleagues[0].code(clock().timestamp())).status_code == 429
    # ...and every colleague at their own desk signs in.
    for number, colleague in enumerate(colleagues):
        assert right(proxied, colleague, f"203.0.113.{number + 1}", clock).status_code == 302


def test_many_addresses_guessing_one_account_get_one_try_each_and_its_owner_still_signs_in(
        proxied: Flask, clock: MovableClock) -> None:
    advocate = make_advocate(proxied, "a@example.org")
    for number in range(10):  # a spread-out attack: the e-mail is now guarded
        assert attempt(proxied, f"198.51.100.{number + 1}", advocate.email, WRONG,
                       "123456").status_code == 401
    with proxied.app_context():
        listed = {email: guard for email, *_, guard in services().accounts.listing()}
    assert listed[advocate.email] is not None
    # An address that already failed gets no second try at this account...
    assert attempt(proxied, "198.51.100.1", advocate.email, WRONG, "123456").status_code == 429
    # ...a fresh one gets one wrong try, then waits too...
    assert attempt(proxied, "198.51.100.50", advocate.email, WRONG, "123456").status_code == 401
    assert attempt(proxied, "198.51.100.50", advocate.email, WRONG, "123456").status_code == 429
    # ...and the owner, who has not failed, signs in.
    assert right(proxied, advocate, "203.0.113.9", clock).status_code == 302


def test_a_guard_ends_by_itself_and_an_admin_reset_lifts_it(
        proxied: Flask, clock: MovableClock) -> None:
    advocate = make_advocate(proxied, "a@example.org")
    for number in range(11):
        attempt(proxied, f"198.51.100.{number + 1}", advocate.email, WRONG, "123456")
    assert attempt(proxied, "198.51.100.1", advocate.email, WRONG, "123456").status_code == 429
    clock.advance(timedelta(minutes=16))
    assert attempt(proxied, "198.51.100.1", advocate.email, WRONG, "123456").status_code == 401
    for number in range(11):
        attempt(proxied, f"198.51.100.{number + 1}", advocate.email, WRONG, "123456")
    with proxied.app_context():
        services().accounts.reset(advocate.email, PASSWORD)
        listed = {email: guard for email, *_, guard in services().accounts.listing()}
    assert listed[advocate.email] is None


def test_a_success_gives_its_slot_back(proxied: Flask, clock: MovableClock) -> None:
    """An office behind one address: right sign-ins never count towards its limit."""
    advocate = make_advocate(proxied, "a@example.org")
    for _ in range(9):
        attempt(proxied, "198.51.100.7", advocate.email, WRONG, "123456")
    for _ in range(3):
        assert right(proxied, advocate, "198.51.100.7", clock).status_code == 302
        clock.advance(timedelta(seconds=31))  # a new TOTP step for the next sign-in
    assert attempt(proxied, "198.51.100.7", advocate.email, WRONG, "123456").status_code == 429


def test_a_successful_sign_in_leaves_no_throttle_rows(proxied: Flask, clock: MovableClock
                                                      ) -> None:
    """Least data: nothing links a colleague's e-mail to their address after a success."""
    advocate = make_advocate(proxied, "a@example.org")
    assert right(proxied, advocate, "203.0.113.4", clock).status_code == 302
    with proxied.app_context(), services().database.session() as session:
        assert session.scalars(select(LoginThrottle)).all() == []
