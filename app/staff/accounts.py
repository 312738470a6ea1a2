"""Advocates' accounts: creation, sign-in with password and TOTP, throttling and lock-out.

Threat (docs/threat-model.md, A3): someone on the internet guesses advocates' passwords to read
survivors' cases. So every sign-in needs the password (argon2id) and a fresh TOTP code; wrong
attempts are counted per account and per network address (as an HMAC, never the address),
and either count over its limit locks sign-in for a time. A lock-out only ever affects staff
sign-in: survivors' channels share nothing with it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.crypto import ContactHasher, DataKey, FieldContext, Keyring, Passwords, Totp
from app.deployment import StaffPolicy
from app.storage.db import Database
from app.storage.models import Advocate, LoginThrottle, table_of
from app.storage.times import aware

log = logging.getLogger(__name__)
advocates = table_of(Advocate)
throttles = table_of(LoginThrottle)

ROLES = ("advocate", "supervisor", "admin")
MIN_PASSWORD_LENGTH = 12
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}$")
# Wrong sign-ins from one address in a window before the address is locked out: higher than
# one account's limit, since an office shares one address, but far below a guessing attack.
ADDRESS_WINDOW = timedelta(minutes=15)
ADDRESS_FACTOR = 3


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why."""


class SignInRefused(Exception):
    """Sign-in failed. `until` is set when the account or address is locked out."""

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


