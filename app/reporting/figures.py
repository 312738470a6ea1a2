"""The partnership's figures: demand, language need, when people write, escalations, time to
a first human reply, out-of-hours share and outcomes. Counts only, small counts suppressed.

Partnership boards ask for data in agreed, shareable shapes (docs/uk-services.md). Nothing
here can identify anyone: no ids, no references, no text. Every count below the threshold
(default 5) is suppressed, and so are enough other cells that no suppressed count can be
worked out from the totals (`suppression`: complementary suppression), so a rare language or
an unusual hour cannot single a survivor out.

The figures are read from the counters kept at the moment of each event
(`app.storage.tallies`), not from the conversations, so the retention purge does not change a
past month's report.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.hours import local_days
from app.reporting.suppression import SUPPRESSED, protected, total
from app.storage.db import Database
from app.storage.models import ReportCount, table_of
from app.storage.tallies import REPLY_BUCKETS, REPLY_LATE
from app.storage.times import utc

report_counts = table_of(ReportCount)
DEFAULT_THRESHOLD = 5
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PRIORITIES = ("routine", "high", "urgent")
REPLY_TIMES = (*(name for _limit, name in REPLY_BUCKETS), REPLY_LATE)
STILL_OPEN = "open"
# A figure the counters never measured for the period's cases (not a small count).
NOT_COUNTED = "not counted"

__all__ = ["SUPPRESSED", "Report", "ReportRangeError", "build", "date_range"]


REPEAT_CONTACT = (
    "Repeat contact: the share of the cases opened in the period whose contact had opened an "
    "earlier case with us that had not been erased, counted when each case opened. The same "
    "contact means the same phone number (kept only as a keyed hash) or, for the web chat, the "
    "same chat: a survivor who starts a new web chat is not recognised, so the web chat's "
    "repeat contact is undercounted. Cases deleted at the survivor's request, or after the "
    "retention period, no longer count as earlier cases. Suppressed like the other figures. "
    "Cases opened before this service began counting repeat contact were never counted: for a "
    "period that holds some, the share is of the cases that were counted, and the report says "
    "how many and from which day.")


class ReportRangeError(ValueError):
    """The dates cannot make a report; the message says why."""


@dataclass
class Report:
    start: str
    end: str
    threshold: int
    sections: dict[str, dict[str, int | str]] = field(default_factory=dict)
    figures: dict[str, float | str | None] = field(default_factory=dict)


def date_range(start: str, end: str, today: date) -> tuple[date, date]:
    """The report's first and last day: one whole calendar month that has ended.

    Small-count suppression protects one table, not two: with any dates allowed, the report
    for 1-30 November minus the report for 1-29 November is 30 November's counts, and a
    single survivor's language, hour and reason show through cells each report suppressed
    on its own. Whole months that are over form a partition (no two reports overlap, none is
    inside another, none grows as the month goes on), so no report can be subtracted from
    another to isolate a smaller period. A quarter or a year is then three or twelve monthly
    reports; adding their shown cells never uncovers a suppressed one."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as exc:
        raise ReportRangeError("dates must look like 2026-11-01") from exc
    if last < first:
        raise ReportRangeError("--to is before --from")
    if first > today:
        raise ReportRangeError("--from is in the future: there is nothing to count yet")
    if last == date.max:
        # `build` counts up to the start of the day after `last`, which this day has not.
        raise ReportRangeError("--to is past the end of the calendar")
    month_end = _month_end(first)
    if first.day != 1 or last != month_end:
        raise ReportRangeError(
            f"a report covers one whole calendar month, from its first day to its last "
            f"(e.g. {first.replace(day=1)} to {month_end}), so that no two reports can be "
            "subtracted to show a few days' small counts")
    if last >= today:
        raise ReportRangeError(
            "that month is not over yet: a report of a month in progress, made again a day "
            "later, would show that day's counts by subtraction")
    return first, last


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def last_full_month(now: datetime, timezone: str) -> tuple[date, date]:
    """The first and last day of the calendar month before `now`'s, in the deployment's time
    zone: just after midnight on 1 July in London is still 30 June in UTC, but June is over."""
    this_month = now.astimezone(ZoneInfo(timezone)).date().replace(day=1)
    last = this_month - timedelta(days=1)
    return last.replace(day=1), last


