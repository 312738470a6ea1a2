"""Getting an advocate's stored SMS reply to the survivor, when the gate says it may go.

A reply is a row before it is a job (`app.casework.replies` stores it). Sending it checks the
outbound gate as it is now (`outbound_gate`: STOP, pause, duress, resume word, safe window),
takes the row's lease and sends exactly once (`app.outbound.exactly_once`). A reply that may
not go yet is marked held with the reason the case page shows; `recheck_waiting` releases it
when the reason has gone, and cancels one that can never arrive.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, or_, select, update

from app.casework.desk import Casework
from app.crypto import Keyring
from app.outbound.exactly_once import Delivery, Lease
from app.storage import cases, transcripts
from app.storage.db import Database
from app.storage.models import OptOut, Reply, table_of
from app.storage.times import aware

log = logging.getLogger(__name__)
replies = table_of(Reply)
opt_outs = table_of(OptOut)


@dataclass(kw_only=True)
class ReplyDelivery:
    database: Database
    keyring: Keyring
    casework: Casework
    delivery: Delivery
    clock: Callable[[], datetime]

    def send(self, reply_id: int) -> str:
        """Send one advocate reply if it may go now. Returns a short status; "retry" means a
        temporary provider error and the caller schedules another run. A second run finds the
        reply sent (or leased by another worker) and does nothing."""
        prepared = self._take(reply_id)
        if isinstance(prepared, str):
            return prepared
        lease, to, body, contact_hash = prepared
        if to is None:
            self.delivery.fail(replies, reply_id, "no_address")
            return "failed"
        result = self.delivery.deliver(replies, reply_id, lease, to, body)
        if result == "failed":
            self._after_failure(reply_id, contact_hash)
        return result

    def _take(self, reply_id: int) -> str | tuple[Lease, str | None, str, str | None]:
        """Check the reply may go now and take its lease: (lease, number, text, contact hash),
        or a word saying why not (held, cancelled, already sent, another worker has it)."""
        with self.database.transaction() as connection:
            row = connection.execute(select(replies).where(replies.c.id == reply_id)).first()
            if row is None or row.status in ("sent", "failed", "cancelled") \
                    or row.channel != "sms":
                return "nothing to do"
            record = cases.load(connection, self.keyring, row.escalation_id)
            if record is None:
                return "nothing to do"
            gate = self.casework.gate(record)
            if not gate.open:
                status = "cancelled" if gate.cancelled else "held"
                connection.execute(update(replies).where(
                    replies.c.id == reply_id, replies.c.status.in_(("queued", "held")))
                    .values(status=status, hold_reason=gate.reason, not_before=gate.opens_at))
                log.info("event=reply.held reply=%s reason=%s", reply_id, gate.reason)
                return status
            next_try = aware(row.next_attempt_at)
            if row.status == "queued" and next_try is not None and next_try > self.clock():
                return "later"
            lease = self.delivery.take(connection, replies, row)
            if lease is None:
                return "held by another worker"
            to = transcripts.reply_address(connection, self.keyring, record.conversation_id)
            body = transcripts.message_body(connection, record.key, row.message_id)
        return lease, to, body, record.contact_hash

    def _after_failure(self, reply_id: int, contact_hash: str | None) -> None:
        """Twilio's 21610 means the number sent STOP to Twilio itself: record it as ours too,
        so nothing else is attempted to that contact until START."""
        with self.database.transaction() as connection:
            kind = connection.execute(select(replies.c.error_kind)
                                      .where(replies.c.id == reply_id)).scalar()
            if kind == "opted_out" and contact_hash:
                exists = connection.execute(select(opt_outs.c.contact_hash).where(
                    opt_outs.c.contact_hash == contact_hash)).first()
                if exists is None:
                    connection.execute(insert(opt_outs).values(contact_hash=contact_hash,
                                                               opted_out_at=self.clock()))

    def due(self, connection: Connection, now: datetime, grace: timedelta) -> list[int]:
        """SMS replies to enqueue: queued ones whose time has come and that no job took within
        `grace`, and those whose lease ran out (a worker died holding them)."""
        return list(connection.execute(select(replies.c.id).where(
            replies.c.channel == "sms",
            or_(
                (replies.c.status == "queued")
                & or_(replies.c.next_attempt_at.is_(None), replies.c.next_attempt_at <= now)
                & or_(replies.c.enqueued_at.is_(None), replies.c.enqueued_at < now - grace),
                (replies.c.status == "sending") & (replies.c.lease_until < now),
            ))).scalars().all())

    def recheck_waiting(self, connection: Connection, counts: dict[str, int]) -> list[int]:
        """Held SMS replies, and web replies not yet collected, against the gate as it is now.

        Returns the SMS replies that may go now. A reply that can never arrive (erasure, or the
        survivor left the web chat) is cancelled, so the case page does not show it waiting.
        """
        waiting = connection.execute(
            select(replies.c.id, replies.c.escalation_id, replies.c.channel, replies.c.status)
            .where(or_(replies.c.status == "held",
                       (replies.c.channel != "sms") & (replies.c.status == "queued")))).all()
        released: list[int] = []
        for reply_id, case_id, channel, status in waiting:
            record = cases.load(connection, self.keyring, case_id)
            gate = self.casework.gate(record) if record else None
            this = update(replies).where(replies.c.id == reply_id, replies.c.status == status)
            if gate is None or gate.cancelled:
                connection.execute(this.values(status="cancelled",
                                               hold_reason=gate.reason if gate else None))
                counts["cancelled"] += 1
            elif gate.open and status == "held":
                # SMS goes out through a job; a web reply waits, queued, for the page to collect.
                connection.execute(this.values(status="queued", hold_reason=None,
                                               not_before=None))
                counts["released"] += 1
                if channel == "sms":
                    released.append(reply_id)
            elif not gate.open:
                # Still waiting, perhaps for something else now (a window was set): say so.
                connection.execute(this.values(status="held", hold_reason=gate.reason,
                                               not_before=gate.opens_at))
        return released
