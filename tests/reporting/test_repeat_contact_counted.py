"""The repeat-contact share for periods holding cases from before its counter (issue 20
follow-up, item 8): measured on the cases that were counted, and said so (how many, from which
day), instead of "suppressed", which means too few to show. Every number shown stays at or above
the threshold; when one would give a small count back, the share is withheld and the note says
which dates to choose."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from flask import Flask

from app.reporting import figures as report
from app.reporting.figures import NOT_COUNTED, repeat_contact
from app.reporting.suppression import SUPPRESSED
from app.services import services
from app.storage import tallies

pytestmark = pytest.mark.databases("sqlite", "postgresql")
BEFORE = datetime(2026, 11, 3, 11, tzinfo=UTC)  # cases from before the counter
COUNTER = datetime(2026, 11, 10, 11, tzinfo=UTC)  # the first case counted for repeat contact


def cases(app: Flask, at: datetime, count: int, *, repeat: int | None = None) -> None:
    """`count` cases opened at `at`; with `repeat`, counted for repeat contact too."""
    with app.app_context(), services().database.transaction() as connection:
        tallies.add(connection, at, "case_priority", "routine", count)
        if repeat is not None:
            tallies.add(connection, at, "case_contact", "repeat", repeat)
            tallies.add(connection, at, "case_contact", "first", count - repeat)


def november(app: Flask) -> dict[str, float | str | None]:
    with app.app_context():
        return report.build(services().database, date(2026, 11, 1), date(2026, 11, 30),
                            timezone="Europe/London").figures


def test_a_period_with_earlier_cases_is_measured_on_the_counted_ones_and_says_so(
        app: Flask) -> None:
    cases(app, BEFORE, 10)
    cases(app, COUNTER, 12, repeat=5)
    figures = november(app)
    assert figures["repeat_contact_share"] == round(5 / 12, 3)
    assert figures["repeat_contact_cases"] == 12
    assert figures["repeat_contact_counted_from"] == "2026-11-10"
    assert figures["repeat_contact_note"] == (
        "Measured on the 12 cases opened from 2026-11-10 on; the other 10 opened before "
        "repeat contact was counted.")


def test_a_few_uncounted_cases_withhold_the_share_and_name_the_dates_to_choose(
        app: Flask) -> None:
    cases(app, BEFORE, 2)  # the share would give this small count back
    cases(app, COUNTER, 12, repeat=5)
    figures = november(app)
    assert figures["repeat_contact_share"] == NOT_COUNTED
    assert figures["repeat_contact_cases"] is None
    assert "choose dates from 2026-11-10" in str(figures["repeat_contact_note"])
    assert "2 " not in str(figures["repeat_contact_note"])


def test_a_period_wholly_before_the_counter_says_from_when_it_is_counted(app: Flask) -> None:
    cases(app, BEFORE, 10)
    cases(app, datetime(2026, 12, 2, 11, tzinfo=UTC), 6, repeat=1)
    figures = november(app)
    assert figures["repeat_contact_share"] == NOT_COUNTED
    assert figures["repeat_contact_note"] == (
        "Not counted: repeat contact is counted for cases opened from 2026-12-02 on; choose "
        "dates from then.")


def test_few_counted_cases_are_suppressed_with_no_number_at_all(app: Flask) -> None:
    cases(app, BEFORE, 10)
    cases(app, COUNTER, 3, repeat=1)
    figures = november(app)
    assert figures["repeat_contact_share"] == SUPPRESSED
    assert figures["repeat_contact_cases"] is None
    assert not any(ch.isdigit() for ch in str(figures["repeat_contact_note"]).replace(
        "2026-11-10", ""))


@pytest.mark.parametrize(("repeat", "first", "cases_", "since", "share"), [
    pytest.param(5, 10, 15, date(2026, 11, 1), round(5 / 15, 3), id="all-counted"),
    pytest.param(2, 10, 12, date(2026, 11, 1), SUPPRESSED, id="all-counted-few-repeat"),
    pytest.param(0, 0, 0, None, SUPPRESSED, id="no-cases"),
    pytest.param(0, 0, 8, None, NOT_COUNTED, id="never-counted"),
])
def test_the_rule_as_a_table(repeat: int, first: int, cases_: int, since: date | None,
                             share: float | str) -> None:
    figures = repeat_contact(Counter({"repeat": repeat, "first": first}), cases_, 5, since)
    assert figures["repeat_contact_share"] == share
