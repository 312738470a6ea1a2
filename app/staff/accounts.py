"""Advocates' accounts: creation, sign-in with password and TOTP (or a recovery code).

Threat (docs/threat-model.md, A3): someone on the internet guesses advocates' passwords to read
survivors' cases, or turns the lock-out against the service. So every sign-in needs the
password (argon2id) and a fresh TOTP code, or one of the account's one-time recovery codes;
attempts are throttled before they are checked (`app.staff.throttle`: the offending address
first, never an account for everyone); an unknown e-mail is answered, throttled and timed
exactly like a known one. A code or recovery code is spent by a conditional UPDATE, so two
parallel sign-ins cannot both use it. Throttling only ever affects staff sign-in: survivors'
channels share nothing with it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.crypto import (
    ContactHasher,
    DataKey,
    DecryptionError,
    FieldContext,
    Keyring,
    Passwords,
    RecoveryCodes,
    Totp,
)
from app.deployment.sections import StaffPolicy
from app.networks import network_of
from app.staff.throttle import Admitted, Keys, Refused, Throttle
from app.storage.db import Database
from app.storage.models import Advocate, RecoveryCode, StaffSession, table_of
from app.storage.times import aware

log = logging.getLogger(__name__)
advocates = table_of(Advocate)
recovery_codes = table_of(RecoveryCode)
staff_sessions = table_of(StaffSession)

ROLES = ("advocate", "supervisor", "admin")
MIN_PASSWORD_LENGTH = 12
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}$")


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why."""


class SignInRefused(Exception):
    """Sign-in failed. `until` is set when this address may not try again before then."""

    def __init__(self, until: datetime | None = None) -> None:
        super().__init__("locked" if until else "wrong")
        self.until = until


@dataclass(frozen=True)
class StaffMember:
    id: int
    email: str
    role: str
    session_epoch: int
    # A disabled account can still be looked up (to refuse giving it a case), never sign in.
    active: bool = True


@dataclass(frozen=True)
class Enrolment:
    """What an administrator hands over, once: the authenticator URI and recovery codes."""

    member: StaffMember
    uri: str
    recovery_codes: list[str]


@dataclass(frozen=True)
class SignedIn:
    member: StaffMember
    # Set when a recovery code was used: how many unused codes the account has left.
    recovery_codes_left: int | None = None


def _ctx(column: str, advocate_id: int) -> FieldContext:
    return FieldContext("advocates", column, str(advocate_id))


def end_every_session(connection: Connection, advocate_id: int, now: datetime) -> None:
    """End all of an account's sessions (sign out everywhere, a reset, a disabled account)."""
    connection.execute(update(staff_sessions).where(
        staff_sessions.c.advocate_id == advocate_id, staff_sessions.c.ended_at.is_(None))
        .values(ended_at=now))


def _new_recovery_codes(connection: Connection, advocate_id: int, now: datetime) -> list[str]:
    """Replace the account's recovery codes; returns them in clear, to be shown once."""
    codes = RecoveryCodes.generate()
    connection.execute(recovery_codes.delete().where(
        recovery_codes.c.advocate_id == advocate_id))
    connection.execute(insert(recovery_codes), [
        {"advocate_id": advocate_id, "code_hash": RecoveryCodes.digest(code), "created_at": now,
         "used_at": None} for code in codes])
    return codes


