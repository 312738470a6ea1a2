"""What a case's records share: finding the case, the role rule, the key, the audit row.

A case's records are its notes (`notes`), DASH risk assessments (`risk`), and consent and
referrals (`referrals`). Each service here checks `app.staff.records_authz` and writes its audit
row (who, case, when, why; never content) in the same transaction as the write or the read it
records, as `desk.open_case` does for a transcript.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from app import audit
from app.casework.desk import CaseErased, CaseNotFound, Casework, NotAllowed, facts
from app.deployment.sections import CaseworkPolicy
from app.staff import records_authz
from app.staff.accounts import StaffMember
from app.storage import case_records, cases, viewings


class RecordRefused(ValueError):
    """A record that cannot be saved as given; `message` says why, in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Opened:
    """A case found and allowed, inside one transaction."""

    connection: Connection
    record: cases.CaseRecord
    keys: case_records.CaseKeys
    purpose: str | None  # what the audit row records (only when one had to be given)


class CaseRecordsBase:
    def __init__(self, *, casework: Casework, policy: CaseworkPolicy,
                 clock: Callable[[], datetime]) -> None:
        self.casework = casework
        self.policy = policy
        self.clock = clock

    @property
    def scope(self) -> str:
        """Which key seals what is written now (app/storage/case_records.py)."""
        return "case" if self.policy.keep_notes_after_erasure else "conversation"

    def _open(self, connection: Connection, case_id: int, member: StaffMember,
              purpose: str | None, *, write: bool, action: str) -> Opened:
        record = cases.load(connection, self.casework.keyring, case_id)
        if record is None:
            raise (CaseErased if cases.is_erased(connection, case_id) else CaseNotFound)(
                case_id)
        case_facts = facts(record)
        allowed = (records_authz.can_write_records if write
                   else records_authz.can_read_records)(member, case_facts, purpose)
        if not allowed:
            raise NotAllowed(action)
        return Opened(connection, record,
                      case_records.CaseKeys(record.id, record.conversation_id, record.key),
                      records_authz.stated_purpose(member, case_facts, purpose))

    def _audit(self, opened: Opened, member: StaffMember, action: str) -> None:
        audit.record(opened.connection, now=self.clock(), actor=audit.staff(member.id),
                     action=action, conversation_id=opened.record.conversation_id,
                     escalation_id=opened.record.id, purpose=opened.purpose)

    def _audit_read(self, opened: Opened, member: StaffMember, action: str,
                    viewing: int | None) -> None:
        """Audit a read of sealed records: with `viewing` (the staff session's id) once per
        session, purpose and kind of record, like the transcript (`desk.open_case`), so a
        reload or a second tab adds no row; without it, every read writes one."""
        if viewing is None or viewings.start_record_viewing(
                opened.connection, staff_session_id=viewing, case_id=opened.record.id,
                purpose=opened.purpose, kind=action, now=self.clock()):
            self._audit(opened, member, action)

    def erased_counts(self, case_id: int) -> dict[str, int]:
        """What the survivor's erasure destroyed on this case, as counts (the tombstone)."""
        with self.casework.database.transaction() as connection:
            return case_records.erased_counts(connection, case_id)

    def kept_after_erasure(self, case_id: int) -> bool:
        """Whether the case still has records sealed under its own key (a deployment that
        keeps notes after erasure): counts nothing, opens nothing."""
        with self.casework.database.transaction() as connection:
            return case_records.has_case_key(connection, case_id)
