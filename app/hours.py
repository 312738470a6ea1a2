"""Opening hours: is an advocate on duty now, and when will someone next be?

Pure functions over the deployment's `OpeningHours` and an aware `now` (no clock of their
own), so "out of hours" can be tested at any moment of any day. Times are the deployment's
local wall-clock times (Europe/London by default), so British Summer Time is handled by the
time zone database, not by us.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.deployment.sections import END_OF_DAY, OpeningHours

# How far ahead to look for the next opening; beyond this the survivor is told we cannot say.
LOOKAHEAD_DAYS = 14


def within(start: time, end: time, moment: time) -> bool:
    """Whether a local time of day is in the span [start, end); a span ending "24:00"
    (`END_OF_DAY`) takes in every moment up to midnight."""
    return start <= moment and (moment < end or end == END_OF_DAY)


def is_open(hours: OpeningHours, now: datetime) -> bool:
    local = now.astimezone(ZoneInfo(hours.timezone))
    if local.date() in hours.holidays:
        return False
    return any(within(start, end, local.time())
               for start, end in hours.weekly.get(local.weekday(), ()))


def next_opening(hours: OpeningHours, now: datetime) -> datetime | None:
    """The next moment someone is on duty (now, if open now), or None within the lookahead."""
    if is_open(hours, now):
        return now
    zone = ZoneInfo(hours.timezone)
    local = now.astimezone(zone)
    for offset in range(LOOKAHEAD_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        if day in hours.holidays:
            continue
        for start, _end in sorted(hours.weekly.get(day.weekday(), ())):
            candidate = datetime.combine(day, start, tzinfo=zone)
            if candidate > local:
                return candidate
    return None


def local_today(now: datetime, timezone: str) -> date:
    """The deployment's date now, which is what a date typed by staff means: in the first hour
    of a British Summer Time day the UTC date is still yesterday's, and today would be refused
    as "in the future"."""
    return now.astimezone(ZoneInfo(timezone)).date()


def local_days(first: date | None, last: date | None, timezone: str
               ) -> tuple[datetime | None, datetime | None]:
    """When the partnership's calendar day `first` begins and the day after `last` begins, in
    UTC: what a date typed by staff means, whatever the database does with a time zone (SQLite
    compares the wall-clock digits and drops the zone, so a London-time bound in summer would
    be an hour off). A day the calendar cannot go past (9999-12-31, or 0001-01-01 east of UTC)
    raises ValueError, so the form refuses it instead of failing."""
    zone = ZoneInfo(timezone)
    try:
        since = datetime.combine(first, time(), zone).astimezone(UTC) if first else None
        until = (datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
                 if last else None)
    except OverflowError as exc:
        raise ValueError("the date is at the very end of the calendar") from exc
    return since, until
