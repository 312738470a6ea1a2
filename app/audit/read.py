"""Reading the audit trail: who viewed which case and why, for supervisors and admins.

Filters and export only; rows are never changed here (the trail is append-only and chained,
app/audit/chain.py). Rows carry ids, codes and a purpose code, never content: what an export
holds is as safe to share inside the partnership as the page.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, select

from app.audit.write import ACCOUNT, record, staff
from app.hours import local_days
from app.storage.db import Database
from app.storage.models import AuditEvent, table_of
from app.storage.times import utc

audit_events = table_of(AuditEvent)
_a = audit_events.c
PAGE = 100
MAX_EXPORT = 100_000


class FilterError(ValueError):
    """A filter the page or command cannot use; the message says which and why."""


# The largest id an `Integer` column holds on both databases (PostgreSQL's integer is 32-bit).
# A larger number bound to a query made SQLite's driver raise (OverflowError): a 500 where the
# filter should simply be refused (make soak's route fuzzer found it on /advocates/audit.csv).
LARGEST_ID = 2**31 - 1


@dataclass(frozen=True)
class Filters:
    case: int | None = None
    actor: str | None = None  # "survivor", "system", "admin" or "advocate:<id>"
    action: str | None = None
    start: date | None = None
    end: date | None = None  # inclusive
    # The days are the partnership's calendar days, as the page shows each row's time: a
    # read at 00:30 on a summer morning in London belongs to that day, not the one before.
    timezone: str = "UTC"

    @classmethod
    def parse(cls, raw: dict[str, str], actors: dict[str, int], timezone: str) -> Filters:
        """From a query string or command options; `actors` maps e-mail to advocate id;
        dates are days in `timezone`."""
        case = raw.get("case", "").strip()
        actor = raw.get("actor", "").strip().casefold()
        try:
            start = date.fromisoformat(raw["from"]) if raw.get("from") else None
            end = date.fromisoformat(raw["to"]) if raw.get("to") else None
        except ValueError as exc:
            raise FilterError("dates must look like 2026-12-01") from exc
        if start and end and end < start:
            raise FilterError("the end date is before the start date")
        try:
            local_days(start, end, timezone)
        except ValueError as exc:
            raise FilterError("the dates must be within the calendar") from exc
        if case and (not case.isdigit() or int(case) > LARGEST_ID):
            raise FilterError("a case is its number")
        if actor and "@" in actor:
            if actor not in actors:
                raise FilterError("no advocate has that e-mail address")
            actor = f"advocate:{actors[actor]}"
        return cls(int(case) if case else None, actor or None,
                   raw.get("action", "").strip() or None, start, end, timezone)

    def apply(self, query: Select[tuple[AuditEvent]]) -> Select[tuple[AuditEvent]]:
        if self.case is not None:
            query = query.where(_a.escalation_id == self.case)
        if self.actor:
            query = query.where(_a.actor == self.actor)
        if self.action:
            query = query.where(_a.action == self.action)
        since, until = local_days(self.start, self.end, self.timezone)
        if since is not None:
            query = query.where(_a.occurred_at >= since)
        if until is not None:
            query = query.where(_a.occurred_at < until)
        return query


@dataclass(frozen=True)
class Entry:
    id: int
    occurred_at: datetime
    actor: str
    action: str
    case: int | None
    purpose: str | None
    sealed: bool


def entries(database: Database, filters: Filters, *, before: int | None = None,
            limit: int = PAGE) -> list[Entry]:
    """Newest first; `before` pages back from a row id."""
    query = filters.apply(select(audit_events)).order_by(_a.id.desc()).limit(limit)
    if before is not None:
        query = query.where(_a.id < before)
    with database.transaction() as connection:
        rows = connection.execute(query).all()
    return [Entry(r.id, utc(r.occurred_at), r.actor, r.action, r.escalation_id, r.purpose,
                  r.row_hash is not None) for r in rows]


def record_reading(database: Database, advocate_id: int, action: str, now: datetime) -> None:
    """Reading the trail is itself recorded (who looked at who looked)."""
    with database.transaction() as connection:
        record(connection, now=now, actor=staff(advocate_id), action=action)


def who(actor: str, names: dict[int, str]) -> str:
    """An actor as people read it: an advocate by e-mail, anyone else by their code."""
    if actor.startswith("advocate:") and actor[9:].isdigit():
        return names.get(int(actor[9:]), actor)
    return actor


def purpose(code: str | None, names: dict[int, str]) -> str:
    """A purpose as people read it: a row about an account names its e-mail (the row keeps
    the id, `audit.account`); a case purpose is its code."""
    if code and code.startswith(ACCOUNT) and code[len(ACCOUNT):].isdigit():
        account_id = int(code[len(ACCOUNT):])
        return f"account {names.get(account_id, f'#{account_id}')}"
    return code or ""


def as_csv(rows: list[Entry], names: dict[int, str]) -> str:
    """Spreadsheet-ready; advocates named by e-mail. Cells that a spreadsheet would run as a
    formula are prefixed, though every value here is a code we wrote ourselves."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "when_utc", "who", "action", "case", "purpose", "sealed"])
    for row in rows:
        cells = [row.id, row.occurred_at.isoformat(timespec="seconds"), who(row.actor, names),
                 row.action, row.case or "", purpose(row.purpose, names),
                 "yes" if row.sealed else "not yet"]
        writer.writerow([_safe_cell(str(cell)) for cell in cells])
    return out.getvalue()


def _safe_cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