class Accounts:
    def __init__(self, *, database: Database, keyring: Keyring, passwords: Passwords,
                 hasher: ContactHasher, policy: StaffPolicy,
                 clock: Callable[[], datetime]) -> None:
        self.database = database
        self.keyring = keyring
        self.passwords = passwords
        self.hasher = hasher
        self.policy = policy
        self.clock = clock
        self.throttle = Throttle(limit=policy.max_failed_logins,
                                 window=timedelta(minutes=policy.lockout_minutes))

    def purge_ended_throttles(self) -> int:
        """The daily run's part for sign-ins: counters whose window is over are deleted."""
        with self.database.engine.begin() as connection:
            return self.throttle.purge_ended(connection, self.clock())

    def create(self, email: str, role: str, password: str) -> Enrolment:
        """A new account, its TOTP provisioning URI and its recovery codes (shown once)."""
        email = normalise_email(email)
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
        secret = Totp.new_secret()
        key = DataKey.generate()
        now = self.clock()
        try:
            with self.database.transaction() as connection:
                advocate_id: int = connection.execute(insert(advocates).values(
                    email=email, role=role, password_hash=self.passwords.hash(password),
                    wrapped_key=b"", totp_sealed=b"", failed_logins=0, active=True,
                    session_epoch=0, created_at=now,
                ).returning(advocates.c.id)).scalar_one()
                # The row id is part of the associated data, so sealing waits for the insert.
                connection.execute(update(advocates).where(advocates.c.id == advocate_id).values(
                    wrapped_key=self.keyring.wrap(key, _ctx("key", advocate_id)),
                    totp_sealed=key.seal(secret, _ctx("totp", advocate_id))))
                codes = _new_recovery_codes(connection, advocate_id, now)
                named = audit.account(advocate_id)
                audit.record(connection, now=now, actor="admin", action="advocate.created",
                             purpose=named)
                audit.record(connection, now=now, actor="admin",
                             action="advocate.recovery_codes_issued", purpose=named)
        except IntegrityError as exc:
            raise AccountError(f"an account for {email} already exists") from exc
        log.info("event=advocate.created advocate=%s role=%s", advocate_id, role)
        return Enrolment(StaffMember(advocate_id, email, role, 0),
                         Totp.provisioning_uri(secret, email), codes)

    def reset(self, email: str, password: str) -> Enrolment:
        """A new password, a new TOTP secret and new recovery codes (a lost phone, a forgotten
        password); every session ends and the e-mail's sign-in guard is lifted."""
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
        member = self._existing(email)
        secret, key, now = Totp.new_secret(), DataKey.generate(), self.clock()
        with self.database.transaction() as connection:
            connection.execute(update(advocates).where(advocates.c.id == member.id).values(
                password_hash=self.passwords.hash(password),
                wrapped_key=self.keyring.wrap(key, _ctx("key", member.id)),
                phone_sealed=self._resealed_phone(connection, member.id, key),
                totp_sealed=key.seal(secret, _ctx("totp", member.id)), totp_last_step=None,
                failed_logins=0, locked_until=None,
                session_epoch=advocates.c.session_epoch + 1))
            end_every_session(connection, member.id, now)
            self.throttle.clear(connection, self._email_key(member.email))
            codes = _new_recovery_codes(connection, member.id, now)
            named = audit.account(member.id)
            audit.record(connection, now=now, actor="admin", action="advocate.reset",
                         purpose=named)
            audit.record(connection, now=now, actor="admin",
                         action="advocate.recovery_codes_issued", purpose=named)
        log.info("event=advocate.reset advocate=%s", member.id)
        return Enrolment(member, Totp.provisioning_uri(secret, member.email), codes)

    def _resealed_phone(self, connection: Connection, advocate_id: int,
                        key: DataKey) -> bytes | None:
        """The account's own phone (app/staff/phones.py), sealed again under its new data key,
        so a reset does not lose it."""
        row = connection.execute(select(advocates.c.wrapped_key, advocates.c.phone_sealed)
                                 .where(advocates.c.id == advocate_id)).one()
        if row.phone_sealed is None:
            return None
        try:
            old = self.keyring.unwrap(row.wrapped_key, _ctx("key", advocate_id))
        except DecryptionError as error:
            # Resetting anyway would lose the on-call phone without a word: refuse, and say
            # how to bring the key back (the account is left exactly as it was).
            raise AccountError(
                "this account's phone is sealed under a data key QUIETLINE_DATA_KEYS no longer "
                "lists: list the old key after the new one (NEW,OLD), run `flask keys rotate`, "
                "then reset again") from error
        return key.seal(old.open(row.phone_sealed, _ctx("phone", advocate_id)),
                        _ctx("phone", advocate_id))

    def set_active(self, email: str, active: bool) -> None:
        """Disable (or enable again) an account; disabling signs it out everywhere at once."""
        member = self._existing(email)
        with self.database.transaction() as connection:
            connection.execute(update(advocates).where(advocates.c.id == member.id).values(
                active=active, session_epoch=advocates.c.session_epoch + 1))
            end_every_session(connection, member.id, self.clock())
            audit.record(connection, now=self.clock(), actor="admin",
                         action="advocate.enabled" if active else "advocate.disabled",
                         purpose=audit.account(member.id))
        log.info("event=advocate.%s advocate=%s", "enabled" if active else "disabled",
                 member.id)

    def listing(self) -> list[tuple[str, str, bool, datetime | None, datetime | None]]:
        """(e-mail, role, active, last sign-in, guarded until) for every account: "guarded"
        means many wrong attempts were made for the account, so any address that has failed
        for it waits until then (its owner, from an address that has not failed, does not)."""
        now = self.clock()
        with self.database.transaction() as connection:
            rows = connection.execute(select(
                advocates.c.email, advocates.c.role, advocates.c.active,
                advocates.c.last_login_at).order_by(advocates.c.email)).all()
            return [(r.email, r.role, bool(r.active), aware(r.last_login_at),
                     self.throttle.guarded_until(connection, self._email_key(r.email), now))
                    for r in rows]

    def roster(self) -> list[StaffMember]:
        """Every account (active or not), by e-mail address, for the staff page."""
        with self.database.transaction() as connection:
            rows = connection.execute(select(advocates).order_by(advocates.c.email)).all()
        return [StaffMember(r.id, r.email, r.role, r.session_epoch, bool(r.active))
                for r in rows]

    def by_id(self, advocate_id: int) -> StaffMember | None:
        with self.database.transaction() as connection:
            row = connection.execute(select(advocates).where(
                advocates.c.id == advocate_id)).first()
        return None if row is None else StaffMember(row.id, row.email, row.role,
                                                    row.session_epoch, bool(row.active))

    def _existing(self, email: str) -> StaffMember:
        member = self.find(email)
        if member is None:
            raise AccountError(f"there is no account for {email.strip()}")
        return member

    def totp_secret(self, advocate_id: int) -> str:
        """The TOTP secret, opened (development's demo account shows the current code)."""
        with self.database.transaction() as connection:
            row = connection.execute(select(advocates.c.wrapped_key, advocates.c.totp_sealed)
                                     .where(advocates.c.id == advocate_id)).one()
        key = self.keyring.unwrap(row.wrapped_key, _ctx("key", advocate_id))
        return key.open(row.totp_sealed, _ctx("totp", advocate_id))

    def _email_key(self, email: str) -> str:
        return "email:" + self.hasher.hash("staff-sign-in-email", email.strip().casefold())

    def _keys(self, email: str, address: str) -> Keys:
        normal = email.strip().casefold()
        # Per network (an IPv6 address's /64: app/networks.py): otherwise a guesser with a
        # /64 gets a fresh address, and a fresh try at a guarded e-mail, for every guess.
        address = network_of(address)
        return Keys(address="address:" + self.hasher.hash("staff-sign-in", address),
                    email=self._email_key(normal),
                    pair="pair:" + self.hasher.hash("staff-sign-in-pair", f"{normal}|{address}"))

    def sign_in(self, email: str, password: str, code: str, address: str) -> SignedIn:
        """The account, if password and code (or an unused recovery code) are right and this
        address may try. Known and unknown e-mails take the same path and the same work."""
        now = self.clock()
        try:
            with self.database.transaction() as connection:
                admitted = self.throttle.admit(connection, self._keys(email, address), now)
        except Refused as refused:
            log.warning("event=advocate.sign_in result=throttled")
            raise SignInRefused(refused.until) from None
        with self.database.transaction() as connection:
            row = connection.execute(select(advocates).where(
                func.lower(advocates.c.email) == email.strip().casefold(),
                advocates.c.active.is_(True))).first()
        # The password is checked even for an unknown e-mail (see Passwords.verify).
        password_ok = self.passwords.verify(row.password_hash if row else None, password)
        signed_in = self._second_factor(row, password, code, admitted, now) if (
            row is not None and password_ok) else None
        if signed_in is None:
            with self.database.transaction() as connection:
                until = self.throttle.exhausted(connection, admitted, now)
            log.warning("event=advocate.sign_in result=refused advocate=%s",
                        row.id if row else "-")
            raise SignInRefused(until)
        log.info("event=advocate.sign_in result=ok advocate=%s recovery_code=%s",
                 signed_in.member.id, signed_in.recovery_codes_left is not None)
        return signed_in

    def _second_factor(self, row: Row[Any], password: str, code: str, admitted: Admitted,
                       now: datetime) -> SignedIn | None:
        """Spend the TOTP step or the recovery code and record the sign-in, in one
        transaction; None if the code is wrong or was already spent (by a parallel sign-in).
        """
        recovery = RecoveryCodes.digest(code)
        step = None
        if recovery is None:
            key = self.keyring.unwrap(row.wrapped_key, _ctx("key", row.id))
            secret = key.open(row.totp_sealed, _ctx("totp", row.id))
            step = Totp.accepted_step(secret, code, now.timestamp(), row.totp_last_step)
            if step is None:
                return None
        left = None
        with self.database.transaction() as connection:
            if recovery is not None:
                if not connection.execute(update(recovery_codes).where(
                        recovery_codes.c.advocate_id == row.id,
                        recovery_codes.c.code_hash == recovery,
                        recovery_codes.c.used_at.is_(None)).values(used_at=now)).rowcount:
                    return None
                left = connection.execute(select(func.count()).select_from(recovery_codes)
                                          .where(recovery_codes.c.advocate_id == row.id,
                                                 recovery_codes.c.used_at.is_(None))
                                          ).scalar_one()
                audit.record(connection, now=now, actor=audit.staff(row.id),
                             action="advocate.recovery_code_used")
            elif not connection.execute(update(advocates).where(
                    advocates.c.id == row.id, or_(advocates.c.totp_last_step.is_(None),
                                                  advocates.c.totp_last_step < step))
                    .values(totp_last_step=step)).rowcount:
                return None  # a parallel sign-in spent this step (or a later one) first
            values: dict[str, object] = {"last_login_at": now}
            if self.passwords.needs_rehash(row.password_hash):
                values["password_hash"] = self.passwords.hash(password)
            connection.execute(update(advocates).where(advocates.c.id == row.id).values(values))
            self.throttle.succeeded(connection, admitted)
            audit.record(connection, now=now, actor=audit.staff(row.id),
                         action="advocate.signed_in")
        return SignedIn(StaffMember(row.id, row.email, row.role, row.session_epoch), left)

    def recovery_codes_left(self, advocate_id: int) -> int:
        with self.database.transaction() as connection:
            return int(connection.execute(select(func.count()).select_from(recovery_codes).where(
                recovery_codes.c.advocate_id == advocate_id,
                recovery_codes.c.used_at.is_(None))).scalar_one())

    def find(self, email: str) -> StaffMember | None:
        with self.database.transaction() as connection:
            row = connection.execute(select(advocates).where(
                func.lower(advocates.c.email) == email.strip().casefold())).first()
        return None if row is None else StaffMember(row.id, row.email, row.role,
                                                    row.session_epoch, bool(row.active))

    def names(self, *, disabled_too: bool = False) -> dict[int, str]:
        """Advocates' e-mail addresses by id, for the queue's "claimed by" and reassignment;
        with `disabled_too`, for the audit trail, which names a disabled account's past acts
        and the rows about disabling it."""
        query = select(advocates.c.id, advocates.c.email)
        with self.database.transaction() as connection:
            rows = connection.execute(query if disabled_too
                                      else query.where(advocates.c.active.is_(True))).all()
        return {row.id: row.email for row in rows}

    def assignable(self, giver: StaffMember, holder: int | None = None) -> list[str]:
        """Whom `giver` may give a case to: active advocates and supervisors other than
        themselves (the same rule as `authz.can_reassign_to`, so the list offers nothing that
        would be refused) and other than whoever holds the case now (a no-op otherwise)."""
        others = [giver.id] if holder is None else [giver.id, holder]
        with self.database.transaction() as connection:
            rows = connection.execute(select(advocates.c.email).where(
                advocates.c.active.is_(True), advocates.c.role.in_(("advocate", "supervisor")),
                advocates.c.id.not_in(others)).order_by(advocates.c.email)).all()
        return [row.email for row in rows]


def normalise_email(email: str) -> str:
    email = email.strip().casefold()
    if not _EMAIL.match(email):
        raise AccountError("that is not an e-mail address")
    return email

