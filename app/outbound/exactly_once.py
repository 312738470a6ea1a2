"""Exactly-once delivery of one stored outbound SMS (an advocate's reply or an alert).

The row is the source of truth. To send, a worker takes a lease on it with a conditional
UPDATE (status `sending`, `lease_until`); only the worker that changed the row may call the
provider. If that worker dies (`kill -9`) the lease expires and the row is "in doubt": the
provider may or may not have the message. The next worker first asks the provider whether a
message with exactly this body went to this number since the attempt started, and records it
as sent if so; only if not does it send. So a message is delivered once, whatever dies when.

A message at the provider that another row already recorded (its `provider_sid`) belongs to
that row, not to this one: an advocate may send the same words twice to one survivor ("Are you
safe to talk?"), and the second, in doubt, must not be taken for the first and never sent.
Two such rows reconciled at the same instant must not both take one message either: a row
claims a found message in one transaction that first inserts its id into
`provider_sid_claims` (a primary key, so a second claimer of the same id waits there until the
first commits), then checks no row records it, then records it, and deletes the claim again.
The loser sees the message recorded and tries the next one found, or sends.

Nor may an in-doubt row take the message of a send still under way: another row with the same
words to the same number may have had its message created a moment ago and not recorded it
yet, and both rows would then record that one message while this row's own was never sent.
So every send first commits a row to `sends_under_way` (this row, the contact key's value of
the number, the lease's end) and deletes it with the outcome. A row reconciling asks the
provider first and the database second: a send to the same number under way then makes it wait
(retry shortly); one that registers after that question can only create its message after the
provider was asked, so it is not among those found. A send whose worker died counts as under
way until its lease ends; after that its message is in doubt like this row's own, and either
row may take it (they are the same words to the same number, so each row still ends with
exactly one message at the provider).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.outbound.twilio_rest import SendError, TwilioSender
from app.storage.db import Database
from app.storage.models import (
    Alert,
    ProviderDeletion,
    ProviderSidClaim,
    Reply,
    SendUnderWay,
    SlaAlert,
    table_of,
)
from app.storage.times import aware

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
IN_DOUBT_KINDS = frozenset({"timeout", "provider_error"})
# How far back to look for an in-doubt message at the provider (clock skew, slow requests).
RECONCILE_MARGIN = timedelta(minutes=5)
# Every table of rows sent through `Delivery`, and the deletions an erasure left of the rows it
# destroyed: a provider SID recorded on any of these rows is that row's message, never another's.
SENT_BY_ROWS: tuple[Table, ...] = (table_of(Reply), table_of(Alert), table_of(SlaAlert),
                                   table_of(ProviderDeletion))
claims = table_of(ProviderSidClaim)
under_way = table_of(SendUnderWay)
# How soon an in-doubt row asks again after finding a send to its number under way: a send
# takes a second or so, and at most until its lease ends.
UNDER_WAY_WAIT = timedelta(seconds=15)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... capped at 30 min between attempts after a temporary error."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 1800))


@dataclass(frozen=True)
class Lease:
    in_doubt: bool  # a previous attempt may have reached the provider
    started: datetime  # when the first attempt of this send began
    attempts: int


@dataclass(kw_only=True)
class Delivery:
    database: Database
    sender: Callable[[], TwilioSender]
    clock: Callable[[], datetime]
    lease: timedelta
    # The contact key's value of a number (`ContactHasher.hash("sms", to)`): which sends go to
    # the same number, without storing it.
    recipient: Callable[[str], str]

    def take(self, connection: Connection, table: Table, row: Any) -> Lease | None:
        """Take the lease on `row` (read in the same transaction), or None if another holds it."""
        now = self.clock()
        status = row.status  # a reply's or an alert's row: same columns
        lease_until = aware(row.lease_until)
        if status == "sending" and lease_until is not None and lease_until > now:
            return None
        in_doubt = status == "sending"
        started = aware(row.sending_started_at) if in_doubt else now
        attempts = int(row.attempts) + 1
        condition = table.c.lease_until.is_(None) if lease_until is None else (
            table.c.lease_until == row.lease_until)
        took = connection.execute(
            update(table).where(table.c.id == row.id,
                                table.c.status == status, or_(condition))
            .values(status="sending", lease_until=now + self.lease, attempts=attempts,
                    sending_started_at=started or now)).rowcount
        return Lease(in_doubt, started or now, attempts) if took else None

    def deliver(self, table: Table, row_id: int, lease: Lease, to: str, body: str) -> str:
        """Send (or find the in-doubt message), then record the outcome. Returns the status."""
        sender = self.sender()
        try:
            if lease.in_doubt:
                found = self._find_own(sender, table, row_id, lease, to=to, body=body)
                if found is None:
                    return self._wait_for_send_under_way(table, row_id)
                if self._claim(table, row_id, found, sent_at=self.clock(), error_kind=None):
                    log.info("event=send.reconciled table=%s row=%s", table.name, row_id)
                    return "sent"
            self._register_send(table, row_id, to)
            sid = sender.send(to, body)
        except SendError as error:
            return self._failed(table, row_id, lease, error)
        self._record_sent(table, row_id, sid, sent_at=self.clock(), error_kind=None)
        log.info("event=send.sent table=%s row=%s attempts=%s", table.name, row_id,
                 lease.attempts)
        return "sent"

    def _find_own(self, sender: TwilioSender, table: Table, row_id: int, lease: Lease, *,
                  to: str, body: str) -> list[str] | None:
        """The messages an earlier attempt of this row may have created: those to `to` with
        exactly `body` since the attempt began that no other row has recorded as its own,
        newest first; None while another send to `to` is under way (its message may be among
        them, not yet recorded). Only `_claim` makes one of them this row's. Raises SendError.

        The provider is asked before the database: a send registered after the database
        answered creates its message after the provider answered, so it is not found."""
        found = sender.sent_matching(to, body, lease.started - RECONCILE_MARGIN)
        with self.database.transaction() as connection:
            if self._under_way_elsewhere(connection, table, row_id, to):
                return None
            taken = recorded_elsewhere(connection, found, table, row_id) if found else set()
        return [sid for sid in found if sid not in taken]

    def _under_way_elsewhere(self, connection: Connection, table: Table, row_id: int,
                             to: str) -> bool:
        """Whether another row's send to `to` is under way: registered and its lease not out."""
        return connection.execute(select(under_way.c.row_id).where(
            under_way.c.recipient == self.recipient(to), under_way.c.until > self.clock(),
            or_(under_way.c.row_table != table.name, under_way.c.row_id != row_id),
        ).limit(1)).first() is not None

    def _register_send(self, table: Table, row_id: int, to: str) -> None:
        """Committed before the request: this row's send to `to` is under way until its
        lease ends (or its outcome is recorded). Registrations whose lease ended long ago
        (a worker that died mid-request) are deleted on the way."""
        now = self.clock()
        with self.database.transaction() as connection:
            connection.execute(delete(under_way).where(or_(
                (under_way.c.row_table == table.name) & (under_way.c.row_id == row_id),
                under_way.c.until < now - RECONCILE_MARGIN)))
            connection.execute(insert(under_way).values(
                row_table=table.name, row_id=row_id, recipient=self.recipient(to),
                until=now + self.lease))

    def _wait_for_send_under_way(self, table: Table, row_id: int) -> str:
        """Still in doubt: ask the provider again shortly, when the other send is recorded."""
        later = self.clock() + UNDER_WAY_WAIT
        self._finish(table, row_id, lease_until=later, next_attempt_at=later)
        log.info("event=send.waits_for_send_under_way table=%s row=%s", table.name, row_id)
        return "retry"

    def _claim(self, table: Table, row_id: int, found: list[str], **values: object) -> bool:
        """Record the first of `found` that no other row holds as this row's message; False
        if every one was taken meanwhile. One transaction per message tried: the claim row
        (its id the primary key) makes a concurrent claimer of the same message wait until
        this one commits, and then see it recorded; it is deleted before the commit."""
        for sid in found:
            try:
                with self.database.transaction() as connection:
                    connection.execute(insert(claims).values(provider_sid=sid))
                    if recorded_elsewhere(connection, [sid], table, row_id):
                        raise _Taken
                    marked = connection.execute(update(table).where(
                        table.c.id == row_id, table.c.status == "sending")
                        .values(status="sent", provider_sid=sid, lease_until=None, **values)
                    ).rowcount
                    connection.execute(delete(claims).where(claims.c.provider_sid == sid))
                    _unregister(connection, table, row_id)
            except (_Taken, IntegrityError):
                continue  # another row has it (or is claiming it): the next one found
            if not marked:
                # Not "sending" any more: erased meanwhile (the copy is then queued for
                # deletion, as for a message sent) or recorded by another attempt of its own.
                self._record_sent(table, row_id, sid, **values)
            return True
        return False

    def _failed(self, table: Table, row_id: int, lease: Lease, error: SendError) -> str:
        now = self.clock()
        # A timeout or a provider's 5xx may come after the provider created the message, so
        # the row is in doubt: the next attempt asks the provider first, like after a crash.
        in_doubt = lease.in_doubt or error.kind in IN_DOUBT_KINDS
        if error.retryable and lease.attempts < MAX_ATTEMPTS:
            # Back to the queue with a time for the next try; an in-doubt row stays "sending"
            # with a lease that runs out at that time, so it is reconciled before a resend.
            status = "sending" if in_doubt else "queued"
            self._finish(table, row_id, status=status, error_kind=error.kind,
                         next_attempt_at=now + backoff(lease.attempts),
                         lease_until=now + backoff(lease.attempts) if in_doubt else None)
            log.warning("event=send.retry table=%s row=%s kind=%s attempts=%s", table.name,
                        row_id, error.kind, lease.attempts)
            return "retry"
        self._finish(table, row_id, status="failed", error_kind=error.kind, lease_until=None)
        log.warning("event=send.failed table=%s row=%s kind=%s code=%s", table.name, row_id,
                    error.kind, error.code)
        return "failed"

    def settle(self, table: Table, row_id: int, lease: Lease, to: str, body: str) -> str:
        """For a message no longer wanted (the case was taken meanwhile): if an earlier attempt
        reached the provider, record it as sent; otherwise cancel it. Never sends."""
        try:
            found = self._find_own(self.sender(), table, row_id, lease, to=to, body=body)
        except SendError as error:
            return self._failed(table, row_id, lease, error)
        if found is None:
            return self._wait_for_send_under_way(table, row_id)
        if self._claim(table, row_id, found):
            return "sent"
        self._finish(table, row_id, status="cancelled", lease_until=None)
        return "cancelled"

    def fail(self, table: Table, row_id: int, kind: str) -> None:
        """Give up on a leased row for a reason of our own (e.g. no address to send to)."""
        self._finish(table, row_id, status="failed", error_kind=kind, lease_until=None)

    def _record_sent(self, table: Table, row_id: int, sid: str, **values: object) -> None:
        """Mark the row sent with the provider's SID. If the row is gone, an erasure destroyed
        it while the message was on its way and could not know the SID yet: the provider's
        copy is queued for deletion like the rest of that conversation's (the sweeper enqueues
        it), so nothing of an erased conversation stays at the provider."""
        with self.database.transaction() as connection:
            _unregister(connection, table, row_id)
            marked = connection.execute(update(table).where(
                table.c.id == row_id, table.c.status == "sending")
                .values(status="sent", provider_sid=sid, lease_until=None, **values)).rowcount
            if marked or connection.execute(
                    select(table.c.id).where(table.c.id == row_id)).first() is not None:
                return
            deletions = table_of(ProviderDeletion)
            if connection.execute(select(deletions.c.id).where(
                    deletions.c.provider_sid == sid)).first() is None:
                connection.execute(insert(deletions).values(
                    provider_sid=sid, status="pending", redacted=False, attempts=0,
                    created_at=self.clock()))
        log.warning("event=send.row_erased table=%s row=%s", table.name, row_id)

    def _finish(self, table: Table, row_id: int, **values: object) -> None:
        with self.database.transaction() as connection:
            _unregister(connection, table, row_id)
            connection.execute(update(table).where(table.c.id == row_id,
                                                   table.c.status == "sending").values(**values))


def _unregister(connection: Connection, table: Table, row_id: int) -> None:
    """The row's send, if one was under way, has its outcome: it is not under way any more."""
    connection.execute(delete(under_way).where(under_way.c.row_table == table.name,
                                               under_way.c.row_id == row_id))


class _Taken(Exception):
    """A message found at the provider is another row's: roll the claim back."""


def recorded_elsewhere(connection: Connection, sids: list[str], table: Table,
                       row_id: int) -> set[str]:
    """Those of `sids` that a row other than (`table`, `row_id`) holds as its provider SID."""
    taken: set[str] = set()
    for sent_by in SENT_BY_ROWS:
        query = select(sent_by.c.provider_sid).where(sent_by.c.provider_sid.in_(sids))
        if sent_by.name == table.name:
            query = query.where(sent_by.c.id != row_id)
        taken.update(connection.execute(query).scalars())
    return taken
