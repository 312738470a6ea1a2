"""Cases (escalations) read with what advocates and senders need, sealed fields opened here.

Like `vault`, this is where the associated data of case-related ciphertexts is decided, so the
rule "bound to table, column and row" lives in the storage layer only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, String, case, cast, exists, func, select, update

from app.crypto import DataKey, FieldContext, Keyring
from app.storage.models import (
    Advocate,
    AuditEvent,
    Conversation,
    Escalation,
    OptOut,
    ReturnCode,
    SafeNumber,
    table_of,
)
from app.storage.times import aware, utc

conversations = table_of(Conversation)
_audit = table_of(AuditEvent).c
escalations = table_of(Escalation)
opt_outs = table_of(OptOut)
advocates = table_of(Advocate)
return_codes = table_of(ReturnCode)
safe_numbers = table_of(SafeNumber)
_c, _e = conversations.c, escalations.c


@dataclass(frozen=True)
class CaseRecord:
    id: int
    conversation_id: uuid.UUID
    reference: str
    status: str
    priority: int
    reasons: tuple[str, ...]
    language: str
    channel: str
    created_at: datetime
    claimed_by: int | None
    claimed_at: datetime | None
    closed_at: datetime | None
    closed_reason: str | None
    notified_at: datetime | None
    key: DataKey
    state_json: str | None
    conversation_ended: bool
    opted_out: bool
    window_text: str | None  # the window an advocate confirmed, canonical form
    contact_hash: str | None
    # Someone other than the current holder claimed, released or reassigned this case: the
    # holder did not take it fresh from the queue (read only by `load`, for one case).
    taken_over: bool = False
    # The first case of the flood this case is listed under (app/conversation/floods.py).
    flood_lead_id: int | None = None
    # Until when the survivor can come back to this web chat with their code (none: None).
    return_until: datetime | None = None
    # A safe number the web chat survivor gave: "waiting" for it to write, "joined" (the
    # conversation is that number's now), "apart" (it has its own); None: no number given.
    safe_number: str | None = None


def _select() -> Select[Any]:
    return (
        select(
            _e.id, _e.conversation_id, _e.status, _e.priority, _e.reasons, _e.language,
            _e.channel, _e.created_at, _e.claimed_by, _e.claimed_at, _e.closed_at,
            _e.closed_reason, _e.notified_at, _e.safe_window_sealed, _e.flood_lead_id,
            _c.reference, _c.wrapped_key, _c.state_sealed, _c.closed_at.label("ended_at"),
            _c.contact_hash,
            exists().where(opt_outs.c.contact_hash == _c.contact_hash).label("opted_out"),
            select(return_codes.c.expires_at)
            .where(return_codes.c.conversation_id == _c.id)
            .scalar_subquery().label("return_until"),
            select(safe_numbers.c.status)
            .where(safe_numbers.c.conversation_id == _c.id)
            .scalar_subquery().label("safe_number"),
        )
        .join(conversations, _c.id == _e.conversation_id)
    )


def _record(keyring: Keyring, row: Any) -> CaseRecord:
    key = keyring.unwrap(row.wrapped_key, FieldContext("conversations", "key",
                                                       str(row.conversation_id)))
    state = None if row.state_sealed is None else key.open(
        row.state_sealed, FieldContext("conversations", "state", str(row.conversation_id)))
    window = None if row.safe_window_sealed is None else key.open(
        row.safe_window_sealed, FieldContext("escalations", "safe_window", str(row.id)))
    return CaseRecord(
        row.id, row.conversation_id, row.reference, row.status, row.priority,
        tuple(row.reasons or ()), row.language, row.channel, utc(row.created_at),
        row.claimed_by, aware(row.claimed_at), aware(row.closed_at), row.closed_reason,
        aware(row.notified_at), key, state, row.ended_at is not None, bool(row.opted_out),
        window, row.contact_hash, flood_lead_id=row.flood_lead_id,
        return_until=aware(row.return_until), safe_number=row.safe_number)


def load(connection: Connection, keyring: Keyring, case_id: int) -> CaseRecord | None:
    row = connection.execute(_select().where(_e.id == case_id)).first()
    if row is None:
        return None
    return replace(_record(keyring, row),
                   taken_over=taken_over(connection, case_id, row.claimed_by))


# The audit actions that move a case between people (app/casework/desk.py).
HANDLING_ACTIONS = ("case.claimed", "case.released", "case.reassigned", "case.transferred")


def taken_over(connection: Connection, case_id: int, holder: int | None) -> bool:
    """Whether anyone but `holder` has claimed, released or reassigned the case. A supervisor
    who holds such a case still states a purpose to read it, so releasing a colleague's case
    and claiming it back, or being given it, is no way round the purpose."""
    if holder is None:
        return False
    return connection.execute(select(exists().where(
        _audit.escalation_id == case_id, _audit.action.in_(HANDLING_ACTIONS),
        _audit.actor != f"advocate:{holder}"))).scalar() is True


def unfinished(connection: Connection, keyring: Keyring) -> list[CaseRecord]:
    """Open and claimed cases, most urgent first, then longest waiting."""
    rows = connection.execute(
        _select().where(_e.status != "closed").order_by(_e.priority.desc(), _e.created_at))
    return [_record(keyring, row) for row in rows]


def unfinished_fingerprint(connection: Connection) -> tuple[Any, ...]:
    """A cheap summary of the unfinished cases that changes when almost anything the queue
    shows of them changes: a case opened, claimed, released, reassigned or closed, its
    priority, reasons, language, confirmed window or flood lead, and its conversation's state
    (saved with `last_activity_at`, vault.py) or opt-out. One aggregate row, no unsealing:
    the queue is rebuilt only when this differs (app/casework/queue_snapshots.py), and
    at least once a second anyway for what it cannot see (a state of the same length saved
    in the same second, the clock moving a case into its safe-contact window)."""
    opted_out = exists().where(opt_outs.c.contact_hash == _c.contact_hash)
    has_code = exists().where(return_codes.c.conversation_id == _c.id)
    row = connection.execute(
        select(func.count(), func.max(_e.id), func.sum(_e.priority),
               func.sum(case((_e.status == "open", 1), else_=0)),
               func.sum(func.coalesce(_e.claimed_by, 0)), func.max(_e.claimed_at),
               func.sum(func.length(cast(_e.reasons, String))), func.sum(func.length(_e.language)),
               func.sum(func.coalesce(func.length(_e.safe_window_sealed), 0)),
               func.sum(func.coalesce(_e.flood_lead_id, 0)), func.max(_c.last_activity_at),
               func.sum(func.coalesce(func.length(_c.state_sealed), 0)),
               func.sum(case((opted_out, 1), else_=0)), func.sum(case((has_code, 1), else_=0)),
               func.sum(case((_c.closed_at.is_(None), 0), else_=1)))
        .select_from(escalations.join(conversations, _c.id == _e.conversation_id))
        .where(_e.status != "closed")).one()
    return tuple(row)


_lead = escalations.alias("lead")
# Listed under an unfinished flood lead: no alert or queue row of its own (its lead has them).
_UNDER_LEAD = exists().where(_lead.c.id == _e.flood_lead_id, _lead.c.status != "closed")


def needing_notification(connection: Connection) -> list[int]:
    return list(connection.execute(
        select(_e.id).where(_e.status == "open", _e.notified_at.is_(None), ~_UNDER_LEAD)
    ).scalars())


def under_unfinished_flood_lead(connection: Connection, case_id: int) -> bool:
    return connection.execute(select(exists().where(_e.id == case_id, _UNDER_LEAD))
                              ).scalar() is True


@dataclass(frozen=True)
class FloodFollower:
    """A case listed under a flood's first case: its reference and handling, no content."""

    id: int
    conversation_id: uuid.UUID
    reference: str
    status: str
    claimed_by: int | None


