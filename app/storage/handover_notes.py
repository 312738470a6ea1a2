"""Handover notes, sealed under the conversation's data key and bound to their row.

Like `vault` and `cases`, this is where the associated data of a ciphertext is decided. A note
is about the survivor (what the next advocate needs to know), so it is sealed like a message,
and it cascades with the conversation: erasure and retention destroy it with the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from app.crypto import FieldContext
from app.storage.cases import CaseRecord
from app.storage.models import HandoverNote, table_of
from app.storage.times import utc

notes = table_of(HandoverNote)
_n = notes.c


@dataclass(frozen=True)
class StoredNote:
    from_advocate: int
    to_advocate: int
    text: str
    created_at: datetime


def _context(note_id: int) -> FieldContext:
    return FieldContext("handover_notes", "note", str(note_id))


def add(connection: Connection, case: CaseRecord, *, from_advocate: int, to_advocate: int,
        text: str, now: datetime) -> int:
    note_id: int = connection.execute(insert(notes).values(
        escalation_id=case.id, conversation_id=case.conversation_id,
        from_advocate=from_advocate, to_advocate=to_advocate, note_sealed=None, created_at=now,
    ).returning(_n.id)).scalar_one()
    # The row id is part of the associated data, so sealing waits for the insert.
    connection.execute(update(notes).where(_n.id == note_id).values(
        note_sealed=case.key.seal(text, _context(note_id))))
    return note_id


def for_case(connection: Connection, case: CaseRecord) -> list[StoredNote]:
    """The case's handovers, oldest first, opened."""
    rows = connection.execute(select(notes).where(
        _n.escalation_id == case.id, _n.conversation_id == case.conversation_id)
        .order_by(_n.created_at, _n.id)).all()
    return [StoredNote(r.from_advocate, r.to_advocate,
                       case.key.open(r.note_sealed, _context(r.id)) if r.note_sealed else "",
                       utc(r.created_at)) for r in rows]


@dataclass(frozen=True)
class Handing:
    """Who handed a case to whom and when: the row's facts, the note left sealed."""

    from_advocate: int
    to_advocate: int
    created_at: datetime


def latest(connection: Connection, case_id: int) -> Handing | None:
    """The case's newest handover, without opening its note (a confirmation needs no note)."""
    row = connection.execute(select(_n.from_advocate, _n.to_advocate, _n.created_at).where(
        _n.escalation_id == case_id).order_by(_n.created_at.desc(), _n.id.desc())
        .limit(1)).first()
    return Handing(row.from_advocate, row.to_advocate, utc(row.created_at)) if row else None
