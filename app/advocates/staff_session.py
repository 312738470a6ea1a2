"""The advocate's signed-in session: ids and flags only, expiring after inactivity.

Flask's session cookie is signed, not encrypted, so it holds the advocate's id, the account's
session epoch (bumped to sign every device out), when it was last used and the CSRF token;
never anything about a case.
"""

from __future__ import annotations

import secrets
import time

from flask import request, session

from app.crypto import same_secret
from app.services import services
from app.staff.accounts import StaffMember


def sign_in(member: StaffMember) -> None:
    session.clear()
    session["advocate"] = member.id
    session["epoch"] = member.session_epoch
    session["seen"] = int(time.time())
    session["csrf"] = secrets.token_urlsafe(32)


def sign_out() -> None:
    session.clear()


def current() -> StaffMember | None:
    """The signed-in advocate, or None (never signed in, idle too long, account changed)."""
    advocate_id, epoch, seen = session.get("advocate"), session.get("epoch"), session.get("seen")
    if not isinstance(advocate_id, int) or not isinstance(epoch, int) or not isinstance(seen,
                                                                                        int):
        return None
    idle = services().settings.deployment.staff.session_idle_minutes * 60
    now = int(time.time())
    if now - seen > idle:
        session.clear()
        return None
    member = services().accounts.current(advocate_id, epoch)
    if member is None:
        session.clear()
        return None
    # The queue page's polling keeps a session alive only while the page is open.
    session["seen"] = now
    return member


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_ok() -> bool:
    expected = session.get("csrf")
    given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    return isinstance(expected, str) and same_secret(expected, given)
