"""Who may hand a case to whom with a note (issue 20, item 6), as tables:
`authz.can_transfer` and `authz.can_transfer_to`."""

from __future__ import annotations

import pytest

from app.staff import authz
from app.staff.accounts import StaffMember
from app.staff.authz import CaseFacts

ME, HOLDER, OTHER = 7, 8, 9
T, F = True, False
STATUSES = ("open", "claimed", "closed")


def member(role: str, member_id: int = ME, active: bool = True) -> StaffMember:
    return StaffMember(member_id, f"{role}{member_id}@example.org", role, 0, active)


# role, holds the case, then the answer for an open, a claimed and a closed case.
TRANSFER: list[tuple[str, bool, bool, bool, bool]] = [
    #                               open claimed closed
    ("advocate", True,               F,   T,      F),
    ("advocate", False,              F,   F,      F),
    ("supervisor", True,             T,   T,      F),
    ("supervisor", False,            T,   T,      F),
    ("admin", True,                  F,   F,      F),  # admins read no case: no notes
    ("admin", False,                 F,   F,      F),
    ("volunteer", True,              F,   F,      F),
]


def transfer_params() -> list[pytest.ParameterSet]:
    out = []
    for role, holding, *answers in TRANSFER:
        for status, expected in zip(STATUSES, answers, strict=True):
            out.append(pytest.param(role, holding, status, expected,
                                    id=f"{role}-{'holds' if holding else 'not-holding'}-"
                                       f"{status}"))
    return out


@pytest.mark.parametrize(("role", "holding", "status", "expected"), transfer_params())
def test_who_may_hand_a_case_over(role: str, holding: bool, status: str,
                                  expected: bool) -> None:
    case = CaseFacts(status, ME if holding and status != "open" else (
        None if status == "open" else HOLDER))
    assert authz.can_transfer(member(role), case) is expected


# receiver's role, is the giver, active, on shift -> may an advocate holding the case give it
RECEIVERS: list[tuple[str, bool, bool, bool, bool]] = [
    ("advocate", False, True, True, T),
    ("supervisor", False, True, True, T),
    ("advocate", False, True, False, F),  # not on shift
    ("advocate", False, False, True, F),  # disabled
    ("advocate", True, True, True, F),  # themselves
    ("admin", False, True, True, F),  # admins hold no cases
    ("volunteer", False, True, True, F),  # unknown role
]


@pytest.mark.parametrize(("role", "is_self", "active", "on_shift", "expected"), RECEIVERS)
def test_whom_a_case_may_be_handed_to(role: str, is_self: bool, active: bool, on_shift: bool,
                                      expected: bool) -> None:
    to = member(role, ME if is_self else OTHER, active)
    giver = member("advocate")
    assert authz.can_transfer_to(giver, CaseFacts("claimed", ME), to, on_shift) is expected


def test_a_supervisor_cannot_hand_a_case_to_the_advocate_who_holds_it() -> None:
    holder = member("advocate", HOLDER)
    case = CaseFacts("claimed", HOLDER)
    assert not authz.can_transfer_to(member("supervisor"), case, holder, True)
    assert authz.can_transfer_to(member("supervisor"), case, member("advocate", OTHER), True)


@pytest.mark.parametrize(("role", "expected"), [("advocate", F), ("supervisor", T),
                                                ("admin", T), ("volunteer", F)])
def test_who_sees_everyones_shift_summary(role: str, expected: bool) -> None:
    assert authz.can_see_every_shift(member(role)) is expected