def _ctx(column: str, advocate_id: int) -> FieldContext:
    return FieldContext("advocates", column, str(advocate_id))


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

    def create(self, email: str, role: str, password: str) -> tuple[StaffMember, str]:
        """A new account; returns it and the TOTP provisioning URI to enrol an authenticator."""
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
                audit.record(connection, now=now, actor="admin", action="advocate.created")
        except IntegrityError as exc:
            raise AccountError(f"an account for {email} already exists") from exc
        log.info("event=advocate.created advocate=%s role=%s", advocate_id, role)
        return StaffMember(advocate_id, email, role, 0), Totp.provisioning_uri(secret, email)

    def reset(self, email: str, password: str) -> str:
        """A new password and a new TOTP secret (a lost phone, a forgotten password); every
        session ends and any lock-out is lifted. Returns the new provisioning URI."""
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
        member = self._existing(email)
        secret, key, now = Totp.new_secret(), DataKey.generate(), self.clock()
        with self.database.transaction() as connection:
            connection.execute(update(advocates).where(advocates.c.id == member.id).values(
                password_hash=self.passwords.hash(password),
                wrapped_key=self.keyring.wrap(key, _ctx("key", member.id)),
                totp_sealed=key.seal(secret, _ctx("totp", member.id)), totp_last_step=None,
                failed_logins=0, locked_until=None,
                session_epoch=advocates.c.session_epoch + 1))
            audit.record(connection, now=now, actor="admin", action="advocate.reset")
        log.info("event=advocate.reset advocate=%s", member.id)
        return Totp.provisioning_uri(secret, member.email)

    def set_active(self, email: str, active: bool) -> None:
        """Disable (or enable again) an account; disabling signs it out everywhere at once."""
        member = self._existing(email)
        with self.database.transaction() as connection:
            connection.execute(update(advocates).where(advocates.c.id == member.id).values(
                active=active, session_epoch=advocates.c.session_epoch + 1))
            audit.record(connection, now=self.clock(), actor="admin",
                         action="advocate.enabled" if active else "advocate.disabled")
        log.info("event=advocate.%s advocate=%s", "enabled" if active else "disabled",
                 member.id)

    def listing(self) -> list[tuple[str, str, bool, datetime | None, datetime | None]]:
        """(e-mail, role, active, last sign-in, locked until) for every account."""
        with self.database.transaction() as connection:
            rows = connection.execute(select(
                advocates.c.email, advocates.c.role, advocates.c.active,
                advocates.c.last_login_at, advocates.c.locked_until)
                .order_by(advocates.c.email)).all()
        now = self.clock()
        return [(r.email, r.role, bool(r.active), aware(r.last_login_at),
                 locked if (locked := aware(r.locked_until)) and locked > now else None)
                for r in rows]

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

    def sign_in(self, email: str, password: str, code: str, address: str) -> StaffMember:
        """The account, if password and code are right and neither lock-out is in force."""
        now = self.clock()
        address_key = "address:" + self.hasher.hash("staff-sign-in", address)
        email = email.strip().casefold()
        with self.database.transaction() as connection:
            address_locked = self._address_locked_until(connection, address_key, now)
            row = connection.execute(select(advocates).where(
                func.lower(advocates.c.email) == email, advocates.c.active.is_(True))).first()
        locked_until = aware(row.locked_until) if row is not None else None
        if address_locked or (locked_until is not None and locked_until > now):
            log.warning("event=advocate.sign_in result=locked")
            raise SignInRefused(max(t for t in (address_locked, locked_until) if t))
        # The password is checked even for an unknown e-mail (see Passwords.verify).
        password_ok = self.passwords.verify(row.password_hash if row else None, password)
        step = None
        if row is not None and password_ok:
            key = self.keyring.unwrap(row.wrapped_key, _ctx("key", row.id))
            secret = key.open(row.totp_sealed, _ctx("totp", row.id))
            step = Totp.accepted_step(secret, code, now.timestamp(), row.totp_last_step)
        if row is None or step is None:
            until = self._record_failure(row.id if row else None, address_key, now)
            log.warning("event=advocate.sign_in result=refused advocate=%s",
                        row.id if row else "-")
            raise SignInRefused(until)
        with self.database.transaction() as connection:
            values: dict[str, object] = {"failed_logins": 0, "locked_until": None,
                                         "totp_last_step": step, "last_login_at": now}
            if self.passwords.needs_rehash(row.password_hash):
                values["password_hash"] = self.passwords.hash(password)
            connection.execute(update(advocates).where(advocates.c.id == row.id).values(values))
            audit.record(connection, now=now, actor=audit.staff(row.id),
                         action="advocate.signed_in")
        log.info("event=advocate.sign_in result=ok advocate=%s", row.id)
        return StaffMember(row.id, row.email, row.role, row.session_epoch)

    def _address_locked_until(self, connection: Connection, key: str, now: datetime
                              ) -> datetime | None:
        locked = connection.execute(select(throttles.c.locked_until)
                                    .where(throttles.c.key == key)).scalar()
        locked = aware(locked)
        return locked if locked is not None and locked > now else None

    def _record_failure(self, advocate_id: int | None, address_key: str, now: datetime
                        ) -> datetime | None:
        """Count a wrong attempt; returns when sign-in unlocks if this attempt locked it."""
        lockout = timedelta(minutes=self.policy.lockout_minutes)
        until: datetime | None = None
        with self.database.transaction() as connection:
            if advocate_id is not None:
                failures: int = connection.execute(
                    update(advocates).where(advocates.c.id == advocate_id)
                    .values(failed_logins=advocates.c.failed_logins + 1)
                    .returning(advocates.c.failed_logins)).scalar_one()
                if failures >= self.policy.max_failed_logins:
                    until = now + lockout
                    connection.execute(update(advocates).where(advocates.c.id == advocate_id)
                                       .values(failed_logins=0, locked_until=until))
                    audit.record(connection, now=now, actor=audit.staff(advocate_id),
                                 action="advocate.locked_out")
                    log.warning("event=advocate.locked_out advocate=%s", advocate_id)
            row = connection.execute(select(throttles).where(throttles.c.key == address_key)
                                     ).first()
            started = aware(row.window_started_at) if row else None
            if row is None or started is None or now - started > ADDRESS_WINDOW:
                connection.execute(throttles.delete().where(throttles.c.key == address_key))
                connection.execute(insert(throttles).values(
                    key=address_key, failures=1, window_started_at=now, locked_until=None))
            else:
                count = row.failures + 1
                locked = now + lockout if count >= (
                    self.policy.max_failed_logins * ADDRESS_FACTOR) else None
                connection.execute(update(throttles).where(throttles.c.key == address_key)
                                   .values(failures=count, locked_until=locked))
                if locked is not None:
                    log.warning("event=staff_address.locked_out")
                    until = max(until or locked, locked)
        return until

    def current(self, advocate_id: int, epoch: int) -> StaffMember | None:
        """The signed-in advocate, if the account is still active and the session still valid."""
        with self.database.transaction() as connection:
            row = connection.execute(select(
                advocates.c.id, advocates.c.email, advocates.c.role, advocates.c.session_epoch)
                .where(advocates.c.id == advocate_id, advocates.c.active.is_(True))).first()
        if row is None or row.session_epoch != epoch:
            return None
        return StaffMember(row.id, row.email, row.role, row.session_epoch)

    def end_sessions(self, advocate_id: int) -> None:
        """Sign this account out everywhere: every session cookie issued so far stops working
        (sign-out, so a copied cookie or a late poll's cookie cannot sign back in)."""
        now = self.clock()
        with self.database.transaction() as connection:
            connection.execute(update(advocates).where(advocates.c.id == advocate_id)
                               .values(session_epoch=advocates.c.session_epoch + 1))
            audit.record(connection, now=now, actor=audit.staff(advocate_id),
                         action="advocate.signed_out")

    def find(self, email: str) -> StaffMember | None:
        with self.database.transaction() as connection:
            row = connection.execute(select(advocates).where(
                func.lower(advocates.c.email) == email.strip().casefold())).first()
        return None if row is None else StaffMember(row.id, row.email, row.role,
                                                    row.session_epoch, bool(row.active))

    def names(self) -> dict[int, str]:
        """Advocates' e-mail addresses by id, for the queue's "claimed by" and reassignment."""
        with self.database.transaction() as connection:
            rows = connection.execute(select(advocates.c.id, advocates.c.email)
                                      .where(advocates.c.active.is_(True))).all()
        return {row.id: row.email for row in rows}

    def assignable(self, giver: StaffMember) -> list[str]:
        """Whom `giver` may give a case to: active advocates and supervisors other than
        themselves (the same rule as `authz.can_reassign_to`, so the list offers nothing that
        would be refused)."""
        with self.database.transaction() as connection:
            rows = connection.execute(select(advocates.c.email).where(
                advocates.c.active.is_(True), advocates.c.role.in_(("advocate", "supervisor")),
                advocates.c.id != giver.id).order_by(advocates.c.email)).all()
        return [row.email for row in rows]


def normalise_email(email: str) -> str:
    email = email.strip().casefold()
    if not _EMAIL.match(email):
        raise AccountError("that is not an e-mail address")
    return email

