"""Who may do what with a case: one function per decision, tested as a table.

Roles (docs/threat-model.md, A3 and A4):
- advocate: sees the queue (no content), claims cases, and reads and answers only the cases
  they hold;
- supervisor: everything an advocate may do, plus reassigning and releasing any case, and
  reading a case they do not hold when they state a purpose (audited);
- admin: runs the service (accounts, reassignment) and sees the queue, but reads no
  transcripts and sends no replies: least privilege for a role that is not casework.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.staff.accounts import StaffMember

# Why a supervisor opens a case they do not hold. Codes are stored in the audit trail; the
# labels are what the supervisor picks from. Fixed codes, so no free text (and so no survivor
# detail) ever reaches the audit trail.
PURPOSES = {
    "supervision": "Supervision or quality review",
    "safeguarding": "Safeguarding concern",
    "covering": "Covering for a colleague",
    "incident": "Complaint or incident review",
}


@dataclass(frozen=True)
class CaseFacts:
    """What a decision needs to know about a case."""

    status: str  # open, claimed, closed
    claimed_by: int | None
    # Someone other than the holder has claimed, released or reassigned it (not fresh from
    # the queue): a supervisor holding it still states a purpose to read it.
    taken_over: bool = False


STAFF_ROLES = frozenset({"advocate", "supervisor", "admin"})


def holds(member: StaffMember, case: CaseFacts) -> bool:
    """Holding a case gives rights only to a known role: anything else is denied by default."""
    return member.role in STAFF_ROLES and case.claimed_by == member.id


def can_view_queue(member: StaffMember) -> bool:
    return member.role in ("advocate", "supervisor", "admin")


CLAIMING_ROLES = frozenset({"advocate", "supervisor"})


def can_claim(member: StaffMember, case: CaseFacts) -> bool:
    return member.role in CLAIMING_ROLES and case.status == "open"


def can_read_transcript(member: StaffMember, case: CaseFacts, purpose: str | None) -> bool:
    if member.role == "admin":
        return False
    if holds(member, case) and not needs_purpose(member, case):
        return True
    return member.role == "supervisor" and purpose in PURPOSES


def needs_purpose(member: StaffMember, case: CaseFacts) -> bool:
    """A supervisor opening a case they do not hold must say why first; so must one holding a
    case someone else has handled (released to the queue, or given to them), or releasing a
    colleague's case and claiming it would read it with no purpose recorded."""
    if member.role != "supervisor":
        return False
    return not holds(member, case) or case.taken_over


def can_reply(member: StaffMember, case: CaseFacts) -> bool:
    return member.role in ("advocate", "supervisor") and case.status == "claimed" and holds(
        member, case)


def can_call(member: StaffMember, case: CaseFacts) -> bool:
    """A safe call-back is a reply by voice: only the holder of a claimed case places it."""
    return can_reply(member, case)


def still_holds(advocate_id: int, case: CaseFacts) -> bool:
    """When the survivor is about to be dialled, the advocate whose phone is on the line must
    still hold the case: released, reassigned or closed in between, nobody is dialled."""
    return case.status == "claimed" and case.claimed_by == advocate_id


def can_set_window(member: StaffMember, case: CaseFacts) -> bool:
    return can_reply(member, case)


def can_release(member: StaffMember, case: CaseFacts) -> bool:
    if case.status != "claimed":
        return False
    return holds(member, case) or member.role in ("supervisor", "admin")


def can_reassign(member: StaffMember, case: CaseFacts) -> bool:
    return member.role in ("supervisor", "admin") and case.status in ("open", "claimed")


def can_reassign_to(member: StaffMember, case: CaseFacts, to: StaffMember) -> bool:
    """Giving a case to someone: only to an active advocate or supervisor, and never to
    oneself. A supervisor who gave a case to themselves would then hold it and read it with
    no purpose recorded (docs/threat-model.md, A4); they claim an open case like anyone, or
    state a purpose to read one someone else holds. A disabled account must not be left
    holding a survivor's case that nobody will answer."""
    return (can_reassign(member, case) and to.active and to.role in CLAIMING_ROLES
            and to.id != member.id)


def can_close(member: StaffMember, case: CaseFacts) -> bool:
    if case.status == "closed":
        return False
    return holds(member, case) or member.role == "supervisor"


def can_withdraw_reply(member: StaffMember, case: CaseFacts) -> bool:
    """Withdraw a reply that has not gone yet (held for the safe time, say): the advocate who
    holds the case, also once they closed it, or a supervisor on any case (one released or
    closed with replies still waiting). It reads nothing of the case; an admin does no
    casework."""
    if member.role == "supervisor":
        return True
    return (member.role in CLAIMING_ROLES and case.status in ("claimed", "closed")
            and holds(member, case))


def can_view_audit(member: StaffMember) -> bool:
    """Supervisors and admins oversee who read what; advocates do not read each other's."""
    return member.role in ("supervisor", "admin")


OVERSIGHT_ROLES = frozenset({"supervisor", "admin"})


def can_view_overdue(member: StaffMember) -> bool:
    """The list of cases left unclaimed past their target: ids, codes and times, no content;
    for the people who answer for the service's response times."""
    return member.role in OVERSIGHT_ROLES


def can_transfer(member: StaffMember, case: CaseFacts) -> bool:
    """Handing a case to a colleague with a note: the advocate or supervisor who holds it, or
    a supervisor for any unfinished case. Not an admin: the note is about the survivor, and an
    admin reads no case (they still reassign without one)."""
    if member.role not in CLAIMING_ROLES or case.status not in ("open", "claimed"):
        return False
    return member.role == "supervisor" or (case.status == "claimed" and holds(member, case))


def can_transfer_to(member: StaffMember, case: CaseFacts, to: StaffMember,
                    on_shift: bool) -> bool:
    """To an active advocate or supervisor who is on shift (signed in and active now), never
    to oneself: a case handed to someone away would sit with nobody answering it. Nor to
    whoever holds it already (a supervisor's manage page offered the holder: a "handover"
    that moved nothing and told them so in a note)."""
    return (can_transfer(member, case) and to.active and to.role in CLAIMING_ROLES
            and to.id not in (member.id, case.claimed_by) and on_shift)


def can_see_every_shift(member: StaffMember) -> bool:
    """The shift summary of everyone's cases (references, times, counts; no content)."""
    return member.role in OVERSIGHT_ROLES


def can_edit_canned(member: StaffMember) -> bool:
    """Adding and editing the canned replies advocates pick from: what every survivor may be
    sent, so supervisors only (admins run the service but write nothing to survivors)."""
    return member.role == "supervisor"


def can_search_cases(member: StaffMember) -> bool:
    """Finding a case by its facts (reference, status, priority, language, date): what the
    queue already shows every role, for closed cases too. The results open a case only under
    the rules above."""
    return member.role in STAFF_ROLES


def can_manage_staff(member: StaffMember) -> bool:
    """The staff page (accounts, and setting a colleague's own phone for call-backs): running
    the service is the administrator's job, not casework."""
    return member.role == "admin"
