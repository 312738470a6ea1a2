"""Who may search cases and who may follow a live case page: tables, like test_authz.py."""

from __future__ import annotations

import pytest

from app.staff import authz
from app.staff.accounts import StaffMember

ME, SOMEONE = 7, 8


def member(role: str) -> StaffMember:
    return StaffMember(id=ME, email=f"{role}@example.org", role=role, session_epoch=0)


@pytest.mark.parametrize(("role", "allowed"), [
    ("advocate", True), ("supervisor", True), ("admin", True),
    ("volunteer", False), ("", False), ("Advocate", False),
])
def test_searching_cases_by_their_facts(role: str, allowed: bool) -> None:
    assert authz.can_search_cases(member(role)) is allowed


# The live endpoint reads under can_read_transcript, with the purpose the page was opened with.
@pytest.mark.parametrize(("role", "holder", "purpose", "allowed"), [
    ("advocate", ME, None, True),
    ("advocate", SOMEONE, None, False),
    ("advocate", SOMEONE, "safeguarding", False),
    ("advocate", None, None, False),
    ("supervisor", SOMEONE, None, False),
    ("supervisor", SOMEONE, "safeguarding", True),
    ("supervisor", SOMEONE, "curious", False),
    ("supervisor", ME, None, True),
    ("admin", ME, None, False),
    ("admin", SOMEONE, "safeguarding", False),
    ("volunteer", ME, None, False),
])
def test_following_a_case_live(role: str, holder: int | None, purpose: str | None,
                               allowed: bool) -> None:
    case = authz.CaseFacts("claimed" if holder else "open", holder)
    assert authz.can_read_transcript(member(role), case, purpose) is allowed
