"""`make run` (SQLite) and `make run-prod-like` (PostgreSQL) share instance/, each database with
its own demo advocate: the password and the code each prints must be that database's own."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from flask import Flask

from app.crypto import Totp
from app.services import services
from tests.conftest import AppWith


def demo(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["advocates", "demo"])
    assert result.exit_code == 0, result.output
    return result.output


def password(output: str) -> str:
    found = re.search(r"password (\S+)", output)
    assert found is not None, output
    return found.group(1)


def other_database(environ: dict[str, str], tmp_path: Path) -> str:
    """A second migrated database beside the same instance folder."""
    other = tmp_path / "other.sqlite3"
    shutil.copyfile(environ["DATABASE_URL"].removeprefix("sqlite:///"), other)
    return f"sqlite:///{other}"


def test_each_database_keeps_its_own_demo_password(app: Flask, app_with: AppWith,
                                                   environ: dict[str, str],
                                                   tmp_path: Path) -> None:
    first = demo(app)
    second = app_with(DATABASE_URL=other_database(environ, tmp_path))
    assert password(demo(second)) != password(first)
    assert password(demo(app)) == password(first)
    with app.app_context():
        member = services().accounts.find("demo.advocate@quietline.invalid")
        assert member is not None
        code = Totp.code_at(services().accounts.totp_secret(member.id), time.time())
        assert services().accounts.sign_in(member.email, password(first), code, "127.0.0.1")


def test_the_code_command_it_suggests_reaches_the_same_database(app_with: AppWith,
                                                                environ: dict[str, str],
                                                                tmp_path: Path) -> None:
    url = other_database(environ, tmp_path)
    output = demo(app_with(DATABASE_URL=url))
    assert f"`DATABASE_URL={url} .venv/bin/flask --app wsgi advocates code`" in output
