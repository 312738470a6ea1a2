"""Who has a case open and how far they have read it: ids and times, never content.

`case_viewings` marks a case opened in a staff session (with a purpose); the audit row written
when the mark is first made covers every later read of that case in that session
(docs/threat-model.md, A4). `record_viewings` does the same for each kind of the case's sealed
records (notes, risk assessments, referral reasons), one mark and one audit row per kind.
`case_reads` is an advocate's read mark per case, for the queue's
"new messages" flag.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.storage.models import (
    CaseRead,
    CaseViewing,
    Escalation,
    Message,
    RecordViewing,
    table_of,
)
from app.storage.times import aware

viewings = table_of(CaseViewing)
record_viewings = table_of(RecordViewing)
reads = table_of(CaseRead)
escalations = table_of(Escalation)
messages = table_of(Message)


def start_viewing(connection: Connection, *, staff_session_id: int, case_id: int,
                  purpose: str | None, now: datetime) -> bool:
    """Mark the case as open in this session for this purpose; True if it was not already.

    The primary key decides, so two tabs opening the case at the same moment make one mark
    (and so one audit row); the savepoint keeps the caller's transaction usable after the
    loser's insert fails.
    """
    try:
        with connection.begin_nested():
            connection.execute(insert(viewings).values(
                staff_session_id=staff_session_id, escalation_id=case_id,
                purpose=purpose or "", first_at=now))
    except IntegrityError:
        return False
    return True


def start_record_viewing(connection: Connection, *, staff_session_id: int, case_id: int,
                         purpose: str | None, kind: str, now: datetime) -> bool:
    """Mark this kind of the case's records as read in this session for this purpose; True if
    it was not already (the primary key decides, as in `start_viewing`)."""
    try:
        with connection.begin_nested():
            connection.execute(insert(record_viewings).values(
                staff_session_id=staff_session_id, escalation_id=case_id,
                purpose=purpose or "", kind=kind, first_at=now))
    except IntegrityError:
        return False
    return True


def is_viewing(connection: Connection, *, staff_session_id: int, case_id: int,
               purpose: str | None) -> bool:
    return connection.execute(select(exists().where(
        viewings.c.staff_session_id == staff_session_id, viewings.c.escalation_id == case_id,
        viewings.c.purpose == (purpose or "")))).scalar() is True


def mark_read(connection: Connection, *, advocate_id: int, case_id: int,
              until: datetime) -> None:
    """Move the advocate's read mark forward to `until` (never back)."""
    changed = connection.execute(
        update(reads).where(reads.c.advocate_id == advocate_id,
                            reads.c.escalation_id == case_id, reads.c.read_until < until)
        .values(read_until=until)).rowcount
    if changed:
        return
    try:
        with connection.begin_nested():
            connection.execute(insert(reads).values(advocate_id=advocate_id,
                                                    escalation_id=case_id, read_until=until))
    except IntegrityError:
        pass  # a mark already at or after `until`, or another tab's at the same moment


def unread_cases(connection: Connection, advocate_id: int) -> set[int]:
    """The unfinished cases this advocate holds with a survivor message newer than their read
    mark (or that they have never opened)."""
    latest = (select(messages.c.conversation_id,
                     func.max(messages.c.created_at).label("newest"))
              .where(messages.c.direction == "in")
              .group_by(messages.c.conversation_id).subquery())
    rows = connection.execute(
        select(escalations.c.id, latest.c.newest, reads.c.read_until)
        .join(latest, latest.c.conversation_id == escalations.c.conversation_id)
        .outerjoin(reads, and_(reads.c.escalation_id == escalations.c.id,
                               reads.c.advocate_id == advocate_id))
        .where(escalations.c.claimed_by == advocate_id, escalations.c.status == "claimed"))
    unread: set[int] = set()
    for case_id, newest_stored, read_stored in rows:
        newest, read = aware(newest_stored), aware(read_stored)
        if newest is not None and (read is None or newest > read):
            unread.add(case_id)
    return unread

