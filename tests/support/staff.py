"""Advocates for tests: accounts made through the real service, signed in through the form;
the CSRF token every staff form carries."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app import hours
from app.crypto import Totp
from app.services import services

PASSWORD = "correct horse battery staple"  # noqa: S105 -- a test-only password
# Tuesday 1 December 2026, 10:00 in London (GMT): in the development deployment's opening hours.
TUESDAY_10AM = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@dataclass
class TestAdvocate:
    __test__ = False  # a helper, not a test class, despite its name

    id: int
    email: str
    role: str
    secret: str
    recovery_codes: list[str] = field(default_factory=list)

    def code(self, at: float | None = None) -> str:
        return Totp.code_at(self.secret, time.time() if at is None else at)


def make_advocate(app: Flask, email: str, role: str = "advocate") -> TestAdvocate:
    with app.app_context():
        enrolment = services().accounts.create(email, role, PASSWORD)
    secret = re.search(r"secret=([A-Z2-7]+)", enrolment.uri)
    assert secret is not None
    member = enrolment.member
    return TestAdvocate(member.id, member.email, member.role, secret.group(1),
                        enrolment.recovery_codes)


def local_today(app: Flask) -> str:
    """Today in the deployment's time zone by the app's clock (the wall clock unless a test
    set it), as a date field takes it: a referral may be dated no earlier than the local day
    its case opened, so a test that opens a case now cannot use a fixed date."""
    with app.app_context():
        built = services()
        return hours.local_today(built.clock(), built.casework.timezone).isoformat()


def csrf(page: str) -> str:
    """The CSRF token a staff page carries (in a form field, or for its script)."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page) or re.search(
        r'data-csrf="([^"]+)"', page)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)


def csrf_from(client: FlaskClient, path: str = "/advocates/login") -> str:
    """The CSRF token of the page at `path`."""
    return csrf(client.get(path).get_data(as_text=True))


def sign_in(client: FlaskClient, advocate: TestAdvocate, *, password: str = PASSWORD,
            code: str | None = None) -> TestResponse:
    """Signs in through the form; the code is by default the one for the app's clock (a test
    that set the clock gets the code of that moment)."""
    if code is None:
        with client.application.app_context():
            code = advocate.code(services().clock().timestamp())
    token = csrf_from(client)
    return client.post("/advocates/login", data={
        "csrf_token": token, "email": advocate.email, "password": password, "code": code})
