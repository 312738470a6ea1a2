"""Cases left waiting too long: an urgent or high case nobody has claimed is chased.

An urgent case unclaimed for `[casework] urgent_sla_minutes` (default 5) alerts the phones
again, once, and is flagged to supervisors (the queue's words, the overdue page); a high one
after `high_sla_minutes` (default 30) of opening hours. Routine cases have no target.

The sweeper asks `record_breaches` every pass. A breach is a row unique per case and target
(`sla_breaches`), so one case is chased once per target however often the sweeper runs and
whatever restarts: the state is in the database, not in Redis. The re-alert follows the same
rules as the first alert (app/casework/alerts.py): the same content-free text (a lock screen
shows it, docs/threat-model.md, A1); in opening hours the team's phones (`alert_sms`), out of
hours the on-call phones (`on_call_sms`) and only for an urgent case (a high case out of
hours waits for the team, as its first alert does); a "possible flood" case shares the flood
alerts' allowance; each phone's message is a row sent exactly once
(`app.outbound.exactly_once`), so a retried job or a killed worker never sends it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app import audit, hours
from app.casework.alerts import ALERT_TEXT, ON_CALL, TEAM
from app.casework.escalation import FLOOD_REASON, PRIORITY_RANK, escalations
from app.deployment import Deployment
from app.deployment.sections import END_OF_DAY
from app.outbound.exactly_once import Delivery
from app.storage.db import Database
from app.storage.models import Conversation, SlaAlert, SlaBreach, table_of
from app.storage.times import aware, utc

log = logging.getLogger(__name__)
breaches = table_of(SlaBreach)
sla_alerts = table_of(SlaAlert)
conversations = table_of(Conversation)
_b, _e = breaches.c, escalations.c
URGENT, HIGH = PRIORITY_RANK["urgent"], PRIORITY_RANK["high"]
# How many breaches the overdue page lists, newest first.
LISTED = 200


def on_duty_since(opening: hours.OpeningHours, now: datetime) -> datetime | None:
    """When the current stretch on duty began, or None out of hours.

    A stretch may be written as several spans that meet: a shift across midnight ("22:00-24:00"
    one day, "00:00-06:00" the next) or a day split at lunch ("09:00-12:00", "12:00-17:00").
    The team has been on duty without a break, so the stretch starts at the first span's start;
    otherwise a high case waiting since 23:50 (or 11:50) would have its clock restarted at
    midnight (or noon) and be chased late.
    """
    if not hours.is_open(opening, now):
        return None
    zone = ZoneInfo(opening.timezone)
    local = now.astimezone(zone)
    day, start = local.date(), local.time()
    # Bounded: a team open round the clock has been on duty "since" a week ago at most, which
    # is longer than any target.
    for _ in range(7):
        start = _stretch_start(opening.weekly.get(day.weekday(), ()), start)
        before = day - timedelta(days=1)
        evening = [s for s, end in opening.weekly.get(before.weekday(), ()) if end == END_OF_DAY]
        if start != time(0) or before in opening.holidays or not evening:
            return datetime.combine(day, start, tzinfo=zone)
        day, start = before, min(evening)
    return datetime.combine(day, _stretch_start(opening.weekly.get(day.weekday(), ()), start),
                            tzinfo=zone)


def _stretch_start(spans: Iterable[tuple[time, time]], start: time) -> time:
    """The earliest start reached from `start` through spans of one day that meet or overlap
    it ("09:00-12:00" then "12:00-17:00" is one stretch from 09:00)."""
    spans = tuple(spans)
    while earlier := [s for s, end in spans if s < start and (end >= start or end == END_OF_DAY)]:
        start = min(earlier)
    return start


@dataclass(frozen=True)
class Overdue:
    """A case past its target: which target, how long it has waited, when it passed."""

    target: str  # "urgent" or "high"
    minutes: int  # the target
    waited: timedelta  # unclaimed, counted as the target counts it
    breached_at: datetime


@dataclass(frozen=True)
class Breach:
    """A row of the overdue page: ids, codes and times only."""

    case_id: int
    reference: str | None  # None once the survivor erased the conversation
    target: str
    minutes: int
    breached_at: datetime
    noticed_at: datetime
    alert_result: str | None
    status: str
    claimed_at: datetime | None


@dataclass(kw_only=True)
class Sla:
    database: Database
    deployment: Deployment
    delivery: Delivery
    clock: Callable[[], datetime]
    # The flood alerts' allowance (Alerts.flood_alert_due): a flood's cases are chased within
    # it, never one alert each.
    flood_alert_due: Callable[[datetime], bool]

    def overdue(self, priority: int, status: str, created_at: datetime,
                now: datetime) -> Overdue | None:
        """Whether an unclaimed case is past its target now. Urgent: minutes since it opened,
        at any hour. High: minutes of the current opening hours (the team's clock starts when
        they come on duty), none out of hours."""
        if status != "open":
            return None
        policy = self.deployment.casework
        if priority >= URGENT:
            since, target, minutes = created_at, "urgent", policy.urgent_sla_minutes
        elif priority >= HIGH:
            duty = on_duty_since(self.deployment.opening_hours, now)
            if duty is None:
                return None
            since, target, minutes = max(created_at, duty), "high", policy.high_sla_minutes
        else:
            return None
        waited = now - since
        if waited < timedelta(minutes=minutes):
            return None
        return Overdue(target, minutes, waited, since + timedelta(minutes=minutes))

    def describe(self, priority: str, status: str, waiting_seconds: int) -> str | None:
        """The queue's plain words for a case past its target, e.g. "Unclaimed for 7 min,
        over the 5 min target"; None when it is not."""
        now = self.clock()
        found = self.overdue(PRIORITY_RANK.get(priority, 1), status,
                             now - timedelta(seconds=waiting_seconds), now)
        if found is None:
            return None
        return (f"Unclaimed for {_minutes(found.waited)}, over the {found.minutes} min "
                f"target")

    def record_breaches(self, connection: Connection, now: datetime) -> list[int]:
        """Write a breach for every unclaimed case newly past its target; return the breaches
        whose re-alert is unfinished (new ones, and any a dead worker left). Idempotent: the
        unique (case, target) decides, so two sweepers at once write one row."""
        rows = connection.execute(select(
            _e.id, _e.priority, _e.status, _e.created_at, _e.notified_at).where(
            _e.status == "open", _e.priority >= HIGH)).all()
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        open_now = hours.is_open(self.deployment.opening_hours, now)
        for row in rows:
            found = self.overdue(row.priority, row.status, utc(row.created_at), now)
            if found is None or (open_now and not _team_had_time(
                    aware(row.notified_at), now, found.minutes)):
                continue
            written = connection.execute(dialect.insert(breaches).values(
                escalation_id=row.id, target=found.target, minutes=found.minutes,
                breached_at=found.breached_at, noticed_at=now,
            ).on_conflict_do_nothing(index_elements=["escalation_id", "target"])).rowcount
            if written:
                audit.record(connection, now=now, actor="system", action="case.overdue",
                             escalation_id=row.id, purpose=found.target)
                log.info("event=case.overdue escalation=%s target=%s", row.id, found.target)
        in_doubt = select(sla_alerts.c.breach_id).where(
            sla_alerts.c.status == "sending", sla_alerts.c.lease_until < now)
        return sorted(set(connection.execute(select(_b.id).where(
            _b.alerted_at.is_(None))).scalars()) | set(connection.execute(in_doubt).scalars()))

    def chase(self, breach_id: int) -> str:
        """Re-alert the phones about one breach, once each; safe to run again. Returns a short
        status; "retry" in it means a temporary provider error (the sweeper tries again)."""
        now = self.clock()
        with self.database.transaction() as connection:
            row = connection.execute(
                select(_b.id, _b.target, _b.alerted_at, _e.id.label("case_id"), _e.status,
                       _e.priority, _e.reasons, conversations.c.reference)
                .join(escalations, _e.id == _b.escalation_id)
                .outerjoin(conversations, conversations.c.id == _e.conversation_id)
                .where(_b.id == breach_id)).first()
        if row is None:
            return "nothing to do"
        kind, count = self._phones(row.priority, now)
        if row.status != "open" or row.reference is None:
            # Claimed meanwhile: settle what a dead worker may have handed to the provider.
            results = self._each(row.id, row.reference, kind, count, settle_only=True)
            return self._finish(row.id, row.alerted_at, results or ["claimed first"], now)
        if row.alerted_at is not None:
            return "nothing to do"
        if count == 0:
            # No phone of that kind, or a high case out of hours (it waits for the team).
            return self._finish(row.id, None, ["no phone" if kind else "out of hours"], now)
        if FLOOD_REASON in (row.reasons or ()) and not self._has_alerts(row.id) and (
                not self.flood_alert_due(now)):
            return self._finish(row.id, None, ["coalesced"], now)
        return self._finish(row.id, None, self._each(row.id, row.reference, kind, count), now)

    def _phones(self, priority: int, now: datetime) -> tuple[str, int]:
        staff = self.deployment.staff
        if hours.is_open(self.deployment.opening_hours, now):
            return TEAM, len(staff.alert_sms)
        if priority >= URGENT:
            return ON_CALL, len(staff.on_call_sms)
        return "", 0

    def _has_alerts(self, breach_id: int) -> bool:
        with self.database.transaction() as connection:
            return connection.execute(select(sla_alerts.c.id).where(
                sla_alerts.c.breach_id == breach_id)).first() is not None

    def _each(self, breach_id: int, reference: str | None, kind: str, count: int, *,
              settle_only: bool = False) -> list[str]:
        if settle_only:
            with self.database.transaction() as connection:
                targets = list(connection.execute(select(sla_alerts.c.target).where(
                    sla_alerts.c.breach_id == breach_id,
                    sla_alerts.c.status == "sending")).scalars())
        else:
            targets = [f"{kind}:{index}" for index in range(count)]
        return [self._send(breach_id, target, reference or "", settle_only=settle_only)
                for target in targets]

    def _send(self, breach_id: int, target: str, reference: str, *,
              settle_only: bool) -> str:
        now = self.clock()
        with self.database.transaction() as connection:
            where = (sla_alerts.c.breach_id == breach_id, sla_alerts.c.target == target)
            row = connection.execute(select(sla_alerts).where(*where)).first()
            if row is None:
                connection.execute(insert(sla_alerts).values(
                    breach_id=breach_id, target=target, status="queued", attempts=0,
                    created_at=now))
                row = connection.execute(select(sla_alerts).where(*where)).one()
            if row.status in ("sent", "failed", "cancelled"):
                return "nothing to do"
            if row.status == "queued" and row.next_attempt_at is not None and (
                    utc(row.next_attempt_at) > now):
                return "retry"  # backing off after a provider's temporary error
            lease = self.delivery.take(connection, sla_alerts, row)
            if lease is None:
                return "held by another worker"
        kind, index = target.split(":")
        staff = self.deployment.staff
        phones = staff.on_call_sms if kind == ON_CALL else staff.alert_sms
        if int(index) >= len(phones):
            self.delivery.fail(sla_alerts, row.id, "no_such_phone")
            return "failed"
        body = ALERT_TEXT.format(reference=reference)
        if settle_only:
            return self.delivery.settle(sla_alerts, row.id, lease, phones[int(index)], body)
        return self.delivery.deliver(sla_alerts, row.id, lease, phones[int(index)], body)

    def _finish(self, breach_id: int, alerted_at: datetime | None, results: list[str],
                now: datetime) -> str:
        summary = ",".join(results)
        unfinished = any(r in ("retry", "held by another worker") for r in results)
        if alerted_at is None and not unfinished:
            with self.database.transaction() as connection:
                connection.execute(update(breaches).where(
                    _b.id == breach_id, _b.alerted_at.is_(None)).values(
                    alerted_at=now, alert_result=summary[:32]))
        log.info("event=case.chased breach=%s result=%s", breach_id, summary)
        return summary

    def listing(self) -> list[Breach]:
        """The overdue page: breaches, newest first, with what became of each case."""
        with self.database.transaction() as connection:
            rows = connection.execute(
                select(_b.escalation_id, _b.target, _b.minutes, _b.breached_at, _b.noticed_at,
                       _b.alert_result, _e.status, _e.claimed_at, conversations.c.reference)
                .join(escalations, _e.id == _b.escalation_id)
                .outerjoin(conversations, conversations.c.id == _e.conversation_id)
                .order_by(_b.noticed_at.desc(), _b.id.desc()).limit(LISTED)).all()
        return [Breach(r.escalation_id, r.reference, r.target, r.minutes, utc(r.breached_at),
                       utc(r.noticed_at), r.alert_result, r.status, aware(r.claimed_at))
                for r in rows]


def _team_had_time(told_at: datetime | None, now: datetime, minutes: int) -> bool:
    """In hours the chase follows the team's first alert by the target at least: an urgent
    case from the night is first told to the team as they come on duty, and a second text at
    the same moment would say nothing new."""
    return told_at is not None and now - told_at >= timedelta(minutes=minutes)


def _minutes(waited: timedelta) -> str:
    minutes = int(waited.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
