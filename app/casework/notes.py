"""Case notes: what an advocate writes down about a case, sealed, with author and time.

Advocates add notes to a case they hold; a supervisor to any case, with a stated purpose
(`app.staff.records_authz`). The text is sealed (app/storage/case_records.py): under the
conversation's key by default, so the survivor's erasure destroys it; the audit trail says
who added or read notes, never what they say.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from app.casework.records import CaseRecordsBase, RecordRefused
from app.staff.accounts import StaffMember
from app.storage import case_records

log = logging.getLogger(__name__)
MAX_NOTE_CHARS = 4000


@dataclass(frozen=True)
class Note:
    id: uuid.UUID
    author_id: int
    created_at: datetime
    text: str


class Notes(CaseRecordsBase):
    def add(self, case_id: int, member: StaffMember, text: str, purpose: str | None = None
            ) -> uuid.UUID:
        now = self.clock()
        with self.casework.database.transaction() as connection:
            # Who may write is decided before what they wrote is judged: someone who may not
            # add notes is told so, not how to fix a note they cannot save.
            opened = self._open(connection, case_id, member, purpose, write=True, action="note")
            body = text.strip()
            if not body:
                raise RecordRefused("The note is empty: write something first.")
            if len(body) > MAX_NOTE_CHARS:
                raise RecordRefused(f"A note can be at most {MAX_NOTE_CHARS} characters; "
                                    "split it in two.")
            note_id = case_records.add_note(connection, self.casework.keyring, opened.keys,
                                            scope=self.scope, author_id=member.id, body=body,
                                            now=now)
            self._audit(opened, member, "note.added")
        log.info("event=note.added escalation=%s advocate=%s", case_id, member.id)
        return note_id

    def read(self, case_id: int, member: StaffMember, purpose: str | None = None, *,
             viewing: int | None = None) -> list[Note]:
        """The case's notes, oldest first; reading any writes one audit row (once per
        `viewing`, the staff session, when given)."""
        with self.casework.database.transaction() as connection:
            opened = self._open(connection, case_id, member, purpose, write=False,
                                action="read")
            found = case_records.notes(connection, self.casework.keyring, opened.keys)
            if found:
                self._audit_read(opened, member, "notes.read", viewing)
        return [Note(n.id, n.author_id, n.created_at, n.body) for n in found]
