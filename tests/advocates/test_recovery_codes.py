"""One-time recovery codes for a lost authenticator (issue 23, item 11).

Issued at enrolment and by an administrator's reset, shown once, stored only as hashes, each
usable once (with the password), audited; signing in with one says how many are left.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.crypto import RecoveryCodes
from app.services import services
from app.storage.models import AuditEvent, RecoveryCode
from tests.support.staff import PASSWORD, make_advocate, sign_in

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def audited(app: Flask, action: str) -> int:
    with app.app_context(), services().database.session() as session:
        return len(list(session.scalars(select(AuditEvent).where(AuditEvent.action == action))))


def test_ten_codes_are_issued_and_only_their_hashes_are_stored(app: Flask) -> None:
    advocate = make_advocate(app, "a@example.org")
    assert len(set(advocate.recovery_codes)) == 10
    assert all(re.fullmatch(r"([A-Z2-9]{4}-){3}[A-Z2-9]{4}", c) for c in advocate.recovery_codes)
    with app.app_context(), services().database.session() as session:
        stored = [row.code_hash for row in session.scalars(select(RecoveryCode))]
    assert set(stored) == {RecoveryCodes.digest(c) for c in advocate.recovery_codes}
    for code in advocate.recovery_codes:
        assert code not in stored
        assert code.replace("-", "") not in "".join(stored)
    assert audited(app, "advocate.recovery_codes_issued") == 1


def test_a_recovery_code_signs_in_once_and_says_how_many_are_left(
        app: Flask, client: FlaskClient) -> None:
    advocate = make_advocate(app, "a@example.org")
    code = advocate.recovery_codes[3]
    typed = code.lower().replace("-", " ")  # as someone might type it from paper
    response = sign_in(client, advocate, code=typed)
    assert response.status_code == 200
    assert "You have 9 recovery codes left" in response.get_data(as_text=True)
    assert client.get("/advocates/queue").status_code == 200
    assert audited(app, "advocate.recovery_code_used") == 1
    again = sign_in(app.test_client(), advocate, code=code)
    assert again.status_code == 401
    assert audited(app, "advocate.recovery_code_used") == 1


def test_a_recovery_code_needs_the_password_and_is_not_spent_by_a_wrong_one(
        app: Flask) -> None:
    advocate = make_advocate(app, "a@example.org")
    code = advocate.recovery_codes[0]
    assert sign_in(app.test_client(), advocate, password="not the password",
                   code=code).status_code == 401
    with app.app_context():
        assert services().accounts.recovery_codes_left(advocate.id) == 10
    assert sign_in(app.test_client(), advocate, code=code).status_code == 200


def test_another_accounts_recovery_code_does_not_work(app: Flask) -> None:
    mine, theirs = make_advocate(app, "a@example.org"), make_advocate(app, "b@example.org")
    assert sign_in(app.test_client(), mine, code=theirs.recovery_codes[0]).status_code == 401


def test_an_admin_reset_issues_new_codes_and_the_old_ones_stop_working(app: Flask) -> None:
    advocate = make_advocate(app, "a@example.org")
    result = app.test_cli_runner().invoke(args=["advocates", "reset", advocate.email,
                                                "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    printed = re.findall(r"\b(?:[A-Z2-9]{4}-){3}[A-Z2-9]{4}\b", result.output)
    assert len(printed) == 10
    assert not set(printed) & set(advocate.recovery_codes)
    assert sign_in(app.test_client(), advocate, code=advocate.recovery_codes[0]
                   ).status_code == 401
    assert sign_in(app.test_client(), advocate, code=printed[0]).status_code == 200
    assert audited(app, "advocate.recovery_codes_issued") == 2


def test_create_prints_the_recovery_codes_once(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["advocates", "create", "c@example.org",
                                                "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    printed = re.findall(r"\b(?:[A-Z2-9]{4}-){3}[A-Z2-9]{4}\b", result.output)
    assert len(printed) == 10
    assert "shown only now" in result.output
    listing = app.test_cli_runner().invoke(args=["advocates", "list"])
    assert not set(printed) & set(re.findall(r"[A-Z2-9-]{19}", listing.output))
