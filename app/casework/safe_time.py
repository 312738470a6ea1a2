"""Safe-contact windows: when a survivor said we may contact them, and whether that is now.

A survivor answers "when is it safe for us to contact you?" in their own words ("weekdays
after 10am", "6-8pm"). Nothing is ever sent on a guess: an advocate confirms a window on the
case (pre-filled by `suggest` when the words are simple), and replies wait until it is open.
Pure functions, no clock of their own; times are the deployment's local time.

A window is days of the week plus a start and end time on each of those days, written in one
canonical form that advocates can read and edit: "mon-fri 18:00-20:00", "daily 09:30-12:00",
"sat,sun 10:00-16:00".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_WORDS = {name: i for i, name in enumerate(DAY_NAMES)} | {
    full: i for i, full in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))} | {
    "tues": 1, "weds": 2, "thur": 3, "thurs": 3}
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class WindowError(ValueError):
    """The window text is not in the canonical form; the message says what is expected."""


@dataclass(frozen=True)
class SafeWindow:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time

    def __str__(self) -> str:
        return f"{_days_text(self.days)} {self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, now: datetime, timezone: str) -> bool:
        local = now.astimezone(ZoneInfo(timezone))
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def next_start(self, now: datetime, timezone: str) -> datetime:
        """The next moment the window opens (now, if it is open now)."""
        if self.contains(now, timezone):
            return now
        zone = ZoneInfo(timezone)
        local = now.astimezone(zone)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            candidate = datetime.combine(day, self.start, tzinfo=zone)
            if day.weekday() in self.days and candidate > local:
                return candidate
        raise AssertionError("a window with days opens within a week")  # pragma: no cover


def _days_text(days: frozenset[int]) -> str:
    if days == frozenset(range(7)):
        return "daily"
    if days == frozenset(range(5)):
        return "mon-fri"
    if days == frozenset({5, 6}):
        return "sat,sun"
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def parse(text: str) -> SafeWindow:
    """Read the canonical form; raise `WindowError` explaining the form otherwise."""
    parts = text.strip().casefold().split()
    if len(parts) != 2:
        raise WindowError("write days then times, e.g. mon-fri 18:00-20:00")
    days = _parse_days(parts[0])
    match = _SPAN.match(parts[1])
    if match is None:
        raise WindowError("times must look like 18:00-20:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start, end = time(h1, m1), time(h2, m2)
    except ValueError as exc:
        raise WindowError("times must be real times of day, 00:00 to 23:59") from exc
    if end <= start:
        raise WindowError("the window must end after it starts, on the same day")
    return SafeWindow(days, start, end)


def _parse_days(text: str) -> frozenset[int]:
    if text in ("daily", "everyday"):
        return frozenset(range(7))
    if text in ("weekdays", "mon-fri"):
        return frozenset(range(5))
    if text in ("weekends", "sat-sun", "sat,sun"):
        return frozenset({5, 6})
    days: set[int] = set()
    for item in text.split(","):
        if "-" in item:
            first, _, last = item.partition("-")
            if first not in _DAY_WORDS or last not in _DAY_WORDS:
                raise WindowError(f"unknown days {item!r}; use mon, tue ... sun, daily or mon-fri")
            a, b = _DAY_WORDS[first], _DAY_WORDS[last]
            days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        elif item in _DAY_WORDS:
            days.add(_DAY_WORDS[item])
        else:
            raise WindowError(f"unknown day {item!r}; use mon, tue ... sun, daily or mon-fri")
    return frozenset(days)


# Suggestions from a survivor's own words, for the advocate to confirm or correct.
_CLOCK = r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?"
_RANGE = re.compile(_CLOCK + r"\s*(?:-|–|to|until|till|and)\s*" + _CLOCK)
_AFTER = re.compile(r"\b(?:after|from)\s+" + _CLOCK)
_BEFORE = re.compile(r"\b(?:before|until|till)\s+" + _CLOCK)
_PARTS_OF_DAY = {"morning": (time(9), time(12)), "afternoon": (time(12), time(17)),
                 "evening": (time(17), time(21))}
LATEST = time(21)  # "after 6pm" is read as until 9pm: never suggest night-time contact
EARLIEST = time(8)


def _clock(hour: str, minute: str | None, meridiem: str | None, partner: str | None = None
           ) -> time | None:
    h, m = int(hour), int(minute or 0)
    meridiem = meridiem or partner
    if meridiem == "pm" and h < 12:
        h += 12
    elif meridiem == "am" and h == 12:
        h = 0
    return time(h, m) if 0 <= h <= 23 and 0 <= m <= 59 else None


def suggest(words: str) -> SafeWindow | None:
    """A window read from simple English or digit times, or None when it is not clear."""
    text = words.casefold()
    days = frozenset(range(7))
    if "weekday" in text:
        days = frozenset(range(5))
    elif "weekend" in text:
        days = frozenset({5, 6})
    else:
        named = {i for word, i in _DAY_WORDS.items() if re.search(rf"\b{word}s?\b", text)}
        if named:
            days = frozenset(named)
    span: tuple[time | None, time | None] | None = None
    if match := _RANGE.search(text):
        h1, m1, p1, h2, m2, p2 = match.groups()
        span = (_clock(h1, m1, p1, p2), _clock(h2, m2, p2))
    elif match := _AFTER.search(text):
        span = (_clock(*match.groups()), LATEST)
    elif match := _BEFORE.search(text):
        span = (EARLIEST, _clock(*match.groups()))
    else:
        for part, bounds in _PARTS_OF_DAY.items():
            if part in text:
                span = bounds
                break
    if span is None or span[0] is None or span[1] is None or span[1] <= span[0]:
        return None
    # Never suggest night-time contact: "2-4" may mean 2am or 2pm, "after 6" may mean 6am;
    # anything reaching outside the day is left for the advocate to ask about.
    if span[0] < EARLIEST or span[1] > LATEST:
        return None
    return SafeWindow(days, span[0], span[1])
