"""Who may see the oversight pages of issue 20 (cases that waited too long) and edit the
canned replies, as tables."""

from __future__ import annotations

import pytest

from app.staff import authz
from app.staff.accounts import StaffMember

T, F = True, False
ROLES = ("advocate", "supervisor", "admin", "volunteer", "Supervisor", "")
# One column per role above.
OVERDUE = (F, T, T, F, F, F)


@pytest.mark.parametrize(("role", "expected"), list(zip(ROLES, OVERDUE, strict=True)))
def test_who_sees_the_cases_that_waited_too_long(role: str, expected: bool) -> None:
    assert authz.can_view_overdue(StaffMember(7, "m@example.org", role, 0)) is expected


# Editing what every survivor may be sent: supervisors only (not admins, who write nothing to
# survivors).
EDIT_CANNED = (F, T, F, F, F, F)


@pytest.mark.parametrize(("role", "expected"), list(zip(ROLES, EDIT_CANNED, strict=True)))
def test_who_edits_the_canned_replies(role: str, expected: bool) -> None:
    assert authz.can_edit_canned(StaffMember(7, "m@example.org", role, 0)) is expected
