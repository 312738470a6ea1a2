"""The partnership's figures: demand, language need, when people write, escalations, time to
a first human reply, out-of-hours share and outcomes. Counts only, small counts suppressed.

Partnership boards ask for data in agreed, shareable shapes (docs/uk-services.md). Nothing
here can identify anyone: no ids, no references, no text, and every count below the
threshold (default 5) is shown as suppressed, so a rare language or an unusual hour cannot
single a survivor out.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app import hours
from app.deployment import OpeningHours
from app.storage.db import Database
from app.storage.models import Conversation, Escalation, Reply, table_of
from app.storage.times import utc

conversations = table_of(Conversation)
escalations = table_of(Escalation)
replies = table_of(Reply)
SUPPRESSED = "suppressed"
DEFAULT_THRESHOLD = 5
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PRIORITIES = {1: "routine", 2: "high", 3: "urgent"}


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
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as exc:
        raise ReportRangeError("dates must look like 2026-11-01") from exc
    if last < first:
        raise ReportRangeError("--to is before --from")
    if first > today:
        raise ReportRangeError("--from is in the future: there is nothing to count yet")
    return first, last


def last_full_month(now: datetime, timezone: str) -> tuple[date, date]:
    """The first and last day of the calendar month before `now`'s, in the deployment's time
    zone: just after midnight on 1 July in London is still 30 June in UTC, but June is over."""
    this_month = now.astimezone(ZoneInfo(timezone)).date().replace(day=1)
    last = this_month - timedelta(days=1)
    return last.replace(day=1), last


def _counted(counter: Counter[str], threshold: int, keys: Iterable[str] = ()) -> dict[
        str, int | str]:
    """Every count, in a stable order, with those under the threshold (but not zero)
    suppressed; zero is not identifying and shows that a category exists."""
    ordered = list(dict.fromkeys([*keys, *sorted(counter)]))
    return {key: (SUPPRESSED if 0 < counter[key] < threshold else counter[key])
            for key in ordered}


def build(database: Database, first: date, last: date, *, timezone: str,
          opening: OpeningHours, threshold: int = DEFAULT_THRESHOLD) -> Report:
    zone = ZoneInfo(timezone)
    since = datetime.combine(first, time(), tzinfo=zone).astimezone(UTC)
    until = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    with database.transaction() as connection:
        contacts = connection.execute(select(
            conversations.c.channel, conversations.c.language, conversations.c.created_at)
            .where(conversations.c.created_at >= since,
                   conversations.c.created_at < until)).all()
        cases = connection.execute(select(
            escalations.c.id, escalations.c.priority, escalations.c.reasons,
            escalations.c.created_at, escalations.c.closed_reason, escalations.c.status)
            .where(escalations.c.created_at >= since, escalations.c.created_at < until)).all()
        first_replies = dict(connection.execute(
            select(replies.c.escalation_id, func.min(replies.c.created_at))
            .where(replies.c.escalation_id.in_([c.id for c in cases]))
            .group_by(replies.c.escalation_id)).all()) if cases else {}
    local = [utc(c.created_at).astimezone(zone) for c in contacts]
    report = Report(first.isoformat(), last.isoformat(), threshold)
    report.sections["contacts_by_channel"] = _counted(
        Counter(c.channel for c in contacts), threshold, ("sms", "web"))
    report.sections["contacts_by_language"] = _counted(
        Counter(c.language or "unknown" for c in contacts), threshold)
    report.sections["contacts_by_hour"] = _counted(
        Counter(f"{t.hour:02d}:00" for t in local), threshold,
        (f"{h:02d}:00" for h in range(24)))
    report.sections["contacts_by_day"] = _counted(
        Counter(DAYS[t.weekday()] for t in local), threshold, DAYS)
    report.sections["escalations_by_priority"] = _counted(
        Counter(PRIORITIES.get(c.priority, "routine") for c in cases), threshold,
        PRIORITIES.values())
    report.sections["escalations_by_reason"] = _counted(
        Counter(reason for c in cases for reason in (c.reasons or ())), threshold)
    report.sections["outcomes"] = _counted(
        Counter(c.closed_reason or c.status for c in cases), threshold)
    out_of_hours = [c for c in cases if not hours.is_open(opening, utc(c.created_at))]
    waits = [(utc(first_replies[c.id]) - utc(c.created_at)).total_seconds() / 60
             for c in cases if c.id in first_replies]
    report.figures["contacts"] = _total(len(contacts), threshold)
    report.figures["escalations"] = _total(len(cases), threshold)
    report.figures["out_of_hours_share"] = (
        round(len(out_of_hours) / len(cases), 3) if len(cases) >= threshold else SUPPRESSED)
    report.figures["first_human_reply_median_minutes"] = (
        round(statistics.median(waits), 1) if len(waits) >= threshold else SUPPRESSED)
    return report


def _total(value: int, threshold: int) -> int | str:
    return SUPPRESSED if 0 < value < threshold else value


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

