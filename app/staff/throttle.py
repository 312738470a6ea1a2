"""Staff sign-in throttling: attempts are counted BEFORE they are checked, in the database.

Threat (docs/threat-model.md, A3): someone on the internet guesses advocates' passwords, or
uses the lock-out itself as a weapon (locking colleagues out, again and again) or as an oracle
(only real accounts being locked). So:

- Every attempt from one network address takes a slot before its password is checked (an
  HMAC of the address is the key; the address itself is never stored). A success gives its
  slot back; a failure keeps it. When the address's `limit` slots in the window are taken, the
  address is refused, whatever e-mail it tries: the offending address is slowed first.
- Failures are also counted per e-mail text (an HMAC of it, whether or not an account exists,
  so an unknown address answers exactly like a known one). Once an e-mail has `limit` failures
  in a window (many addresses guessing one account), it is guarded: an address that has
  already failed for that e-mail is refused, and every address gets at most one wrong try for
  it. A colleague at their own address, who has not failed, still signs in.
- Taking a slot is one conditional UPDATE (`failures < limit`), so parallel requests cannot
  all pass a check made before any of them was counted: the database decides, on SQLite (the
  write lock) and PostgreSQL (the row lock; the WHERE is re-checked after waiting).

Each window lasts `window` from its first count; a stale row is reset by its next use, and the
daily retention run deletes every row whose window has ended (`purge_ended`): even as HMACs, a
row left behind links an e-mail to an address that tried it, which no one needs once the
window is over (least data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.storage.models import LoginThrottle, table_of
from app.storage.times import aware

throttles = table_of(LoginThrottle)
_t = throttles.c
UNLIMITED = 1 << 30


@dataclass(frozen=True)
class Keys:
    """The three counters one attempt touches, as HMACs (see `Accounts.sign_in`)."""

    address: str
    email: str
    pair: str


@dataclass(frozen=True)
class Admitted:
    """An attempt that may be checked: its slots must be given back if it succeeds."""

    keys: Keys


class Refused(Exception):
    """Too many attempts: `until` is when this address may try this e-mail again."""

    def __init__(self, until: datetime) -> None:
        super().__init__("throttled")
        self.until = until


class Throttle:
    def __init__(self, *, limit: int, window: timedelta) -> None:
        self.limit = limit
        self.window = window

    def admit(self, connection: Connection, keys: Keys, now: datetime) -> Admitted:
        """Take this attempt's slots, or raise `Refused` (and take none)."""
        if not self._take(connection, keys.address, self.limit, now):
            raise Refused(self._until(connection, keys.address, now))
        email_failures, email_started = self._current(connection, keys.email, now)
        guarded = email_failures >= self.limit
        if not self._take(connection, keys.pair, 1 if guarded else UNLIMITED, now):
            self._give_back(connection, keys.address)
            raise Refused(email_started + self.window)
        self._take(connection, keys.email, UNLIMITED, now)
        return Admitted(keys)

    def succeeded(self, connection: Connection, admitted: Admitted) -> None:
        """A right password and code: the attempt was not a failure after all. A counter
        back at zero is deleted (a fresh row says the same), so a colleague's successful
        sign-ins leave no row linking their e-mail and address behind."""
        for key in (admitted.keys.address, admitted.keys.email, admitted.keys.pair):
            self._give_back(connection, key)
            connection.execute(throttles.delete().where(_t.key == key, _t.failures <= 0))

    def exhausted(self, connection: Connection, admitted: Admitted, now: datetime
                  ) -> datetime | None:
        """After a failure: when the address may try again, if that failure used its last
        slot (so the attempt that reaches the limit already says "locked until")."""
        failures, started = self._current(connection, admitted.keys.address, now)
        return started + self.window if failures >= self.limit else None

    def guarded_until(self, connection: Connection, email_key: str, now: datetime
                      ) -> datetime | None:
        """For the administrators' list: until when an e-mail is guarded, if it is."""
        failures, started = self._current(connection, email_key, now)
        return started + self.window if failures >= self.limit else None

    def clear(self, connection: Connection, key: str) -> None:
        connection.execute(throttles.delete().where(_t.key == key))

    def purge_ended(self, connection: Connection, now: datetime) -> int:
        """Delete the counters whose window is over (they would be reset on next use anyway);
        how many went."""
        result = connection.execute(
            throttles.delete().where(_t.window_started_at <= now - self.window))
        return int(result.rowcount or 0)

    def _ensure(self, connection: Connection, key: str, now: datetime) -> None:
        """The counter row exists and its window is current (both idempotent under races)."""
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        connection.execute(dialect.insert(throttles).values(
            key=key, failures=0, window_started_at=now, locked_until=None
        ).on_conflict_do_nothing(index_elements=["key"]))
        # Conditional, so of two racers only the first resets an expired window.
        connection.execute(update(throttles).where(
            _t.key == key, _t.window_started_at <= now - self.window).values(
            failures=0, window_started_at=now))

    def _take(self, connection: Connection, key: str, limit: int, now: datetime) -> bool:
        """One slot of `key`'s window, if fewer than `limit` are taken: one conditional
        UPDATE, so the count and the check cannot be split by a parallel request."""
        for _ in range(2):  # once more if a success deleted the row in between (see above)
            self._ensure(connection, key, now)
            if connection.execute(update(throttles).where(
                    _t.key == key, _t.failures < limit).values(
                    failures=_t.failures + 1)).rowcount:
                return True
            if connection.execute(select(_t.key).where(_t.key == key)).first() is not None:
                return False
        return False

    def _give_back(self, connection: Connection, key: str) -> None:
        connection.execute(update(throttles).where(_t.key == key, _t.failures > 0)
                           .values(failures=_t.failures - 1))

    def _current(self, connection: Connection, key: str, now: datetime
                 ) -> tuple[int, datetime]:
        row = connection.execute(select(_t.failures, _t.window_started_at)
                                 .where(_t.key == key)).first()
        started = aware(row.window_started_at) if row is not None else None
        if row is None or started is None or now - started >= self.window:
            return 0, now
        return int(row.failures), started

    def _until(self, connection: Connection, key: str, now: datetime) -> datetime:
        return self._current(connection, key, now)[1] + self.window

