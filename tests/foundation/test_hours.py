"""Opening hours: whether an advocate is on duty, and when someone next will be (app/hours.py).

A survivor who asks for a person out of hours is told honestly when someone will be there, so
a wrong answer around British Summer Time or a bank holiday is a promise we then break.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from app.deployment.sections import END_OF_DAY, OpeningHours
from app.hours import is_open, next_opening

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")
NINE_TO_FIVE = ((time(9), time(17)),)


def office(*holidays: date) -> OpeningHours:
    """Monday to Friday 09:00-17:00 London time, closed at weekends and on `holidays`."""
    weekly = {0: NINE_TO_FIVE, 1: NINE_TO_FIVE, 2: NINE_TO_FIVE, 3: NINE_TO_FIVE,
              4: NINE_TO_FIVE, 5: (), 6: ()}
    return OpeningHours("Europe/London", weekly, frozenset(holidays))


def every_day(spans: tuple[tuple[time, time], ...], *holidays: date) -> OpeningHours:
    return OpeningHours("Europe/London", dict.fromkeys(range(7), spans), frozenset(holidays))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(datetime(2026, 1, 7, 12, 0, tzinfo=LONDON), True, id="wednesday-midday"),
        pytest.param(datetime(2026, 1, 7, 9, 0, tzinfo=LONDON), True,
                     id="exactly-at-opening-is-open"),
        pytest.param(datetime(2026, 1, 7, 8, 59, 59, tzinfo=LONDON), False,
                     id="a-second-before-opening-is-closed"),
        pytest.param(datetime(2026, 1, 7, 16, 59, 59, tzinfo=LONDON), True,
                     id="a-second-before-closing-is-open"),
        pytest.param(datetime(2026, 1, 7, 17, 0, tzinfo=LONDON), False,
                     id="exactly-at-closing-is-closed"),
        pytest.param(datetime(2026, 1, 10, 12, 0, tzinfo=LONDON), False, id="saturday"),
        pytest.param(datetime(2026, 1, 11, 12, 0, tzinfo=LONDON), False, id="sunday"),
        pytest.param(datetime(2026, 7, 1, 8, 30, tzinfo=UTC), True,
                     id="summer-0830-utc-is-0930-bst"),
        pytest.param(datetime(2026, 1, 7, 8, 30, tzinfo=UTC), False,
                     id="winter-0830-utc-is-0830-gmt"),
        pytest.param(datetime(2026, 7, 1, 16, 30, tzinfo=UTC), False,
                     id="summer-1630-utc-is-1730-bst"),
        pytest.param(datetime(2026, 1, 7, 16, 30, tzinfo=UTC), True,
                     id="winter-1630-utc-is-1630-gmt"),
        pytest.param(datetime(2026, 3, 30, 8, 30, tzinfo=UTC), True,
                     id="first-monday-of-bst"),
        pytest.param(datetime(2026, 10, 26, 8, 30, tzinfo=UTC), False,
                     id="first-monday-of-gmt"),
    ],
)
def test_is_open_on_weekdays_in_local_time(now: datetime, expected: bool) -> None:
    assert is_open(office(), now) is expected


@pytest.mark.parametrize(
    ("holidays", "expected"),
    [
        pytest.param((), True, id="an-ordinary-friday-is-open"),
        pytest.param((date(2026, 12, 25),), False, id="christmas-day-is-closed"),
        pytest.param((date(2026, 12, 24),), True, id="another-days-holiday-does-not-close"),
    ],
)
def test_a_holiday_closes_a_working_day(holidays: tuple[date, ...], expected: bool) -> None:
    assert is_open(office(*holidays), datetime(2026, 12, 25, 12, 0, tzinfo=LONDON)) is expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(datetime(2026, 7, 1, 22, 30, tzinfo=UTC), True,
                     id="2230-utc-is-still-1-july-in-london"),
        pytest.param(datetime(2026, 7, 1, 23, 30, tzinfo=UTC), False,
                     id="2330-utc-is-already-the-2-july-holiday-in-london"),
    ],
)
def test_a_holiday_is_judged_on_the_local_date(now: datetime, expected: bool) -> None:
    hours = every_day(((time(0), time(23, 59)),), date(2026, 7, 2))
    assert is_open(hours, now) is expected


@pytest.mark.parametrize(
    ("spans", "now", "expected"),
    [
        pytest.param(((time(0), END_OF_DAY),), datetime(2026, 1, 7, 23, 59, 59, tzinfo=LONDON),
                     True, id="to-24-00-the-last-minute-is-open"),
        pytest.param(((time(0), END_OF_DAY),), datetime(2026, 1, 8, 0, 0, tzinfo=LONDON), True,
                     id="to-24-00-and-from-00-00-midnight-is-open"),
        pytest.param(((time(18), END_OF_DAY),), datetime(2026, 1, 7, 17, 59, 59, tzinfo=LONDON),
                     False, id="to-24-00-closed-before-its-start"),
        pytest.param(((time(0), time(23, 59)),), datetime(2026, 1, 7, 23, 59, 30, tzinfo=LONDON),
                     False, id="to-23-59-the-last-minute-is-closed"),
    ],
)
def test_a_span_to_24_00_is_open_until_midnight(spans: tuple[tuple[time, time], ...],
                                                now: datetime, expected: bool) -> None:
    assert is_open(every_day(spans), now) is expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(datetime(2026, 1, 7, 11, 59, tzinfo=LONDON), True, id="morning-span"),
        pytest.param(datetime(2026, 1, 7, 12, 30, tzinfo=LONDON), False, id="lunch-gap"),
        pytest.param(datetime(2026, 1, 7, 13, 0, tzinfo=LONDON), True, id="afternoon-span"),
    ],
)
def test_is_open_in_any_of_several_spans(now: datetime, expected: bool) -> None:
    hours = every_day(((time(13), time(17)), (time(9), time(12))))
    assert is_open(hours, now) is expected


def test_next_opening_is_now_while_open() -> None:
    now = datetime(2026, 7, 1, 8, 30, tzinfo=UTC)  # 09:30 BST
    assert next_opening(office(), now) == now


@pytest.mark.parametrize(
    ("hours", "now", "expected"),
    [
        pytest.param(office(), datetime(2026, 1, 7, 7, 0, tzinfo=LONDON),
                     datetime(2026, 1, 7, 9, 0, tzinfo=LONDON), id="later-this-morning"),
        pytest.param(office(), datetime(2026, 1, 7, 17, 0, tzinfo=LONDON),
                     datetime(2026, 1, 8, 9, 0, tzinfo=LONDON), id="at-closing-means-tomorrow"),
        pytest.param(office(), datetime(2026, 1, 9, 18, 0, tzinfo=LONDON),
                     datetime(2026, 1, 12, 9, 0, tzinfo=LONDON), id="friday-evening-to-monday"),
        pytest.param(office(), datetime(2026, 1, 10, 12, 0, tzinfo=LONDON),
                     datetime(2026, 1, 12, 9, 0, tzinfo=LONDON), id="saturday-to-monday"),
        pytest.param(office(), datetime(2026, 3, 27, 18, 0, tzinfo=UTC),
                     datetime(2026, 3, 30, 8, 0, tzinfo=UTC), id="over-the-clocks-going-forward"),
        pytest.param(office(), datetime(2026, 10, 23, 18, 0, tzinfo=UTC),
                     datetime(2026, 10, 26, 9, 0, tzinfo=UTC), id="over-the-clocks-going-back"),
        pytest.param(office(), datetime(2026, 7, 1, 7, 30, tzinfo=UTC),
                     datetime(2026, 7, 1, 8, 0, tzinfo=UTC), id="bst-0730-utc-opens-at-0800-utc"),
        pytest.param(office(date(2026, 12, 25), date(2026, 12, 28)),
                     datetime(2026, 12, 24, 17, 30, tzinfo=LONDON),
                     datetime(2026, 12, 29, 9, 0, tzinfo=LONDON),
                     id="over-christmas-and-the-substitute-boxing-day"),
        pytest.param(office(date(2026, 12, 25)), datetime(2026, 12, 25, 8, 0, tzinfo=LONDON),
                     datetime(2026, 12, 28, 9, 0, tzinfo=LONDON),
                     id="a-holiday-morning-skips-the-holiday"),
        pytest.param(every_day(((time(13), time(17)), (time(9), time(12)))),
                     datetime(2026, 1, 7, 12, 30, tzinfo=LONDON),
                     datetime(2026, 1, 7, 13, 0, tzinfo=LONDON), id="after-the-lunch-gap"),
        pytest.param(every_day(((time(13), time(17)), (time(9), time(12)))),
                     datetime(2026, 1, 7, 8, 0, tzinfo=LONDON),
                     datetime(2026, 1, 7, 9, 0, tzinfo=LONDON),
                     id="earliest-span-even-when-listed-second"),
    ],
)
def test_next_opening_is_the_next_local_start(
        hours: OpeningHours, now: datetime, expected: datetime) -> None:
    assert next_opening(hours, now) == expected


@pytest.mark.parametrize(
    "hours",
    [
        pytest.param(OpeningHours("Europe/London", {}), id="no-days-at-all"),
        pytest.param(every_day(()), id="every-day-without-spans"),
    ],
)
def test_next_opening_is_none_without_any_hours(hours: OpeningHours) -> None:
    now = datetime(2026, 1, 7, 12, 0, tzinfo=LONDON)
    assert is_open(hours, now) is False
    assert next_opening(hours, now) is None


def _holidays_from_5_january(count: int) -> tuple[date, ...]:
    return tuple(date(2026, 1, 5 + offset) for offset in range(count))


@pytest.mark.parametrize(
    ("closed_days", "expected"),
    [
        pytest.param(14, datetime(2026, 1, 19, 9, 0, tzinfo=LONDON),
                     id="an-opening-14-days-ahead-is-found"),
        pytest.param(15, None, id="an-opening-15-days-ahead-is-beyond-the-lookahead"),
    ],
)
def test_next_opening_looks_14_days_ahead(closed_days: int, expected: datetime | None) -> None:
    hours = every_day(NINE_TO_FIVE, *_holidays_from_5_january(closed_days))
    assert next_opening(hours, datetime(2026, 1, 5, 8, 0, tzinfo=LONDON)) == expected
