"""`flask advocates ...`: accounts for the partnership's administrators."""

from __future__ import annotations

import io
import re
import secrets
import sys
import time
from pathlib import Path

import click
from flask.cli import AppGroup

from app.config import Settings
from app.crypto import Totp
from app.private_files import write_private_text
from app.services import services
from app.staff.accounts import ROLES, AccountError, Enrolment
from app.staff.phones import PhoneError

advocates_cli = AppGroup("advocates", help="Advocates' accounts.")
DEMO_EMAIL = "demo.advocate@quietline.invalid"


PASSWORD_STDIN = click.option(
    "--password-stdin", is_flag=True,
    help="Read the password from standard input (for scripts); otherwise prompt.")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _enrolment(enrolment: Enrolment) -> None:
    click.echo("Scan this with an authenticator app, or enter the URI by hand. It is shown "
               "once; nobody else should see it.")
    # Imported here: only this command draws a QR code, and every process builds the app.
    import segno  # noqa: PLC0415

    qr = io.StringIO()
    segno.make(enrolment.uri, error="m").terminal(out=qr, compact=True)
    click.echo(qr.getvalue())
    click.echo(enrolment.uri)
    click.echo("")
    click.echo("Recovery codes: each signs in once in place of the authenticator's code, if the "
               "phone is lost. Give them to the advocate to keep on paper, away from the "
               "phone. They are shown only now; the service keeps only their hashes.")
    for code in enrolment.recovery_codes:
        click.echo(f"  {code}")


@advocates_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="advocate", show_default=True)
@PASSWORD_STDIN
def create(email: str, role: str, password_stdin: bool) -> None:
    """Create an account; prints the TOTP enrolment URI, a QR code and recovery codes."""
    try:
        enrolment = services().accounts.create(email, role, _password(password_stdin))
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Created {enrolment.member.email} ({enrolment.member.role}).")
    _enrolment(enrolment)


@advocates_cli.command("reset")
@click.argument("email")
@PASSWORD_STDIN
def reset(email: str, password_stdin: bool) -> None:
    """A new password, authenticator enrolment and recovery codes (a lost phone); signs out
    everywhere."""
    try:
        enrolment = services().accounts.reset(email, _password(password_stdin))
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Reset {email.strip()}: the old password, codes and recovery codes no longer "
               "work.")
    _enrolment(enrolment)


@advocates_cli.command("disable")
@click.argument("email")
def disable(email: str) -> None:
    """Stop an account signing in, and sign it out everywhere now (someone who has left)."""
    try:
        services().accounts.set_active(email, False)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Disabled {email.strip()}.")


@advocates_cli.command("enable")
@click.argument("email")
def enable(email: str) -> None:
    """Let a disabled account sign in again."""
    try:
        services().accounts.set_active(email, True)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Enabled {email.strip()}.")


@advocates_cli.command("phone")
@click.argument("email")
@click.option("--stdin", "from_stdin", is_flag=True,
              help="Read the number from standard input (for scripts); otherwise prompt.")
def phone(email: str, from_stdin: bool) -> None:
    """Set the account's own phone, which safe call-backs ring first (empty removes it).
    Prompted without echo, so the number stays out of the shell's history and the screen."""
    member = services().accounts.find(email)
    if member is None:
        raise click.ClickException(f"there is no account for {email.strip()}")
    raw = sys.stdin.readline().strip() if from_stdin else str(click.prompt(
        "Phone number (empty to remove)", default="", show_default=False, hide_input=True))
    try:
        masked = services().phones.set(member.id, raw, actor="admin")
    except PhoneError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{member.email}: phone {masked or 'removed'}.")


@advocates_cli.command("list")
def listing() -> None:
    """Every account: role, whether it is active, last sign-in, and whether many wrong
    attempts put its sign-in under guard (addresses that failed wait; its owner does not)."""
    for email, role, active, last, locked in services().accounts.listing():
        state = "active" if active else "disabled"
        when = f"{last:%Y-%m-%d %H:%M}" if last else "never"
        lock = f"  guarded until {locked:%H:%M}" if locked else ""
        click.echo(f"{email:40} {role:10} {state:8} last sign-in {when}{lock}")


@advocates_cli.command("demo")
def demo() -> None:
    """Development only: make (or show) the demo advocate that `make run` prints."""
    built = services()
    if built.settings.production:
        raise click.ClickException("the demo advocate exists only in development")
    path = _demo_password_file(built.settings)
    existing = built.accounts.find(DEMO_EMAIL)
    if existing is None or not path.exists():
        password = secrets.token_urlsafe(12)
        if existing is None:
            built.accounts.create(DEMO_EMAIL, "supervisor", password)
        else:
            # Its password was kept in a file this database no longer reads (before each
            # database had its own): a new one, as `advocates reset` would give.
            built.accounts.reset(DEMO_EMAIL, password)
        write_private_text(path, password + "\n")
    member = built.accounts.find(DEMO_EMAIL)
    if member is None:  # pragma: no cover -- created just above
        raise click.ClickException("the demo advocate could not be created")
    password = path.read_text(encoding="utf-8").strip()
    code = Totp.code_at(built.accounts.totp_secret(member.id), time.time())
    click.echo(f"e-mail {DEMO_EMAIL}  password {password}  (supervisor)")
    # Another terminal has neither `make run-prod-like`'s DATABASE_URL nor its PostgreSQL:
    # without it, `advocates code` would read the SQLite file's demo advocate instead.
    prefix = "" if _default_database(built.settings) else \
        f"DATABASE_URL={built.settings.database_url} "
    click.echo(f"code now: {code}  (run `{prefix}.venv/bin/flask --app wsgi advocates code` "
               "for a new one)")


def _default_database(settings: Settings) -> bool:
    return settings.database_url == f"sqlite:///{settings.instance_path / 'quietline.sqlite3'}"


def _demo_password_file(settings: Settings) -> Path:
    """Where the demo advocate's password is kept: one file per database, because `make run`
    (SQLite) and `make run-prod-like` (PostgreSQL) share instance/, and each database has its
    own demo account; one file for both printed the other's password."""
    if _default_database(settings):
        return settings.instance_path / "demo-advocate.txt"
    # The URL without any user or password, as a file name.
    named = re.sub(r"//[^/@]*@", "//", settings.database_url).lower()
    return settings.instance_path / f"demo-advocate-{re.sub(r'[^a-z0-9]+', '-', named)[:80]}.txt"


@advocates_cli.command("code")
def code() -> None:
    """Development only: the demo advocate's current TOTP code."""
    built = services()
    member = built.accounts.find(DEMO_EMAIL)
    if built.settings.production or member is None:
        raise click.ClickException("only for the development demo advocate")
    click.echo(Totp.code_at(built.accounts.totp_secret(member.id), time.time()))
