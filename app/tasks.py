"""RQ jobs and the sweeper. Jobs take ids, build what they need, and are safe to run twice.

- `notify_case(case_id)`: tell on-duty advocates a case is waiting. The live queue page reads
  the database, so this only has to alert the on-call phones when no one has the page open.
  Each alert is a row, unique per case and phone, sent through `app.outbound.exactly_once` (exactly once).
- `send_reply(reply_id)`: send an advocate's SMS reply if it may go now (`outbound_gate`),
  else mark it held with the reason. Exactly once through `app.outbound.exactly_once`.
- `sweep()`: the database says what is unfinished; the sweeper enqueues it again. Run by the
  worker (worker.py) every few seconds, so a job lost with a killed worker or a Redis that
  was down is picked up without anyone noticing.

Nothing in a job's arguments, return value or exception text is content or a number
(shared/SAFETY.md, A4): ids in, short status words out, errors reduced to their kind.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import ParamSpec, TypeVar

from sqlalchemy import Connection, insert, or_, select, update

from app import hours
from app.audit import chain as audit_chain
from app.casework import presence
from app.crypto import ChainKey, ReportSigner
from app.lifecycle import retention
from app.logs import exception_summary
from app.outbound.exactly_once import Lease
from app.services import services
from app.storage import cases, vault
from app.storage.models import Alert, OptOut, ProviderDeletion, Reply, table_of
from app.storage.times import aware

log = logging.getLogger(__name__)
JobResult = TypeVar("JobResult")
JobArgs = ParamSpec("JobArgs")
RETENTION_LOCK = "quietline:retention-ran-today"
replies = table_of(Reply)
alerts = table_of(Alert)
opt_outs = table_of(OptOut)
deletions = table_of(ProviderDeletion)
ALERT_TEXT = "A case is waiting in the queue (ref {reference})."


class JobFailed(RuntimeError):
    """A job failed. The message names the error's type and where it happened, never its
    text: RQ keeps a failed job's exception in Redis and writes it to the worker's log, and an
    exception's text can hold a number or a message (shared/SAFETY.md, A4)."""