def flood_followers(connection: Connection, lead_id: int) -> list[FloodFollower]:
    """The unfinished cases listed under this one, oldest first."""
    rows = connection.execute(
        select(_e.id, _e.conversation_id, _c.reference, _e.status, _e.claimed_by)
        .join(conversations, _c.id == _e.conversation_id)
        .where(_e.flood_lead_id == lead_id, _e.status != "closed").order_by(_e.id))
    return [FloodFollower(row.id, row.conversation_id, row.reference, row.status,
                          row.claimed_by) for row in rows]


def save_window(connection: Connection, case: CaseRecord, window_text: str | None) -> None:
    sealed = None if window_text is None else case.key.seal(
        window_text, FieldContext("escalations", "safe_window", str(case.id)))
    connection.execute(update(escalations).where(_e.id == case.id)
                       .values(safe_window_sealed=sealed))


def transition(connection: Connection, case_id: int, *, expect: tuple[str, ...],
               expect_holder: int | None = None, assignee_active: int | None = None,
               **values: Any) -> bool:
    """Change a case only if it is still in an expected status (and held by `expect_holder`,
    and, when given, `assignee_active` is still an active account).

    The condition is part of the UPDATE, so two advocates acting at once cannot both succeed:
    the database applies one and the other changes no row; an account disabled while a case
    was being given to it does not end up holding the case.
    """
    statement = update(escalations).where(_e.id == case_id, _e.status.in_(expect))
    if expect_holder is not None:
        statement = statement.where(_e.claimed_by == expect_holder)
    if assignee_active is not None:
        statement = statement.where(exists().where(
            advocates.c.id == assignee_active, advocates.c.active.is_(True)))
    return bool(connection.execute(statement.values(**values)).rowcount)


def hold_row(connection: Connection, case_id: int) -> None:
    """Hold the case's row until this transaction ends, as a change to it would: a close (or
    any `transition`) in flight finishes first, and one that comes later waits for this.

    A write that changes nothing, not SELECT ... FOR UPDATE: on SQLite only a write takes the
    database's write lock (FOR UPDATE means nothing there), and the reads after it are then
    inside this write transaction. Take it after the transaction's inserts that reference the
    conversation: erasure locks the conversation's row and then updates its cases, so taking
    this first could wait on erasure while erasure waits on us (app/lifecycle/erasure.py)."""
    connection.execute(update(escalations).where(_e.id == case_id).values(status=_e.status))


def mark_notified(connection: Connection, case_id: int, now: datetime) -> None:
    connection.execute(update(escalations).where(_e.id == case_id, _e.notified_at.is_(None))
                       .values(notified_at=now))


@dataclass(frozen=True)
class Tombstone:
    """What is left of a case whose conversation the survivor erased: its id and dates. The
    reference went with the conversation."""

    id: int
    created_at: datetime
    erased_at: datetime | None
    channel: str
    language: str


def tombstone(connection: Connection, case_id: int) -> Tombstone | None:
    """The erased case's tombstone; None for a case that was not erased (or never was)."""
    row = connection.execute(select(_e.id, _e.created_at, _e.closed_at, _e.channel,
                                    _e.language).where(
        _e.id == case_id, _e.conversation_id.is_(None))).first()
    return None if row is None else Tombstone(row.id, utc(row.created_at),
                                              aware(row.closed_at), row.channel, row.language)


def is_erased(connection: Connection, case_id: int) -> bool:
    """A case whose conversation the survivor erased (the row stays as a closed tombstone)."""
    return connection.execute(select(_e.id).where(
        _e.id == case_id, _e.conversation_id.is_(None))).first() is not None
