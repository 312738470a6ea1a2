"""Safe-contact windows: when a survivor said we may contact them, and whether that is now.

A survivor answers "when is it safe for us to contact you?" in their own words ("weekdays
after 10am", "6-8pm"). Nothing is ever sent on a guess: an advocate confirms a window on the
case (pre-filled by `suggest` when the words are simple), and replies wait until it is open.
Pure functions, no clock of their own; times are the deployment's local time.

A window is days of the week plus a start and end time on each of those days, written in one
canonical form that advocates can read and edit: "mon-fri 18:00-20:00", "daily 09:30-12:00",
"sat,sun 10:00-16:00". A window may end at "24:00", midnight at the end of its day, as opening
hours may: "23:59" would leave the day's last minute outside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.casework import safe_time_words
from app.casework.safe_time_words import EARLIEST, LATEST
from app.deployment.sections import END_OF_DAY
from app.hours import within

DAY_NAMES = safe_time_words.DAY_NAMES
__all__ = ["EARLIEST", "LATEST", "SafeWindow", "WindowError", "parse", "suggest"]
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
        end = "24:00" if self.end == END_OF_DAY else f"{self.end:%H:%M}"
        return f"{_days_text(self.days)} {self.start:%H:%M}-{end}"

    def contains(self, now: datetime, timezone: str) -> bool:
        local = now.astimezone(ZoneInfo(timezone))
        return local.weekday() in self.days and within(self.start, self.end, local.time())

    def next_start(self, now: datetime, timezone: str) -> datetime:
        """The next moment the window opens (now, if it is open now), as a real local time.

        Compared as instants, not as wall-clock readings: on the nights the clocks change, a
        start the clocks skip (01:30 in London in late March) opens when they jump past it,
        and one they pass twice (01:30 in late October) opens at whichever reading is next.
        """
        if self.contains(now, timezone):
            return now
        zone = ZoneInfo(timezone)
        local = now.astimezone(zone)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            if day.weekday() not in self.days:
                continue
            for moment in _moments_reading(datetime.combine(day, self.start), zone):
                # A window wholly inside the skipped hour does not open that day.
                if moment > now and self.contains(moment, timezone):
                    return moment.astimezone(zone)
        raise AssertionError("a window with days opens within a week")  # pragma: no cover


def _moments_reading(wall: datetime, zone: ZoneInfo) -> list[datetime]:
    """The instants (UTC) at which local clocks read `wall` (naive): one on most days, two in
    the hour repeated when clocks go back, and, for a reading skipped when they go forward,
    the instant they jump past it."""
    found = sorted({wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)})
    real = [m for m in found if m.astimezone(zone).replace(tzinfo=None) == wall]
    if real:
        return real
    # Skipped: from the earlier candidate, step to the first instant whose reading is past it.
    # Zone offsets and window starts are whole minutes, so this meets the jump exactly.
    moment = found[0]
    while moment.astimezone(zone).replace(tzinfo=None) < wall:
        moment += timedelta(minutes=1)
    return [moment]


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
        start = time(h1, m1)
        end = END_OF_DAY if (h2, m2) == (24, 0) else time(h2, m2)
    except ValueError as exc:
        raise WindowError("times must be real times of day, 00:00 to 24:00") from exc
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


def suggest(words: str, language: str | None = None) -> SafeWindow | None:
    """A window read from the survivor's words, in English or the conversation's language, or
    None when they are not clear (app/casework/safe_time_words.py). Only ever a pre-fill that an
    advocate confirms; never outside 08:00-21:00."""
    reading = safe_time_words.read(words, language)
    return SafeWindow(*reading) if reading else None