def content_free(job: Callable[JobArgs, JobResult]) -> Callable[JobArgs, JobResult]:
    @functools.wraps(job)
    def run(*args: JobArgs.args, **kwargs: JobArgs.kwargs) -> JobResult:
        try:
            return job(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 -- re-raised below without its text
            summary = exception_summary(error)
        # Raised outside the except block, so the original is not even attached as context.
        raise JobFailed(summary)

    return run


@content_free
def send_reply(reply_id: int) -> str:
    """Send one advocate reply. A second run finds it sent (or leased) and does nothing."""
    built = services()
    prepared = _take_reply(reply_id)
    if isinstance(prepared, str):
        return prepared
    lease, to, body, contact_hash = prepared
    if to is None:
        built.delivery.fail(replies, reply_id, "no_address")
        return "failed"
    result = built.delivery.deliver(replies, reply_id, lease, to, body)
    if result == "failed":
        _after_failure(reply_id, contact_hash)
    elif result == "retry":
        built.dispatcher.reply_later(reply_id, built.clock())
    return result


def _take_reply(reply_id: int) -> str | tuple[Lease, str | None, str, str | None]:
    """Check the reply may go now and take its lease: (lease, number, text, contact hash), or
    a word saying why not (held, cancelled, already sent, another worker has it)."""
    built = services()
    with built.database.transaction() as connection:
        row = connection.execute(select(replies).where(replies.c.id == reply_id)).first()
        if row is None or row.status in ("sent", "failed", "cancelled") or row.channel != "sms":
            return "nothing to do"
        record = cases.load(connection, built.keyring, row.escalation_id)
        if record is None:
            return "nothing to do"
        gate = built.casework.gate(record)
        if not gate.open:
            status = "cancelled" if gate.cancelled else "held"
            connection.execute(update(replies).where(
                replies.c.id == reply_id, replies.c.status.in_(("queued", "held")))
                .values(status=status, hold_reason=gate.reason, not_before=gate.opens_at))
            log.info("event=reply.held reply=%s reason=%s", reply_id, gate.reason)
            return status
        next_try = aware(row.next_attempt_at)
        if row.status == "queued" and next_try is not None and next_try > built.clock():
            return "later"
        lease = built.delivery.take(connection, replies, row)
        if lease is None:
            return "held by another worker"
        to = vault.reply_address(connection, built.keyring, record.conversation_id)
        body = vault.message_body(connection, record.key, row.message_id)
    return lease, to, body, record.contact_hash


def _after_failure(reply_id: int, contact_hash: str | None) -> None:
    """Twilio's 21610 means the number sent STOP to Twilio itself: record it as ours too, so
    nothing else is attempted to that contact until START."""
    built = services()
    with built.database.transaction() as connection:
        kind = connection.execute(select(replies.c.error_kind)
                                  .where(replies.c.id == reply_id)).scalar()
        if kind == "opted_out" and contact_hash:
            exists = connection.execute(select(opt_outs.c.contact_hash).where(
                opt_outs.c.contact_hash == contact_hash)).first()
            if exists is None:
                connection.execute(insert(opt_outs).values(contact_hash=contact_hash,
                                                           opted_out_at=built.clock()))


@content_free
def notify_case(case_id: int) -> str:
    """Alert the on-call phones about a waiting case, once each; safe to run again."""
    built = services()
    now = built.clock()
    staff = built.settings.deployment.staff
    unsettled: Sequence[str] = ()
    with built.database.transaction() as connection:
        record = cases.load(connection, built.keyring, case_id)
        if record is None:
            return "nothing to do"
        if record.status != "open" or record.notified_at is not None:
            unsettled = connection.execute(select(alerts.c.target).where(
                alerts.c.escalation_id == case_id, alerts.c.status == "sending")).scalars().all()
    if record.status != "open" or record.notified_at is not None:
        # Someone has the case: no alert is needed any more, but one a dead worker may have
        # handed to the provider is settled (recorded as sent, or cancelled), never resent.
        results = [_send_alert(case_id, int(target.split(":")[1]), record.reference,
                               settle_only=True) for target in unsettled]
        _mark_notified(case_id, now)
        return ",".join(results) or "nothing to do"
    if not hours.is_open(built.settings.deployment.opening_hours, now):
        # Out of hours the survivor was told when someone will read it; the sweeper tries
        # again once the team is on duty.
        return "out of hours"
    if not staff.alert_sms or presence.anyone_watching(built.redis, now.timestamp()):
        _mark_notified(case_id, now)
        return "queue watched"
    results = [_send_alert(case_id, index, record.reference) for index in
               range(len(staff.alert_sms))]
    if all(result in ("sent", "failed", "nothing to do") for result in results):
        _mark_notified(case_id, now)
    if "retry" in results:
        built.dispatcher.notify_later(case_id, now)
    return ",".join(results)


def _send_alert(case_id: int, index: int, reference: str, *, settle_only: bool = False) -> str:
    built = services()
    target = f"sms:{index}"
    with built.database.transaction() as connection:
        row = connection.execute(select(alerts).where(
            alerts.c.escalation_id == case_id, alerts.c.target == target)).first()
        if row is None:
            connection.execute(insert(alerts).values(
                escalation_id=case_id, target=target, status="queued", attempts=0,
                created_at=built.clock()))
            row = connection.execute(select(alerts).where(
                alerts.c.escalation_id == case_id, alerts.c.target == target)).one()
        if row.status in ("sent", "failed"):
            return "nothing to do"
        lease = built.delivery.take(connection, alerts, row)
        if lease is None:
            return "held by another worker"
    to = built.settings.deployment.staff.alert_sms[index]
    body = ALERT_TEXT.format(reference=reference)
    if settle_only:
        return built.delivery.settle(alerts, row.id, lease, to, body)
    return built.delivery.deliver(alerts, row.id, lease, to, body)


def _mark_notified(case_id: int, now: datetime) -> None:
    with services().database.transaction() as connection:
        cases.mark_notified(connection, case_id, now)


@content_free
def purge_expired() -> str:
    """The daily retention run (app/retention.py), with its signed report in the instance
    folder. Safe to run twice: a second run finds nothing past retention."""
    built = services()
    report = retention.purge(built.database,
                             retention_days=built.settings.deployment.retention_days,
                             now=built.clock(), deleted=built.dispatcher.delete_copies)
    path = retention.default_report_path(built.settings.instance_path, built.clock())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(retention.signed_report(report, ReportSigner(built.settings.secret_key)),
                    encoding="utf-8")
    if report.conversations_deleted:
        built.database.reclaim()
    return f"{report.conversations_deleted} erased"


@content_free
def reclaim_space() -> str:
    """After an erasure or a purge: deleted rows leave the database files (Database.reclaim).
    Safe to run any number of times."""
    services().database.reclaim()
    return "reclaimed"


def schedule_daily_purge() -> bool:
    """Called by every sweep: enqueues the retention run once a day, whichever worker is
    first (a Redis key that expires after a day decides)."""
    built = services()
    if built.redis.set(RETENTION_LOCK, "1", nx=True, ex=86400):
        return built.dispatcher.purge()
    return False


def _recheck_waiting(connection: Connection, counts: dict[str, int]) -> list[int]:
    """Held SMS replies, and web replies not yet collected, against the gate as it is now.

    Returns the SMS replies that may go now. A reply that can never arrive (erasure, or the
    survivor left the web chat) is cancelled, so the case page does not show it waiting.
    """
    built = services()
    waiting = connection.execute(
        select(replies.c.id, replies.c.escalation_id, replies.c.channel, replies.c.status)
        .where(or_(replies.c.status == "held",
                   (replies.c.channel != "sms") & (replies.c.status == "queued")))).all()
    released: list[int] = []
    for reply_id, case_id, channel, status in waiting:
        record = cases.load(connection, built.keyring, case_id)
        gate = built.casework.gate(record) if record else None
        this = update(replies).where(replies.c.id == reply_id, replies.c.status == status)
        if gate is None or gate.cancelled:
            connection.execute(this.values(status="cancelled",
                                           hold_reason=gate.reason if gate else None))
            counts["cancelled"] += 1
        elif gate.open and status == "held":
            # SMS goes out through a job; a web reply waits, queued, for the page to collect.
            connection.execute(this.values(status="queued", hold_reason=None, not_before=None))
            counts["released"] += 1
            if channel == "sms":
                released.append(reply_id)
        elif not gate.open:
            # Still waiting, perhaps for something else now (a window was set): say so.
            connection.execute(this.values(status="held", hold_reason=gate.reason,
                                           not_before=gate.opens_at))
    return released


def sweep() -> dict[str, int]:
    """Enqueue whatever the database says is unfinished. Cheap; safe to run anywhere, often."""
    built = services()
    now = built.clock()
    grace = timedelta(seconds=built.settings.send_lease_seconds)
    counts = {"replies": 0, "released": 0, "cancelled": 0, "cases": 0, "copies": 0}
    with built.database.transaction() as connection:
        due = connection.execute(select(replies.c.id).where(
            replies.c.channel == "sms",
            or_(
                (replies.c.status == "queued")
                & or_(replies.c.next_attempt_at.is_(None), replies.c.next_attempt_at <= now)
                & or_(replies.c.enqueued_at.is_(None), replies.c.enqueued_at < now - grace),
                (replies.c.status == "sending") & (replies.c.lease_until < now),
            ))).scalars().all()
        due = [*due, *_recheck_waiting(connection, counts)]
        copies = connection.execute(select(deletions.c.id).where(
            deletions.c.status == "pending",
            or_(deletions.c.next_attempt_at.is_(None), deletions.c.next_attempt_at <= now),
        )).scalars().all()
        waiting_cases = cases.needing_notification(connection)
        # Alerts a dead worker left in doubt, whatever their case's status now.
        in_doubt = connection.execute(select(alerts.c.escalation_id).where(
            alerts.c.status == "sending", alerts.c.lease_until < now)).scalars().all()
    for reply_id in due:
        if built.dispatcher.reply(reply_id):
            counts["replies"] += 1
    for deletion_id in copies:
        if built.dispatcher.delete_copy(deletion_id):
            counts["copies"] += 1
    if not hours.is_open(built.settings.deployment.opening_hours, now):
        waiting_cases = []
    for case_id in sorted(set(waiting_cases) | set(in_doubt)):
        if built.dispatcher.notify(case_id):
            counts["cases"] += 1
    counts["sealed"] = audit_chain.seal(built.database, ChainKey(built.settings.secret_key), now)
    if any(counts.values()):
        log.info("event=sweep %s", " ".join(f"{k}={v}" for k, v in counts.items()))
    return counts
