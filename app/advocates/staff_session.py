"""The advocate's signed-in session cookie: a session token and the CSRF token, nothing more.

Flask's session cookie is signed, not encrypted, so it holds only the random session token
(the database keeps its digest, when the session began and when a person last acted in it:
`app.staff.sessions`) and the CSRF token; never anything about a case.
"""

from __future__ import annotations

import secrets

from flask import g, request, session

from app.crypto import same_secret
from app.services import services
from app.staff.accounts import StaffMember


def sign_in(member: StaffMember) -> None:
    # A fresh cookie: nothing from before sign-in (a planted session) carries over.
    session.clear()
    session["token"] = services().staff_sessions.start(member)
    session["csrf"] = secrets.token_urlsafe(32)


def sign_out() -> None:
    session.clear()


def current(*, action: bool) -> StaffMember | None:
    """The signed-in advocate, or None (never signed in, idle too long, past the session's
    lifetime, signed out elsewhere, account changed). Only a person's `action` (not a page's
    own polling) keeps the session from going idle."""
    token = session.get("token")
    if not isinstance(token, str):
        return None
    resumed = services().staff_sessions.resume(token, action=action)
    if resumed is None:
        session.clear()
        return None
    g.staff_session_id = resumed.session_id
    return resumed.member


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
