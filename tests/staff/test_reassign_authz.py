"""Whom a case may be given to (issue 23, item 13), as a table: `authz.can_reassign_to`.

A supervisor who gave a case to themselves would hold it and read it with no purpose
recorded; a disabled account would hold a case nobody answers. Both are refused.
"""

from __future__ import annotations

import pytest

from app.staff import authz
from app.staff.accounts import StaffMember
from app.staff.authz import CaseFacts

GIVER = 7
HOLDER = 8
OTHER = 9
T, F = True, False


def member(role: str, member_id: int = GIVER, active: bool = True) -> StaffMember:
    return StaffMember(member_id, f"{role}{member_id}@example.org", role, 0, active)


# giver's role, receiver's role, receiver is the giver, receiver active, then the answer for
# an open case and for one a colleague holds (a closed case is never reassigned).
ROWS: list[tuple[str, str, bool, bool, bool, bool]] = [
    #                                                       open  claimed
    ("supervisor", "advocate",   False, True,               T,    T),
    ("supervisor", "supervisor", False, True,               T,    T),
    ("supervisor", "supervisor", True,  True,               F,    F),  # to themselves
    ("supervisor", "advocate",   False, False,              F,    F),  # disabled
    ("supervisor", "supervisor", False, False,              F,    F),  # disabled
    ("supervisor", "admin",      False, True,               F,    F),  # admins hold no cases
    ("admin",      "advocate",   False, True,               T,    T),
    ("admin",      "supervisor", False, True,               T,    T),
    ("admin",      "advocate",   False, False,              F,    F),  # disabled
    ("admin",      "admin",      True,  True,               F,    F),
    ("advocate",   "advocate",   False, True,               F,    F),  # advocates do not
    ("advocate",   "advocate",   True,  True,               F,    F),
    ("volunteer",  "advocate",   False, True,               F,    F),  # unknown role
    ("supervisor", "volunteer",  False, True,               F,    F),  # unknown role
]


def params() -> list[pytest.ParameterSet]:
    out = []
    for giver, receiver, is_self, active, *answers in ROWS:
        for status, expected in zip(("open", "claimed"), answers, strict=True):
            label = (f"{giver}-to-{'self' if is_self else receiver}-"
                     f"{'active' if active else 'disabled'}-{status}")
            out.append(pytest.param(giver, receiver, is_self, active, status, expected,
                                    id=label))
    return out


@pytest.mark.parametrize(("giver", "receiver", "is_self", "active", "status", "expected"),
                         params())
def test_whom_a_case_may_be_given_to(giver: str, receiver: str, is_self: bool, active: bool,
                                     status: str, expected: bool) -> None:
    by = member(giver)
    to = member(receiver, GIVER if is_self else OTHER, active)
    case = CaseFacts(status, HOLDER if status == "claimed" else None)
    assert authz.can_reassign_to(by, case, to) is expected


@pytest.mark.parametrize("receiver", ["advocate", "supervisor"])
def test_a_closed_case_is_given_to_nobody(receiver: str) -> None:
    assert not authz.can_reassign_to(member("supervisor"), CaseFacts("closed", HOLDER),
                                     member(receiver, OTHER))
