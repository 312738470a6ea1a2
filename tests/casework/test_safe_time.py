"""Safe-contact windows: the canonical form, when a window is open, and reading survivors' words
(app/safe_time.py).

docs/threat-model.md, A2: we never contact a survivor outside their safe-time window, so a window
that reads a time wrongly, or opens at the wrong instant across British Summer Time, is a
message arriving while the abuser may be there.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from app.casework.safe_time import SafeWindow, WindowError, parse, suggest
from app.deployment.sections import END_OF_DAY

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")
TZ = "Europe/London"

MON_FRI = frozenset({0, 1, 2, 3, 4})
EVERY_DAY = frozenset({0, 1, 2, 3, 4, 5, 6})
SAT_SUN = frozenset({5, 6})


@pytest.mark.parametrize(
    ("text", "days", "start", "end"),
    [
        pytest.param("mon-fri 18:00-20:00", MON_FRI, time(18), time(20), id="mon-fri"),
        pytest.param("daily 09:30-12:00", EVERY_DAY, time(9, 30), time(12), id="daily"),
        pytest.param("sat,sun 10:00-16:00", SAT_SUN, time(10), time(16), id="sat-comma-sun"),
        pytest.param("fri-mon 10:00-12:00", frozenset({4, 5, 6, 0}), time(10), time(12),
                     id="fri-mon-wraps-over-the-weekend"),
        pytest.param("sun-tue 10:00-12:00", frozenset({6, 0, 1}), time(10), time(12),
                     id="sun-tue-wraps"),
        pytest.param("tue-mon 10:00-12:00", EVERY_DAY, time(10), time(12),
                     id="tue-mon-wraps-to-every-day"),
        pytest.param("tue-thu 10:00-12:00", frozenset({1, 2, 3}), time(10), time(12),
                     id="tue-thu"),
        pytest.param("fri-fri 10:00-12:00", frozenset({4}), time(10), time(12),
                     id="a-range-of-one-day"),
        pytest.param("mon,wed,fri 10:00-12:00", frozenset({0, 2, 4}), time(10), time(12),
                     id="a-list"),
        pytest.param("mon,tue-wed 10:00-12:00", frozenset({0, 1, 2}), time(10), time(12),
                     id="a-list-with-a-range"),
        pytest.param("mon,mon 10:00-12:00", frozenset({0}), time(10), time(12),
                     id="a-repeated-day-counts-once"),
        pytest.param("weekdays 18:00-20:00", MON_FRI, time(18), time(20), id="weekdays"),
        pytest.param("weekends 18:00-20:00", SAT_SUN, time(18), time(20), id="weekends"),
        pytest.param("sat-sun 18:00-20:00", SAT_SUN, time(18), time(20), id="sat-sun"),
        pytest.param("everyday 18:00-20:00", EVERY_DAY, time(18), time(20), id="everyday"),
        pytest.param("Monday,Wednesday 9:00-10:30", frozenset({0, 2}), time(9), time(10, 30),
                     id="full-names-capitals-and-a-one-digit-hour"),
        pytest.param("  MON-FRI   18:00-20:00 ", MON_FRI, time(18), time(20),
                     id="capitals-and-extra-spaces"),
        pytest.param("daily 00:00-23:59", EVERY_DAY, time(0), time(23, 59),
                     id="the-whole-day"),
    ],
)
def test_parse_reads_the_window(text: str, days: frozenset[int], start: time, end: time) -> None:
    assert parse(text) == SafeWindow(days, start, end)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        pytest.param("mon-fri 18:00-20:00", "mon-fri 18:00-20:00", id="mon-fri-unchanged"),
        pytest.param("weekdays 9:00-17:00", "mon-fri 09:00-17:00", id="weekdays-and-padding"),
        pytest.param("everyday 09:30-12:00", "daily 09:30-12:00", id="everyday-is-daily"),
        pytest.param("mon-sun 09:30-12:00", "daily 09:30-12:00", id="mon-sun-is-daily"),
        pytest.param("sun,sat 10:00-16:00", "sat,sun 10:00-16:00", id="weekend-in-order"),
        pytest.param("thu,tue 14:00-16:00", "tue,thu 14:00-16:00", id="days-in-week-order"),
        pytest.param("fri-mon 10:00-12:00", "mon,fri,sat,sun 10:00-12:00",
                     id="wrap-around-listed-from-monday"),
        pytest.param("monday-friday 18:00-20:00", "mon-fri 18:00-20:00", id="full-names"),
    ],
)
def test_str_gives_the_canonical_form(text: str, canonical: str) -> None:
    assert str(parse(text)) == canonical


@pytest.mark.parametrize(
    "window",
    [
        pytest.param(SafeWindow(MON_FRI, time(18), time(20)), id="mon-fri"),
        pytest.param(SafeWindow(EVERY_DAY, time(9, 30), time(12)), id="daily"),
        pytest.param(SafeWindow(SAT_SUN, time(10), time(16)), id="sat-sun"),
        pytest.param(SafeWindow(frozenset({4, 5, 6, 0}), time(7, 5), time(8)), id="fri-mon"),
        pytest.param(SafeWindow(frozenset({3}), time(0), time(23, 59)), id="one-day"),
        pytest.param(SafeWindow(EVERY_DAY, time(22), END_OF_DAY), id="until-midnight"),
    ],
)
def test_canonical_form_parses_back_to_the_same_window(window: SafeWindow) -> None:
    assert parse(str(window)) == window


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "write days then times, e.g. mon-fri 18:00-20:00", id="empty"),
        pytest.param("mon-fri", "write days then times", id="days-only"),
        pytest.param("18:00-20:00", "write days then times", id="times-only"),
        pytest.param("mon - fri 18:00-20:00", "write days then times", id="spaced-range"),
        pytest.param("mon, fri 18:00-20:00", "write days then times", id="spaced-list"),
        pytest.param("mon-fri 6pm-8pm", "times must look like 18:00-20:00", id="am-pm"),
        pytest.param("mon-fri 18-20", "times must look like 18:00-20:00", id="hours-only"),
        pytest.param("mon-fri 18:00", "times must look like 18:00-20:00", id="one-time"),
        pytest.param("mon-fri 18.00-20.00", "times must look like 18:00-20:00", id="dots"),
        pytest.param("mon-fri 18:00-24:30", "times must be real times of day, 00:00 to 24:00",
                     id="past-midnight"),
        pytest.param("mon-fri 24:00-24:00", "times must be real times of day", id="starts-at-24"),
        pytest.param("mon-fri 18:60-20:00", "times must be real times of day", id="minute-60"),
        pytest.param("mon-fri 20:00-18:00", "the window must end after it starts, on the same day",
                     id="ends-before-it-starts"),
        pytest.param("mon-fri 18:00-18:00", "the window must end after it starts",
                     id="ends-as-it-starts"),
        pytest.param("daily 22:00-02:00", "the window must end after it starts",
                     id="overnight-is-refused"),
        pytest.param("mon-xyz 18:00-20:00", "unknown days 'mon-xyz'; use mon, tue ... sun",
                     id="unknown-day-in-a-range"),
        pytest.param("funday 18:00-20:00", "unknown day 'funday'; use mon, tue ... sun",
                     id="unknown-day"),
        pytest.param("mon,,tue 18:00-20:00", "unknown day ''", id="empty-item-in-a-list"),
        pytest.param("weekday 18:00-20:00", "unknown day 'weekday'", id="weekday-singular"),
    ],
)
def test_parse_refuses_other_forms_and_says_what_is_expected(text: str, message: str) -> None:
    with pytest.raises(WindowError, match=re.escape(message)):
        parse(text)


@pytest.mark.parametrize(
    ("text", "now", "inside"),
    [
        pytest.param("mon-fri 18:00-20:00", datetime(2026, 7, 1, 17, 0, tzinfo=UTC), True,
                     id="summer-17-utc-is-18-bst-the-start"),
        pytest.param("mon-fri 18:00-20:00", datetime(2026, 1, 7, 17, 0, tzinfo=UTC), False,
                     id="winter-17-utc-is-17-gmt-before-the-start"),
        pytest.param("mon-fri 18:00-20:00", datetime(2026, 1, 7, 18, 0, tzinfo=UTC), True,
                     id="winter-18-utc-is-the-start"),
        pytest.param("mon-fri 18:00-20:00", datetime(2026, 7, 1, 19, 0, tzinfo=UTC), False,
                     id="summer-19-utc-is-20-bst-the-end"),
        pytest.param("mon-fri 18:00-20:00", datetime(2026, 7, 1, 18, 59, 59, tzinfo=UTC), True,
                     id="last-second-is-inside"),
        pytest.param("mon-fri 18:00-20:00", datetime(2026, 7, 1, 17, 59, 59, tzinfo=LONDON),
                     False, id="a-second-before-the-start"),
        pytest.param("mon-fri 18:00-20:00", datetime(2026, 7, 4, 18, 30, tzinfo=LONDON), False,
                     id="saturday-is-not-a-weekday"),
        pytest.param("sun 00:00-01:00", datetime(2026, 7, 4, 23, 30, tzinfo=UTC), True,
                     id="saturday-night-utc-is-sunday-bst"),
        pytest.param("daily 22:00-24:00", datetime(2026, 12, 9, 23, 59, 30, tzinfo=UTC), True,
                     id="a-window-until-midnight-holds-the-last-minute"),
        pytest.param("daily 22:00-24:00", datetime(2026, 12, 10, 0, 0, tzinfo=UTC), False,
                     id="a-window-until-midnight-ends-at-midnight"),
        pytest.param("sat 23:00-23:59", datetime(2026, 7, 4, 23, 30, tzinfo=UTC), False,
                     id="the-day-is-the-local-day"),
        pytest.param("fri-mon 10:00-12:00", datetime(2026, 7, 6, 11, 0, tzinfo=LONDON), True,
                     id="wrap-around-includes-monday"),
        pytest.param("fri-mon 10:00-12:00", datetime(2026, 7, 7, 11, 0, tzinfo=LONDON), False,
                     id="wrap-around-excludes-tuesday"),
    ],
)
def test_contains_uses_local_time_start_inclusive_end_exclusive(
        text: str, now: datetime, inside: bool) -> None:
    assert parse(text).contains(now, TZ) is inside


def test_next_start_is_now_while_the_window_is_open() -> None:
    now = datetime(2026, 7, 1, 18, 30, tzinfo=UTC)  # Wednesday 19:30 BST
    assert parse("mon-fri 18:00-20:00").next_start(now, TZ) == now


@pytest.mark.parametrize(
    ("text", "now", "opens"),
    [
        pytest.param("mon-fri 18:00-20:00", datetime(2026, 7, 1, 10, 0, tzinfo=LONDON),
                     datetime(2026, 7, 1, 17, 0, tzinfo=UTC), id="later-today-in-bst"),
        pytest.param("mon-fri 18:00-20:00", datetime(2026, 1, 7, 10, 0, tzinfo=LONDON),
                     datetime(2026, 1, 7, 18, 0, tzinfo=UTC), id="later-today-in-gmt"),
        pytest.param("mon-fri 18:00-20:00", datetime(2026, 7, 1, 20, 0, tzinfo=LONDON),
                     datetime(2026, 7, 2, 18, 0, tzinfo=LONDON), id="at-the-end-means-tomorrow"),
        pytest.param("mon-fri 18:00-20:00", datetime(2026, 7, 3, 21, 0, tzinfo=LONDON),
                     datetime(2026, 7, 6, 18, 0, tzinfo=LONDON), id="friday-night-to-monday"),
        pytest.param("wed 18:00-20:00", datetime(2026, 7, 1, 21, 0, tzinfo=LONDON),
                     datetime(2026, 7, 8, 18, 0, tzinfo=LONDON), id="same-weekday-next-week"),
        pytest.param("fri-mon 10:00-12:00", datetime(2026, 7, 7, 11, 0, tzinfo=LONDON),
                     datetime(2026, 7, 10, 10, 0, tzinfo=LONDON), id="wrap-around-from-tuesday"),
        pytest.param("daily 09:00-10:00", datetime(2026, 3, 28, 12, 0, tzinfo=UTC),
                     datetime(2026, 3, 29, 8, 0, tzinfo=UTC), id="into-bst-09-local-is-08-utc"),
        pytest.param("daily 09:00-10:00", datetime(2026, 10, 24, 12, 0, tzinfo=UTC),
                     datetime(2026, 10, 25, 9, 0, tzinfo=UTC), id="into-gmt-09-local-is-09-utc"),
        # 29 March 2026: London's clocks go from 01:00 GMT straight to 02:00 BST.
        pytest.param("sun 01:30-03:00", datetime(2026, 3, 29, 0, 10, tzinfo=UTC),
                     datetime(2026, 3, 29, 1, 0, tzinfo=UTC), id="skipped-start"),
        pytest.param("sun 01:00-01:59", datetime(2026, 3, 29, 0, 10, tzinfo=UTC),
                     datetime(2026, 4, 5, 0, 0, tzinfo=UTC), id="skipped-window"),
        # 25 October 2026: London's clocks read 01:00-02:00 twice, in BST and then in GMT.
        pytest.param("sun 01:20-01:40", datetime(2026, 10, 25, 0, 10, tzinfo=UTC),
                     datetime(2026, 10, 25, 0, 20, tzinfo=UTC), id="first-pass"),
        pytest.param("sun 01:20-01:40", datetime(2026, 10, 25, 1, 10, tzinfo=UTC),
                     datetime(2026, 10, 25, 1, 20, tzinfo=UTC), id="second-pass"),
        pytest.param("daily 22:00-24:00", datetime(2026, 12, 10, 0, 0, tzinfo=UTC),
                     datetime(2026, 12, 10, 22, 0, tzinfo=UTC), id="after-midnight"),
    ],
)
def test_next_start_is_the_next_local_opening(text: str, now: datetime, opens: datetime) -> None:
    window = parse(text)
    found = window.next_start(now, TZ)
    assert found.astimezone(UTC) == opens.astimezone(UTC)
    # A reading London's clocks really show (next_start once built 01:30 on the night they
    # skip from 01:00 to 02:00), so an advocate is told a time that happens.
    assert found.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) == found.replace(
        tzinfo=None)
    assert found > now
    assert window.contains(found.astimezone(UTC), TZ)


@pytest.mark.parametrize(
    ("words", "window"),
    [
        pytest.param("weekdays after 10am", "mon-fri 10:00-21:00", id="weekdays-after-10am"),
        pytest.param("6-8pm", "daily 18:00-20:00", id="pm-applies-to-both-ends"),
        pytest.param("6.30-8pm", "daily 18:30-20:00", id="dotted-minutes"),
        pytest.param("6:30 to 8pm", "daily 18:30-20:00", id="to-and-colon"),
        pytest.param("3 till 5pm", "daily 15:00-17:00", id="till"),
        pytest.param("11am-1pm", "daily 11:00-13:00", id="across-noon"),
        pytest.param("12-2pm", "daily 12:00-14:00", id="noon-stays-noon"),
        pytest.param("14:00-16:00", "daily 14:00-16:00", id="24-hour-clock"),
        pytest.param("mornings", "daily 09:00-12:00", id="mornings"),
        pytest.param("afternoons", "daily 12:00-17:00", id="afternoons"),
        pytest.param("evenings", "daily 17:00-21:00", id="evenings"),
        pytest.param("weekday mornings", "mon-fri 09:00-12:00", id="weekday-mornings"),
        pytest.param("Weekends 10am-4pm", "sat,sun 10:00-16:00", id="weekends"),
        pytest.param("tue and thu 2-4pm", "tue,thu 14:00-16:00", id="two-days-and-a-range"),
        pytest.param("Fridays 1-3pm", "fri 13:00-15:00", id="plural-day"),
        pytest.param("monday and wednesday evenings", "mon,wed 17:00-21:00",
                     id="full-day-names-and-evenings"),
        pytest.param("after 6pm", "daily 18:00-21:00", id="after-6pm-ends-at-9pm"),
        pytest.param("from 7.30pm", "daily 19:30-21:00", id="from-7-30pm"),
        pytest.param("sundays after 2pm", "sun 14:00-21:00", id="sundays-after-2pm"),
        pytest.param("before 11am", "daily 08:00-11:00", id="before-11am-starts-at-8am"),
        pytest.param("until 3pm", "daily 08:00-15:00", id="until-3pm"),
    ],
)
def test_suggest_reads_simple_words(words: str, window: str) -> None:
    assert suggest(words) == parse(window)


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("", id="nothing"),
        pytest.param("anytime", id="no-time-at-all"),
        pytest.param("when he is out", id="a-condition-not-a-time"),
        pytest.param("after 10pm", id="after-10pm-is-night"),
        pytest.param("after 9pm", id="after-9pm-leaves-nothing"),
        pytest.param("before 8am", id="before-8am-leaves-nothing"),
        pytest.param("before 7", id="before-7-leaves-nothing"),
        pytest.param("5pm-7", id="range-that-runs-backwards"),
        pytest.param("10 to 2", id="ambiguous-range"),
        pytest.param("after 25", id="not-a-time-of-day"),
    ],
)
def test_suggest_gives_none_when_the_words_are_unclear(words: str) -> None:
    assert suggest(words) is None


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("after 6pm", id="after-6pm"),
        pytest.param("after 8.30pm", id="after-8-30pm"),
        pytest.param("after 10pm", id="after-10pm"),
        pytest.param("before 11am", id="before-11am"),
        pytest.param("evenings", id="evenings"),
        pytest.param("6-8pm", id="6-8pm"),
        pytest.param("2-4", id="bare-2-4"),
        pytest.param("between 2 and 4", id="between-2-and-4"),
        pytest.param("after 6", id="bare-after-6"),
        pytest.param("evenings after 7", id="evenings-after-7"),
        pytest.param("10-11pm", id="10-11pm"),
    ],
)
def test_suggest_never_proposes_night_time_contact(words: str) -> None:
    window = suggest(words)
    assert window is None or (time(8) <= window.start and window.end <= time(21))


@pytest.mark.parametrize(
    ("words", "window"),
    [
        pytest.param("tuesdays and thursdays 2-4pm", "tue,thu 14:00-16:00", id="full-plurals"),
        pytest.param("tues 2-4pm", "tue 14:00-16:00", id="tues"),
        pytest.param("tues and thurs 2-4pm", "tue,thu 14:00-16:00", id="thurs"),
    ],
)
def test_suggest_reads_common_day_abbreviations(words: str, window: str) -> None:
    assert suggest(words) == parse(window)
