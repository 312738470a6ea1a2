"""`flask advocates ...`: creating accounts, and development's demo advocate."""

from __future__ import annotations

import re
import time

import pytest
from flask import Flask

from app.crypto import Totp
from app.services import services
from tests.support import staff
from tests.support.staff import PASSWORD, sign_in

# Storage-dependent: every test here runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.databases("sqlite", "postgresql")


def create(app: Flask, *args: str, password: str = PASSWORD) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["advocates", "create", *args,
                                                "--password-stdin"], input=password + "\n")
    return result.exit_code, result.output


def test_create_prints_a_totp_uri_and_a_qr_code_and_the_account_signs_in(app: Flask) -> None:
    code, output = create(app, "Sam@Example.org", "--role", "supervisor")
    assert code == 0, output
    uri = re.search(r"otpauth://totp/[^\s]+", output)
    assert uri is not None
    assert "issuer=Quietline" in uri.group(0)
    assert "█" in output or "▀" in output  # the QR code, drawn in the terminal
    secret = re.search(r"secret=([A-Z2-7]+)", uri.group(0))
    assert secret is not None
    with app.app_context():
        member = services().accounts.find("sam@example.org")
    assert member is not None
    assert member.role == "supervisor"
    advocate = staff.TestAdvocate(member.id, member.email, member.role, secret.group(1))
    assert sign_in(app.test_client(), advocate).status_code == 302


@pytest.mark.parametrize(("args", "password", "message"), [
    (("not-an-email",), PASSWORD, "not an e-mail address"),
    (("a@example.org",), "short", "at least 12 characters"),
    (("a@example.org", "--role", "owner"), PASSWORD, "Invalid value for '--role'"),
])
def test_create_refuses_bad_input_with_a_reason(app: Flask, args: tuple[str, ...],
                                                password: str, message: str) -> None:
    code, output = create(app, *args, password=password)
    assert code != 0
    assert message in output
    with app.app_context():
        assert services().accounts.find("a@example.org") is None


def test_the_same_address_cannot_be_created_twice(app: Flask) -> None:
    assert create(app, "a@example.org")[0] == 0
    code, output = create(app, "A@example.org")
    assert code != 0
    assert "already exists" in output


def test_the_password_never_appears_in_the_output(app: Flask) -> None:
    _code, output = create(app, "a@example.org")
    assert PASSWORD not in output


def test_the_demo_advocate_is_made_once_and_its_code_is_current(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["advocates", "demo"])
    second = runner.invoke(args=["advocates", "demo"])
    assert first.exit_code == second.exit_code == 0
    password = re.search(r"password (\S+)", first.output)
    assert password is not None
    assert f"password {password.group(1)}" in second.output  # the same account, not a new one
    code = runner.invoke(args=["advocates", "code"]).output.strip()
    with app.app_context():
        member = services().accounts.find("demo.advocate@quietline.invalid")
        assert member is not None
        secret = services().accounts.totp_secret(member.id)
    assert Totp.accepted_step(secret, code, time.time(), None) is not None


def uri_secret(output: str) -> str:
    found = re.search(r"secret=([A-Z2-7]+)", output)
    assert found is not None, output
    return found.group(1)


def created(app: Flask, email: str) -> staff.TestAdvocate:
    """An account made with `flask advocates create`, with the secret its output gave."""
    _code, output = create(app, email)
    with app.app_context():
        member = services().accounts.find(email)
    assert member is not None
    return staff.TestAdvocate(member.id, member.email, member.role, uri_secret(output))


def test_reset_gives_a_new_password_and_code_and_ends_every_session(app: Flask) -> None:
    old = created(app, "a@example.org")
    signed_in = app.test_client()
    sign_in(signed_in, old)
    new_password = "a brand new passphrase"
    result = app.test_cli_runner().invoke(
        args=["advocates", "reset", "a@example.org", "--password-stdin"],
        input=new_password + "\n")
    assert result.exit_code == 0, result.output
    new = staff.TestAdvocate(old.id, old.email, old.role, uri_secret(result.output))
    assert new.secret != old.secret
    assert signed_in.get("/advocates/queue").status_code == 302  # signed out everywhere
    later = time.time() + 30  # a step the old code has not used
    assert sign_in(app.test_client(), old, code=old.code(later)).status_code == 401
    assert sign_in(app.test_client(), new, code=new.code(later),
                   password=new_password).status_code == 302


def test_disable_stops_sign_in_at_once_and_enable_allows_it_again(app: Flask) -> None:
    advocate = created(app, "a@example.org")
    signed_in = app.test_client()
    sign_in(signed_in, advocate)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["advocates", "disable", "a@example.org"]).exit_code == 0
    assert signed_in.get("/advocates/queue").status_code == 302
    assert sign_in(app.test_client(), advocate,
                   code=advocate.code(time.time() + 30)).status_code == 401
    assert "disabled" in runner.invoke(args=["advocates", "list"]).output
    assert runner.invoke(args=["advocates", "enable", "a@example.org"]).exit_code == 0
    assert sign_in(app.test_client(), advocate,
                   code=advocate.code(time.time() + 30)).status_code == 302
    listed = runner.invoke(args=["advocates", "list"]).output
    assert "a@example.org" in listed
    assert "active" in listed


def test_changing_an_unknown_account_says_so(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["advocates", "disable", "who@example.org"])
    assert result.exit_code != 0
    assert "no account for who@example.org" in result.output
