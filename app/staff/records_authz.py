"""Who may read and write a case's records (notes, DASH risk assessments, consent, referrals):
one function per decision, tested as a table (tests/staff/test_records_authz.py).

The records are as sensitive as the transcript (docs/threat-model.md, A4), so reading them
follows the transcript's rule (`authz.can_read_transcript`): the holder, or a supervisor who
states a purpose; an admin never. Writing is casework: the advocate or supervisor who holds a
claimed case, or a supervisor on any case with a stated purpose (a safeguarding concern on a
case nobody holds must still be recordable). Every purpose is one of `authz.PURPOSES`, a code,
so no free text reaches the audit trail.
"""

from __future__ import annotations

from app.staff import authz
from app.staff.accounts import StaffMember
from app.staff.authz import CaseFacts


def can_read_records(member: StaffMember, case: CaseFacts, purpose: str | None) -> bool:
    return authz.can_read_transcript(member, case, purpose)


def can_write_records(member: StaffMember, case: CaseFacts, purpose: str | None) -> bool:
    if member.role not in authz.CLAIMING_ROLES:
        return False
    if member.role == "supervisor" and purpose in authz.PURPOSES:
        return True
    return (case.status == "claimed" and authz.holds(member, case)
            and not authz.needs_purpose(member, case))


def stated_purpose(member: StaffMember, case: CaseFacts, purpose: str | None) -> str | None:
    """The purpose the audit row records: only when the member had to give one."""
    return purpose if authz.needs_purpose(member, case) else None


def can_ask_for_kept_records(member: StaffMember) -> bool:
    """Whether to offer the records a deployment keeps after the survivor's erasure
    (`[casework] keep_notes_after_erasure`): supervisors only, never an admin or advocate,
    since nobody holds an erased case."""
    return member.role == "supervisor"


def can_read_kept_records(member: StaffMember, purpose: str | None) -> bool:
    """Reading them: a supervisor, with a stated purpose (recorded in the audit trail)."""
    return can_ask_for_kept_records(member) and purpose in authz.PURPOSES
