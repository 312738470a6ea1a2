"""Records kept after the survivor's erasure (`[casework] keep_notes_after_erasure`): read by a
supervisor, with a purpose, clearly as what is left of an erased conversation.

A deployment may keep a case's notes, DASH assessments, consent ledger and referrals past the
survivor's erasure (sealed under the case's own key until retention; docs/deploy.md says why a
partnership might, and what it costs). Nobody holds an erased case, so only a supervisor who
states a purpose reads them (`records_authz.can_read_kept_records`); the read is audited
("kept_records.read": who, which case, when, why; never content), once per staff session and
purpose like the case page's records (`records.CaseRecordsBase._audit_read`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app import audit
from app.casework.desk import CaseNotFound, Casework, NotAllowed
from app.casework.notes import Note
from app.casework.risk import Assessment, RiskAssessments
from app.staff import records_authz
from app.staff.accounts import StaffMember
from app.storage import case_records, cases, viewings

log = logging.getLogger(__name__)
ACTION = "kept_records.read"
LISTED = "kept_records.listed"
# The list is for finding a case, not a report: the newest erasures, like a search's results.
MOST_LISTED = 200


class NothingKept(LookupError):
    """The case was erased and nothing of its records was kept (or retention has since
    destroyed them)."""


@dataclass(frozen=True)
class KeptRecords:
    """What is left of an erased case: its dates and its kept records, no conversation."""

    case: cases.Tombstone
    notes: list[Note]
    assessments: list[Assessment]
    consents: list[case_records.ConsentRow]
    referrals: list[case_records.StoredReferral]


@dataclass(frozen=True)
class KeptListing:
    """An erased case with kept records, as the supervisors' list shows it: facts, counts and
    the day retention destroys them, if nothing is written to them before."""

    case: case_records.KeptCase
    destroyed_after: datetime


class KeptAfterErasure:
    def __init__(self, *, casework: Casework, risk: RiskAssessments,
                 clock: Callable[[], datetime], retention_days: int) -> None:
        self.casework = casework
        self.risk = risk
        self.clock = clock
        self.retention_days = retention_days

    def listing(self, member: StaffMember) -> list[KeptListing]:
        """The erased cases whose records are kept, most recently erased first, for a
        supervisor to find one without knowing its number. Nothing sealed is opened (a read
        needs a purpose: `read`); looking at the list is audited like a search (who, when)."""
        if not records_authz.can_ask_for_kept_records(member):
            raise NotAllowed("kept")
        with self.casework.database.transaction() as connection:
            kept = case_records.kept_cases(connection, MOST_LISTED)
            audit.record(connection, now=self.clock(), actor=audit.staff(member.id),
                         action=LISTED)
        log.info("event=%s advocate=%s found=%s", LISTED, member.id, len(kept))
        return [KeptListing(case, case.last_written + timedelta(days=self.retention_days))
                for case in kept]

    def read(self, case_id: int, member: StaffMember, purpose: str | None, *,
             viewing: int | None = None) -> KeptRecords:
        """The erased case's kept records, if allowed; audited in the same transaction.
        Raises CaseNotFound (no such erased case), NotAllowed, or NothingKept."""
        now = self.clock()
        with self.casework.database.transaction() as connection:
            tomb = cases.tombstone(connection, case_id)
            if tomb is None:
                raise CaseNotFound(case_id)
            if not records_authz.can_read_kept_records(member, purpose):
                raise NotAllowed("kept")
            if not case_records.has_case_key(connection, case_id):
                raise NothingKept(case_id)
            keys = case_records.CaseKeys(case_id, None, None)
            keyring = self.casework.keyring
            notes = case_records.notes(connection, keyring, keys)
            assessments = case_records.assessments(connection, keyring, keys)
            referrals = case_records.referrals(connection, keyring, keys, open_reasons=True)
            consents = case_records.consents(connection, case_id)
            if viewing is None or viewings.start_record_viewing(
                    connection, staff_session_id=viewing, case_id=case_id, purpose=purpose,
                    kind=ACTION, now=now):
                audit.record(connection, now=now, actor=audit.staff(member.id), action=ACTION,
                             escalation_id=case_id, purpose=purpose)
                log.info("event=%s escalation=%s advocate=%s", ACTION, case_id, member.id)
        return KeptRecords(tomb, [Note(n.id, n.author_id, n.created_at, n.body) for n in notes],
                           [self.risk.scored(a) for a in assessments], consents, referrals)
