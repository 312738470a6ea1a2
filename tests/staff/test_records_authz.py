"""Who may read and write a case's records (app/staff/records_authz.py), as tables.

Rows: role and whether the member holds the case; columns: open, claimed, closed. Reading
follows the transcript's rule; writing needs a claimed case one holds, or, for a supervisor,
a stated purpose (any case). An admin does neither.
"""

from __future__ import annotations

import pytest

from app.staff import records_authz
from app.staff.authz import CaseFacts
from tests.staff.test_authz import CASE_ARGS, HOLDS, ME, NOT_HOLDING, SOMEONE_ELSE, F, Row, T, table
from tests.staff.test_authz import member as make_member


def case(status: str, holds: bool, taken_over: bool = False) -> CaseFacts:
    return CaseFacts(status=status, claimed_by=ME if holds else SOMEONE_ELSE,
                     taken_over=taken_over)


WRITE_WITHOUT_PURPOSE: list[Row] = [
    #                              open claimed closed
    ("advocate", HOLDS,             F,   T,      F),
    ("advocate", NOT_HOLDING,       F,   F,      F),
    ("supervisor", HOLDS,           F,   T,      F),
    ("supervisor", NOT_HOLDING,     F,   F,      F),
    ("admin", HOLDS,                F,   F,      F),
    ("admin", NOT_HOLDING,          F,   F,      F),
    ("volunteer", HOLDS,            F,   F,      F),
]

WRITE_WITH_PURPOSE: list[Row] = [
    #                              open claimed closed
    ("advocate", HOLDS,             F,   T,      F),
    ("advocate", NOT_HOLDING,       F,   F,      F),
    ("supervisor", HOLDS,           T,   T,      T),
    ("supervisor", NOT_HOLDING,     T,   T,      T),
    ("admin", HOLDS,                F,   F,      F),
    ("admin", NOT_HOLDING,          F,   F,      F),
    ("volunteer", HOLDS,            F,   F,      F),
]

READ_WITHOUT_PURPOSE: list[Row] = [
    #                              open claimed closed
    ("advocate", HOLDS,             T,   T,      T),
    ("advocate", NOT_HOLDING,       F,   F,      F),
    ("supervisor", HOLDS,           T,   T,      T),
    ("supervisor", NOT_HOLDING,     F,   F,      F),
    ("admin", HOLDS,                F,   F,      F),
    ("admin", NOT_HOLDING,          F,   F,      F),
    ("volunteer", HOLDS,            F,   F,      F),
]

READ_WITH_PURPOSE: list[Row] = [
    #                              open claimed closed
    ("advocate", HOLDS,             T,   T,      T),
    ("advocate", NOT_HOLDING,       F,   F,      F),
    ("supervisor", HOLDS,           T,   T,      T),
    ("supervisor", NOT_HOLDING,     T,   T,      T),
    ("admin", HOLDS,                F,   F,      F),
    ("admin", NOT_HOLDING,          F,   F,      F),
    ("volunteer", HOLDS,            F,   F,      F),
]


@pytest.mark.parametrize(CASE_ARGS, table(WRITE_WITHOUT_PURPOSE))
def test_who_may_write_records_without_a_purpose(role: str, holds: bool, status: str,
                                                  expected: bool) -> None:
    assert records_authz.can_write_records(make_member(role), case(status, holds),
                                           None) is expected


@pytest.mark.parametrize(CASE_ARGS, table(WRITE_WITH_PURPOSE))
def test_who_may_write_records_with_a_purpose(role: str, holds: bool, status: str,
                                               expected: bool) -> None:
    assert records_authz.can_write_records(make_member(role), case(status, holds),
                                           "safeguarding") is expected


@pytest.mark.parametrize(CASE_ARGS, table(READ_WITHOUT_PURPOSE))
def test_who_may_read_records_without_a_purpose(role: str, holds: bool, status: str,
                                                 expected: bool) -> None:
    assert records_authz.can_read_records(make_member(role), case(status, holds),
                                          None) is expected


@pytest.mark.parametrize(CASE_ARGS, table(READ_WITH_PURPOSE))
def test_who_may_read_records_with_a_purpose(role: str, holds: bool, status: str,
                                              expected: bool) -> None:
    assert records_authz.can_read_records(make_member(role), case(status, holds),
                                          "safeguarding") is expected


@pytest.mark.parametrize("purpose", ["", "because", "SAFEGUARDING", "<script>"])
def test_only_a_listed_purpose_counts(purpose: str) -> None:
    assert not records_authz.can_write_records(make_member("supervisor"),
                                               case("open", NOT_HOLDING), purpose)


def test_a_supervisor_holding_a_case_someone_else_handled_still_states_a_purpose() -> None:
    handled = case("claimed", HOLDS, taken_over=True)
    supervisor = make_member("supervisor")
    assert not records_authz.can_write_records(supervisor, handled, None)
    assert not records_authz.can_read_records(supervisor, handled, None)
    assert records_authz.can_write_records(supervisor, handled, "covering")
    assert records_authz.stated_purpose(supervisor, handled, "covering") == "covering"


def test_the_audit_records_no_purpose_for_a_holder_who_needed_none() -> None:
    assert records_authz.stated_purpose(make_member("advocate"), case("claimed", HOLDS),
                                        "safeguarding") is None
