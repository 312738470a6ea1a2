"""Who may do what with a case, as tables (app/authz.py).

docs/threat-model.md, A3 and A4: advocates read and answer only the cases they hold; a supervisor
reads a case they do not hold only with a stated purpose; an admin reads no transcripts and
sends no replies. Each table is written out by hand, one row per role and whether the member
holds the case, one column per case status, so that changing a rule means changing a visible
expectation here.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.staff import authz
from app.staff.accounts import StaffMember
from app.staff.authz import CaseFacts

ME = 7
SOMEONE_ELSE = 8
STATUSES = ("open", "claimed", "closed")
T, F = True, False
HOLDS, NOT_HOLDING = True, False

# role, holds the case, then the answer for an open, a claimed and a closed case.
Row = tuple[str, bool, bool, bool, bool]
CASE_ARGS = ("role", "holds", "status", "expected")


def member(role: str) -> StaffMember:
    return StaffMember(id=ME, email=f"{role}@example.org", role=role, session_epoch=0)


def case(status: str, holds: bool) -> CaseFacts:
    return CaseFacts(status=status, claimed_by=ME if holds else SOMEONE_ELSE)


def table(rows: list[Row]) -> list[pytest.ParameterSet]:
    """One test case per row and status: spreads the hand-written columns out, decides nothing."""
    params = []
    for role, holds, *answers in rows:
        for status, expected in zip(STATUSES, answers, strict=True):
            label = "holds" if holds else "not-holding"
            params.append(pytest.param(role, holds, status, expected,
                                       id=f"{role}-{label}-{status}"))
    return params


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        pytest.param("advocate", True, id="advocate"),
        pytest.param("supervisor", True, id="supervisor"),
        pytest.param("admin", True, id="admin"),
        pytest.param("volunteer", False, id="unknown-role"),
        pytest.param("Admin", False, id="roles-are-exact"),
        pytest.param("", False, id="no-role"),
    ],
)
def test_who_sees_the_queue(role: str, expected: bool) -> None:
    assert authz.can_view_queue(member(role)) is expected


CLAIM: list[Row] = [
    #                              open claimed closed
    ("advocate", HOLDS,             T,   F,      F),
    ("advocate", NOT_HOLDING,       T,   F,      F),
    ("supervisor", HOLDS,           T,   F,      F),
    ("supervisor", NOT_HOLDING,     T,   F,      F),
    ("admin", HOLDS,                F,   F,      F),
    ("admin", NOT_HOLDING,          F,   F,      F),
]


@pytest.mark.parametrize(CASE_ARGS, table(CLAIM))
def test_who_may_claim(role: str, holds: bool, status: str, expected: bool) -> None:
    assert authz.can_claim(member(role), case(status, holds)) is expected


# role, holds, purpose given, then the answer for an open, a claimed and a closed case.
READ: list[tuple[str, bool, str | None, bool, bool, bool]] = [
    #                                              open claimed closed
    ("advocate", HOLDS, None,                       T,   T,      T),
    ("advocate", HOLDS, "safeguarding",             T,   T,      T),
    ("advocate", HOLDS, "curiosity",                T,   T,      T),
    ("advocate", NOT_HOLDING, None,                 F,   F,      F),
    ("advocate", NOT_HOLDING, "safeguarding",       F,   F,      F),
    ("advocate", NOT_HOLDING, "curiosity",          F,   F,      F),
    ("supervisor", HOLDS, None,                     T,   T,      T),
    ("supervisor", HOLDS, "safeguarding",           T,   T,      T),
    ("supervisor", HOLDS, "curiosity",              T,   T,      T),
    ("supervisor", NOT_HOLDING, None,               F,   F,      F),
    ("supervisor", NOT_HOLDING, "safeguarding",     T,   T,      T),
    ("supervisor", NOT_HOLDING, "curiosity",        F,   F,      F),
    ("admin", HOLDS, None,                          F,   F,      F),
    ("admin", HOLDS, "safeguarding",                F,   F,      F),
    ("admin", HOLDS, "curiosity",                   F,   F,      F),
    ("admin", NOT_HOLDING, None,                    F,   F,      F),
    ("admin", NOT_HOLDING, "safeguarding",          F,   F,      F),
    ("admin", NOT_HOLDING, "curiosity",             F,   F,      F),
]


def read_table() -> list[pytest.ParameterSet]:
    params = []
    for role, holds, purpose, *answers in READ:
        for status, expected in zip(STATUSES, answers, strict=True):
            label = "holds" if holds else "not-holding"
            params.append(pytest.param(role, holds, purpose, status, expected,
                                       id=f"{role}-{label}-{purpose or 'no-purpose'}-{status}"))
    return params


@pytest.mark.parametrize(("role", "holds", "purpose", "status", "expected"), read_table())
def test_who_may_read_a_transcript(role: str, holds: bool, purpose: str | None, status: str,
                                   expected: bool) -> None:
    assert authz.can_read_transcript(member(role), case(status, holds), purpose) is expected


def test_purpose_codes_are_the_four_the_audit_trail_stores() -> None:
    assert set(authz.PURPOSES) == {"supervision", "safeguarding", "covering", "incident"}


@pytest.mark.parametrize("purpose", ["supervision", "safeguarding", "covering", "incident"])
def test_a_supervisor_reads_a_case_they_do_not_hold_for_any_listed_purpose(purpose: str) -> None:
    assert authz.can_read_transcript(member("supervisor"), case("claimed", NOT_HOLDING), purpose)


@pytest.mark.parametrize(
    "purpose",
    [
        pytest.param(None, id="none"),
        pytest.param("", id="empty"),
        pytest.param("Safeguarding concern", id="the-label-is-not-a-code"),
        pytest.param("SAFEGUARDING", id="codes-are-exact"),
        pytest.param(" safeguarding", id="no-trimming"),
        pytest.param("curiosity", id="unlisted"),
    ],
)
def test_a_supervisor_without_a_listed_purpose_is_refused(purpose: str | None) -> None:
    assert not authz.can_read_transcript(member("supervisor"), case("claimed", NOT_HOLDING),
                                         purpose)


NEEDS_PURPOSE: list[Row] = [
    #                              open claimed closed
    ("advocate", HOLDS,             F,   F,      F),
    ("advocate", NOT_HOLDING,       F,   F,      F),
    ("supervisor", HOLDS,           F,   F,      F),
    ("supervisor", NOT_HOLDING,     T,   T,      T),
    ("admin", HOLDS,                F,   F,      F),
    ("admin", NOT_HOLDING,          F,   F,      F),
]


@pytest.mark.parametrize(CASE_ARGS, table(NEEDS_PURPOSE))
def test_who_must_state_a_purpose(role: str, holds: bool, status: str, expected: bool) -> None:
    assert authz.needs_purpose(member(role), case(status, holds)) is expected


REPLY: list[Row] = [
    #                              open claimed closed
    ("advocate", HOLDS,             F,   T,      F),
    ("advocate", NOT_HOLDING,       F,   F,      F),
    ("supervisor", HOLDS,           F,   T,      F),
    ("supervisor", NOT_HOLDING,     F,   F,      F),
    ("admin", HOLDS,                F,   F,      F),
    ("admin", NOT_HOLDING,          F,   F,      F),
]


@pytest.mark.parametrize(CASE_ARGS, table(REPLY))
def test_who_may_reply(role: str, holds: bool, status: str, expected: bool) -> None:
    assert authz.can_reply(member(role), case(status, holds)) is expected


SET_WINDOW: list[Row] = [
    #                              open claimed closed
    ("advocate", HOLDS,             F,   T,      F),
    ("advocate", NOT_HOLDING,       F,   F,      F),
    ("supervisor", HOLDS,           F,   T,      F),
    ("supervisor", NOT_HOLDING,     F,   F,      F),
    ("admin", HOLDS,                F,   F,      F),
    ("admin", NOT_HOLDING,          F,   F,      F),
]


@pytest.mark.parametrize(CASE_ARGS, table(SET_WINDOW))
def test_who_may_set_the_safe_time_window(role: str, holds: bool, status: str,
                                          expected: bool) -> None:
    assert authz.can_set_window(member(role), case(status, holds)) is expected


RELEASE: list[Row] = [
    #                              open claimed closed
    ("advocate", HOLDS,             F,   T,      F),
    ("advocate", NOT_HOLDING,       F,   F,      F),
    ("supervisor", HOLDS,           F,   T,      F),
    ("supervisor", NOT_HOLDING,     F,   T,      F),
    ("admin", HOLDS,                F,   T,      F),
    ("admin", NOT_HOLDING,          F,   T,      F),
]


@pytest.mark.parametrize(CASE_ARGS, table(RELEASE))
def test_who_may_release(role: str, holds: bool, status: str, expected: bool) -> None:
    assert authz.can_release(member(role), case(status, holds)) is expected


REASSIGN: list[Row] = [
    #                              open claimed closed
    ("advocate", HOLDS,             F,   F,      F),
    ("advocate", NOT_HOLDING,       F,   F,      F),
    ("supervisor", HOLDS,           T,   T,      F),
    ("supervisor", NOT_HOLDING,     T,   T,      F),
    ("admin", HOLDS,                T,   T,      F),
    ("admin", NOT_HOLDING,          T,   T,      F),
]


@pytest.mark.parametrize(CASE_ARGS, table(REASSIGN))
def test_who_may_reassign(role: str, holds: bool, status: str, expected: bool) -> None:
    assert authz.can_reassign(member(role), case(status, holds)) is expected


CLOSE: list[Row] = [
    #                              open claimed closed
    ("advocate", HOLDS,             T,   T,      F),
    ("advocate", NOT_HOLDING,       F,   F,      F),
    ("supervisor", HOLDS,           T,   T,      F),
    ("supervisor", NOT_HOLDING,     T,   T,      F),
    # An admin cannot come to hold a case (they cannot claim, and reassigning refuses them);
    # if one did, holding it is what lets them close it.
    ("admin", HOLDS,                T,   T,      F),
    ("admin", NOT_HOLDING,          F,   F,      F),
]


@pytest.mark.parametrize(CASE_ARGS, table(CLOSE))
def test_who_may_close(role: str, holds: bool, status: str, expected: bool) -> None:
    assert authz.can_close(member(role), case(status, holds)) is expected


# Withdrawing a reply not yet sent: the holder (also after closing it) or any supervisor.
WITHDRAW_REPLY: list[Row] = [
    #                              open claimed closed
    ("advocate", HOLDS,             F,   T,      T),
    ("advocate", NOT_HOLDING,       F,   F,      F),
    ("supervisor", HOLDS,           T,   T,      T),
    ("supervisor", NOT_HOLDING,     T,   T,      T),
    ("admin", HOLDS,                F,   F,      F),
    ("admin", NOT_HOLDING,          F,   F,      F),
    ("volunteer", HOLDS,            F,   F,      F),
]


@pytest.mark.parametrize(CASE_ARGS, table(WITHDRAW_REPLY))
def test_who_may_withdraw_a_reply_not_yet_sent(role: str, holds: bool, status: str,
                                               expected: bool) -> None:
    assert authz.can_withdraw_reply(member(role), case(status, holds)) is expected


@pytest.mark.parametrize("role", ["advocate", "supervisor", "admin"])
def test_nobody_holds_an_unclaimed_case(role: str) -> None:
    assert not authz.holds(member(role), CaseFacts(status="open", claimed_by=None))


def test_a_supervisor_must_state_a_purpose_for_an_unclaimed_case() -> None:
    unclaimed = CaseFacts(status="open", claimed_by=None)
    assert authz.needs_purpose(member("supervisor"), unclaimed)
    assert not authz.can_read_transcript(member("supervisor"), unclaimed, None)
    assert authz.can_read_transcript(member("supervisor"), unclaimed, "supervision")


def test_an_advocate_cannot_read_an_unclaimed_case_before_claiming_it() -> None:
    unclaimed = CaseFacts(status="open", claimed_by=None)
    assert not authz.can_read_transcript(member("advocate"), unclaimed, "safeguarding")


Decision = Callable[[StaffMember, CaseFacts], bool]


@pytest.mark.parametrize(
    ("decision", "facts"),
    [
        pytest.param(authz.can_claim, CaseFacts("open", None), id="claim"),
        pytest.param(authz.needs_purpose, CaseFacts("claimed", SOMEONE_ELSE), id="needs-purpose"),
        pytest.param(authz.can_reply, CaseFacts("claimed", ME), id="reply"),
        pytest.param(authz.can_set_window, CaseFacts("claimed", ME), id="set-window"),
        pytest.param(authz.can_reassign, CaseFacts("claimed", ME), id="reassign"),
        pytest.param(lambda m, c: authz.can_read_transcript(m, c, "safeguarding"),
                     CaseFacts("claimed", ME), id="read-transcript"),
        pytest.param(authz.can_release, CaseFacts("claimed", ME), id="release"),
        pytest.param(authz.can_close, CaseFacts("claimed", ME), id="close"),
    ],
)
def test_a_role_outside_the_three_may_do_nothing(decision: Decision, facts: CaseFacts) -> None:
    assert decision(member("volunteer"), facts) is False


TAKEN_OVER = [
    # (role, holds it, someone else handled it, purpose given) -> may read; needs a purpose
    ("supervisor", True, False, None, True, False),
    ("supervisor", True, True, None, False, True),
    ("supervisor", True, True, "covering", True, True),
    ("advocate", True, True, None, True, False),
    ("admin", True, True, "covering", False, False),
]


@pytest.mark.parametrize(("role", "holding", "handled", "purpose", "reads", "asks"),
                         TAKEN_OVER)
def test_a_supervisor_holding_a_case_someone_else_handled_states_a_purpose(
        role: str, holding: bool, handled: bool, purpose: str | None, reads: bool,
        asks: bool) -> None:
    member = StaffMember(7, "m@example.org", role, 0)
    case = authz.CaseFacts("claimed", 7 if holding else 8, taken_over=handled)
    assert authz.can_read_transcript(member, case, purpose) is reads
    assert authz.needs_purpose(member, case) is asks
