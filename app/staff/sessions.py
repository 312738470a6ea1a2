"""Advocates' signed-in sessions, as rows: idle and absolute expiry, listing, ending.

Threat (docs/threat-model.md, A3): a staff page left open on a shared office screen, or a
copied cookie. So a session ends after `session_idle_minutes` without a person's action
(a page's own polling is not an action: an open queue page must still sign out), and after
`session_max_hours` whatever happens. The cookie holds a random token; the row holds only its
digest, when the session began and when a person last acted in it: no address, no browser
details. An advocate sees their own sessions and can end any or all of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update

from app import audit
from app.crypto import new_session_token, session_token_digest
from app.deployment.sections import StaffPolicy
from app.staff.accounts import StaffMember, end_every_session
from app.storage.db import Database
from app.storage.models import Advocate, StaffSession, table_of
from app.storage.times import utc

log = logging.getLogger(__name__)
sessions = table_of(StaffSession)
advocates = table_of(Advocate)
_s = sessions.c


@dataclass(frozen=True)
class SessionInfo:
    id: int
    created_at: datetime
    last_action_at: datetime


@dataclass(frozen=True)
class Resumed:
    member: StaffMember
    session_id: int


class StaffSessions:
    def __init__(self, *, database: Database, policy: StaffPolicy,
                 clock: Callable[[], datetime]) -> None:
        self.database = database
        self.idle = timedelta(minutes=policy.session_idle_minutes)
        self.lifetime = timedelta(hours=policy.session_max_hours)
        self.clock = clock

    def start(self, member: StaffMember) -> str:
        """A new session for a member who just signed in; returns the cookie's token."""
        token, now = new_session_token(), self.clock()
        with self.database.transaction() as connection:
            connection.execute(insert(sessions).values(
                advocate_id=member.id, token_hash=session_token_digest(token), created_at=now,
                last_action_at=now, ended_at=None))
        return token

    def resume(self, token: str, *, action: bool) -> Resumed | None:
        """The member a token belongs to, if its session is live. `action` is true for a
        person's request (a page, a form), false for a page's own polling: only an action
        moves the idle timer on."""
        now = self.clock()
        with self.database.transaction() as connection:
            row = connection.execute(
                select(_s.id, _s.created_at, _s.last_action_at, advocates.c.id.label("member"),
                       advocates.c.email, advocates.c.role, advocates.c.session_epoch)
                .join(advocates, advocates.c.id == _s.advocate_id)
                .where(_s.token_hash == session_token_digest(token), _s.ended_at.is_(None),
                       advocates.c.active.is_(True))).first()
            if row is None:
                return None
            expired = (now - utc(row.created_at) >= self.lifetime
                       or now - utc(row.last_action_at) >= self.idle)
            if expired:
                connection.execute(update(sessions).where(_s.id == row.id)
                                   .values(ended_at=now))
                log.info("event=staff_session.expired advocate=%s", row.member)
                return None
            if action:
                connection.execute(update(sessions).where(_s.id == row.id)
                                   .values(last_action_at=now))
        return Resumed(StaffMember(row.member, row.email, row.role, row.session_epoch),
                       row.id)

    def listing(self, advocate_id: int) -> list[SessionInfo]:
        """The account's live sessions, newest first."""
        now = self.clock()
        with self.database.transaction() as connection:
            rows = connection.execute(select(_s.id, _s.created_at, _s.last_action_at).where(
                _s.advocate_id == advocate_id, _s.ended_at.is_(None))
                .order_by(_s.created_at.desc(), _s.id.desc())).all()
        return [SessionInfo(r.id, utc(r.created_at), utc(r.last_action_at)) for r in rows
                if now - utc(r.created_at) < self.lifetime
                and now - utc(r.last_action_at) < self.idle]

    def on_shift(self) -> frozenset[int]:
        """The accounts with a live session now: signed in and used within the idle time.
        A case is only handed to someone on shift, or nobody would answer it."""
        now = self.clock()
        with self.database.transaction() as connection:
            rows = connection.execute(select(_s.advocate_id).where(
                _s.ended_at.is_(None), _s.created_at > now - self.lifetime,
                _s.last_action_at > now - self.idle).distinct()).scalars()
            return frozenset(rows)

    def end(self, advocate_id: int, session_id: int) -> bool:
        """End one of the account's own sessions; False if it is not theirs or already over."""
        now = self.clock()
        with self.database.transaction() as connection:
            ended = bool(connection.execute(update(sessions).where(
                _s.id == session_id, _s.advocate_id == advocate_id, _s.ended_at.is_(None))
                .values(ended_at=now)).rowcount)
            if ended:
                audit.record(connection, now=now, actor=audit.staff(advocate_id),
                             action="advocate.signed_out")
        return ended

    def end_all(self, advocate_id: int) -> None:
        """Sign out everywhere: every session of the account ends now."""
        now = self.clock()
        with self.database.transaction() as connection:
            end_every_session(connection, advocate_id, now)
            audit.record(connection, now=now, actor=audit.staff(advocate_id),
                         action="advocate.signed_out_everywhere")
        log.info("event=advocate.signed_out_everywhere advocate=%s", advocate_id)