def _ordered(counter: Counter[str], keys: Iterable[str] = ()) -> dict[str, int]:
    """Every count in a stable order: the known categories first, then the rest sorted."""
    return {key: counter[key] for key in dict.fromkeys([*keys, *sorted(counter)])}


def _counts(database: Database, since: datetime, until: datetime) -> dict[
        str, list[tuple[datetime, str, int]]]:
    with database.transaction() as connection:
        rows = connection.execute(
            select(report_counts.c.measure, report_counts.c.hour, report_counts.c.category,
                   func.sum(report_counts.c.count))
            .where(report_counts.c.hour >= since, report_counts.c.hour < until)
            .group_by(report_counts.c.measure, report_counts.c.hour,
                      report_counts.c.category)).all()
    by_measure: dict[str, list[tuple[datetime, str, int]]] = {}
    for measure, hour, category, count in rows:
        by_measure.setdefault(measure, []).append((utc(hour), category, int(count)))
    return by_measure


def _sum(rows: list[tuple[datetime, str, int]]) -> Counter[str]:
    counter: Counter[str] = Counter()
    for _hour, category, count in rows:
        counter[category] += count
    return counter


def build(database: Database, first: date, last: date, *, timezone: str,
          threshold: int = DEFAULT_THRESHOLD) -> Report:
    """The figures for the local days `first` to `last`, suppressed so none can be derived."""
    zone = ZoneInfo(timezone)
    since, until = local_days(first, last, timezone)
    if since is None or until is None:
        raise ReportRangeError("a report needs its first and last day")
    counts = _counts(database, since, until)
    contacts_rows = counts.get("contact_channel", [])
    # Hour and day are those of the UTC hour's start in local time: exact for the UK (and any
    # zone a whole number of hours from UTC).
    local = [(hour.astimezone(zone), n) for hour, _category, n in contacts_rows]
    by_hour: Counter[str] = Counter()
    by_day: Counter[str] = Counter()
    for moment, n in local:
        by_hour[f"{moment.hour:02d}:00"] += n
        by_day[DAYS[moment.weekday()]] += n
    channels = _sum(contacts_rows)
    contacts = sum(channels.values())
    priorities = _sum(counts.get("case_priority", []))
    cases = sum(priorities.values())
    outcomes = _sum(counts.get("outcome", []))
    outcomes[STILL_OPEN] = max(cases - sum(outcomes.values()), 0)
    replies = _sum(counts.get("first_reply", []))
    in_hours = _sum(counts.get("case_hours", []))

    report = Report(first.isoformat(), last.isoformat(), threshold)
    contacts_known = not isinstance(total(contacts, threshold), str)
    cases_known = not isinstance(total(cases, threshold), str)
    replied = sum(replies.values())
    for name, cells, known in (
        ("contacts_by_channel", _ordered(channels, ("sms", "web")), contacts_known),
        ("contacts_by_language", _ordered(_sum(counts.get("contact_language", []))),
         contacts_known),
        ("contacts_by_hour", _ordered(by_hour, (f"{h:02d}:00" for h in range(24))),
         contacts_known),
        ("contacts_by_day", _ordered(by_day, DAYS), contacts_known),
        ("escalations_by_priority", _ordered(priorities, PRIORITIES), cases_known),
        # A case can have several reasons, so these need not add up to the total; they are
        # protected as if they did, which can only hide more.
        ("escalations_by_reason", _ordered(_sum(counts.get("case_reason", []))), cases_known),
        ("first_human_reply_time", _ordered(replies, REPLY_TIMES), replied >= threshold),
        ("outcomes", _ordered(+outcomes), cases_known),
    ):
        report.sections[name] = protected(cells, threshold, total_known=known)
    report.figures["contacts"] = total(contacts, threshold)
    report.figures["escalations"] = total(cases, threshold)
    # The share with the total gives the out-of-hours count back, so it is shown only when
    # both the in-hours and the out-of-hours counts could be shown themselves.
    hours_cells = {"in_hours": in_hours["in_hours"], "out_of_hours": in_hours["out_of_hours"]}
    shown = protected(hours_cells, threshold)
    # (Requests counted before the counters existed have no in/out-of-hours count: a period
    # with any of them shows the share as suppressed rather than a wrong one.)
    report.figures["out_of_hours_share"] = (
        round(in_hours["out_of_hours"] / cases, 3)
        if cases >= threshold and sum(hours_cells.values()) == cases
        and SUPPRESSED not in shown.values() else SUPPRESSED)
    report.figures.update(repeat_contact(
        _sum(counts.get("case_contact", [])), cases, threshold,
        _counted_from(database, zone)))
    report.figures["first_human_reply_median"] = (
        _median_bucket(replies) if replied >= threshold else SUPPRESSED)
    return report


