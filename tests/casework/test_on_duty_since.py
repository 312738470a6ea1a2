"""When the team's current stretch on duty began, which a high case's target counts from
(app/casework/sla.py): a shift across midnight is one stretch, not two."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from app.casework.sla import on_duty_since
from app.deployment.sections import END_OF_DAY, OpeningHours

TZ = "Europe/London"
# Monday to Friday 09:00-17:00, plus a night shift from Monday 22:00 to Tuesday 06:00.
NIGHT_SHIFT = OpeningHours(TZ, {
    0: ((time(9), time(17)), (time(22), END_OF_DAY)),
    1: ((time(0), time(6)), (time(9), time(17))),
    2: ((time(9), time(17)),), 3: ((time(9), time(17)),), 4: ((time(9), time(17)),),
}, frozenset())
ROUND_THE_CLOCK = OpeningHours(TZ, {day: ((time(0), END_OF_DAY),) for day in range(7)},
                               frozenset())


@pytest.mark.parametrize(
    ("opening", "now", "since"),
    [
        pytest.param(NIGHT_SHIFT, datetime(2026, 12, 1, 11, 0, tzinfo=UTC),
                     datetime(2026, 12, 1, 9, 0, tzinfo=UTC), id="a-day-shift"),
        pytest.param(NIGHT_SHIFT, datetime(2026, 12, 7, 23, 30, tzinfo=UTC),
                     datetime(2026, 12, 7, 22, 0, tzinfo=UTC), id="before-midnight"),
        pytest.param(NIGHT_SHIFT, datetime(2026, 12, 8, 1, 0, tzinfo=UTC),
                     datetime(2026, 12, 7, 22, 0, tzinfo=UTC), id="after-midnight-same-shift"),
        pytest.param(NIGHT_SHIFT, datetime(2026, 12, 8, 7, 0, tzinfo=UTC), None,
                     id="between-shifts"),
        pytest.param(NIGHT_SHIFT, datetime(2026, 12, 9, 10, 0, tzinfo=UTC),
                     datetime(2026, 12, 9, 9, 0, tzinfo=UTC), id="a-morning-is-not-a-night"),
        # 1 July 2026 is a Wednesday, in BST: the week's stretch began a week before, at most.
        pytest.param(ROUND_THE_CLOCK, datetime(2026, 7, 1, 12, 0, tzinfo=UTC),
                     datetime(2026, 6, 23, 23, 0, tzinfo=UTC), id="round-the-clock-is-bounded"),
    ],
)
def test_on_duty_since_counts_a_shift_across_midnight_as_one(
        opening: OpeningHours, now: datetime, since: datetime | None) -> None:
    assert on_duty_since(opening, now) == since


def test_a_holiday_before_midnight_means_the_stretch_began_at_midnight() -> None:
    opening = OpeningHours(TZ, NIGHT_SHIFT.weekly, frozenset({date(2026, 12, 7)}))
    assert on_duty_since(opening, datetime(2026, 12, 8, 1, 0, tzinfo=UTC)) == datetime(
        2026, 12, 8, 0, 0, tzinfo=UTC)


# Monday: a day split at lunch ("09:00-12:00", "12:00-17:00"), the way some teams write their
# rota; Tuesday: the same with a real lunch break, 12:00-13:00.
SPLIT_DAY = OpeningHours(TZ, {
    0: ((time(9), time(12)), (time(12), time(17))),
    1: ((time(9), time(12)), (time(13), time(17))),
}, frozenset())


@pytest.mark.parametrize(
    ("now", "since"),
    [
        pytest.param(datetime(2026, 12, 7, 12, 10, tzinfo=UTC),
                     datetime(2026, 12, 7, 9, 0, tzinfo=UTC), id="spans-that-meet-are-one"),
        pytest.param(datetime(2026, 12, 7, 12, 0, tzinfo=UTC),
                     datetime(2026, 12, 7, 9, 0, tzinfo=UTC), id="at-the-seam"),
        pytest.param(datetime(2026, 12, 8, 13, 10, tzinfo=UTC),
                     datetime(2026, 12, 8, 13, 0, tzinfo=UTC), id="a-real-break-restarts"),
        pytest.param(datetime(2026, 12, 8, 12, 30, tzinfo=UTC), None, id="in-the-break"),
    ],
)
def test_spans_that_meet_within_a_day_are_one_stretch(
        now: datetime, since: datetime | None) -> None:
    assert on_duty_since(SPLIT_DAY, now) == since