def _counted_from(database: Database, zone: ZoneInfo) -> date | None:
    """The local day repeat contact was first counted on this service (the `case_contact`
    counter began with issue 20); None before any case was counted."""
    with database.transaction() as connection:
        first = connection.execute(select(func.min(report_counts.c.hour)).where(
            report_counts.c.measure == "case_contact")).scalar()
    return None if first is None else utc(first).astimezone(zone).date()


def repeat_contact(contact: Counter[str], cases: int, threshold: int,
                   counted_from: date | None) -> dict[str, float | str | None]:
    """Repeat contact (issue 20, item 6): the share of the period's cases whose contact had an
    earlier case that was not erased, counted when each case opened (REPEAT_CONTACT).

    Cases opened before the counter began were never counted, and nothing can count them now
    (their earlier cases may since have been erased). Rather than call the share "suppressed"
    (which says: too few to show), it is measured on the cases that were counted, and the
    report says so: how many, and from which day. Every count shown is at or above the
    threshold; when the uncounted cases are fewer than the threshold (a number the share would
    give back), the share is not shown and the note says which dates to choose instead.
    """
    cells = {"repeat": contact["repeat"], "first": contact["first"]}
    counted = sum(cells.values())
    uncounted = max(cases - counted, 0)
    since = counted_from.isoformat() if counted_from else None
    figures: dict[str, float | str | None] = {
        "repeat_contact_counted_from": since, "repeat_contact_cases": None,
        "repeat_contact_note": None}
    small = (counted < threshold
             or SUPPRESSED in protected(cells, threshold).values())
    if uncounted == 0:
        figures["repeat_contact_share"] = (SUPPRESSED if cases < threshold or small
                                           else round(cells["repeat"] / cases, 3))
        return figures
    if counted == 0:
        figures["repeat_contact_share"] = NOT_COUNTED
        figures["repeat_contact_note"] = (
            f"Not counted: repeat contact is counted for cases opened from {since} on; "
            "choose dates from then." if since else
            "Not counted: no case has been counted for repeat contact yet.")
        return figures
    if uncounted < threshold:
        figures["repeat_contact_share"] = NOT_COUNTED
        figures["repeat_contact_note"] = (
            f"Not shown: a few of this period's cases opened before repeat contact was "
            f"counted (from {since}); choose dates from {since} to see it.")
        return figures
    if small:
        # No numbers at all: with the period's total, either would give back the other.
        figures["repeat_contact_share"] = SUPPRESSED
        figures["repeat_contact_note"] = (
            f"Too few of this period's cases were counted to show (repeat contact is counted "
            f"for cases opened from {since} on).")
        return figures
    figures["repeat_contact_share"] = round(cells["repeat"] / counted, 3)
    figures["repeat_contact_cases"] = counted
    figures["repeat_contact_note"] = (
        f"Measured on the {counted} cases opened from {since} on; the other {uncounted} "
        "opened before repeat contact was counted.")
    return figures


def _median_bucket(replies: Counter[str]) -> str:
    """The bucket the median first reply falls in."""
    middle, seen = (sum(replies.values()) + 1) / 2, 0
    for name in REPLY_TIMES:
        seen += replies[name]
        if seen >= middle:
            return name
    return REPLY_LATE


def as_json(report: Report) -> str:
    return json.dumps({"from": report.start, "to": report.end,
                       "suppressed_below": report.threshold, "figures": report.figures,
                       **report.sections}, indent=2) + "\n"


def as_csv(report: Report) -> str:
    """One row per cell: section, category, count. Opens in any spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "category", "value"])
    for name, value in report.figures.items():
        writer.writerow(["figures", name, "" if value is None else value])
    for section, cells in report.sections.items():
        for category, count in cells.items():
            writer.writerow([section, category, count])
    return out.getvalue()

