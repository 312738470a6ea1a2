"""Alerting the on-call phones that a case is waiting, once per case and phone.

The live queue page reads the database, so in opening hours an alert is only needed when
nobody has the page open (`presence`). Out of hours an urgent case (immediate danger, the
duress word) alerts the deployment's on-call phones at once, whoever has a page open: a queue
left open on an office screen overnight must not silence it. Cases marked "possible flood"
alert once per `floods.alert_minutes` between them, in hours and out, not once each: a flood
must not wake the on-call phone again and again, and the first alert has already sent someone
to the queue, where every case is listed. Each alert is an `alerts` row,
unique per case and phone (`sms:<i>` for the team's phones, `on_call:<i>` for the on-call
ones), sent through `app.outbound.exactly_once`, so a retried job or a crashed worker never
sends it twice. The text names nothing: a lock screen shows it (docs/threat-model.md, A1).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import redis
from sqlalchemy import Connection, func, insert, select

from app import hours
from app.casework import escalation, presence
from app.casework.escalation import PRIORITY_RANK, escalations
from app.crypto import Keyring
from app.deployment import Deployment
from app.outbound.exactly_once import Delivery
from app.storage import cases
from app.storage.db import Database
from app.storage.models import Alert, table_of

log = logging.getLogger(__name__)
alerts = table_of(Alert)
ALERT_TEXT = "A case is waiting in the queue (ref {reference})."
URGENT = PRIORITY_RANK["urgent"]
TEAM, ON_CALL = "sms", "on_call"


@dataclass(kw_only=True)
class Alerts:
    database: Database
    keyring: Keyring
    deployment: Deployment
    delivery: Delivery
    redis: redis.Redis
    clock: Callable[[], datetime]
    # Where the time of the last flood alert is kept (named per deployment: app/services/wiring.py).
    flood_alert_key: str = "quietline:alerts:last_flood_alert"

    def notify(self, case_id: int) -> str:
        """Alert the on-call phones about a waiting case, once each; safe to run again.

        Returns a short status ("sent", "retry", "out of hours", ...): "retry" in the result
        means a temporary provider error, and the caller schedules another run.
        """
        now = self.clock()
        unsettled: Sequence[str] = ()
        with self.database.transaction() as connection:
            record = cases.load(connection, self.keyring, case_id)
            # A case listed under a flood's first case, which had the alert, alerts on its own
            # only once it comes out from under it (urgent, a request for a person).
            if record is None or (record.flood_lead_id is not None and
                                  cases.under_unfinished_flood_lead(connection, case_id)):
                return "nothing to do"
            if record.status != "open" or record.notified_at is not None:
                unsettled = connection.execute(select(alerts.c.target).where(
                    alerts.c.escalation_id == case_id, alerts.c.status == "sending")
                ).scalars().all()
        if record.status != "open" or record.notified_at is not None:
            # Someone has the case: no alert is needed any more, but one a dead worker may have
            # handed to the provider is settled (recorded as sent, or cancelled), never resent.
            results = [self._send(case_id, *_parse(target), record.reference,
                                  settle_only=True) for target in unsettled]
            self._mark_notified(case_id, now)
            return ",".join(results) or "nothing to do"
        if not hours.is_open(self.deployment.opening_hours, now):
            return self._out_of_hours(record.id, record.priority, record.reference,
                                      flood=escalation.FLOOD_REASON in record.reasons, now=now)
        phones = self.deployment.staff.alert_sms
        if not phones or presence.anyone_watching(self.redis, now.timestamp()):
            self._mark_notified(case_id, now)
            return "queue watched"
        if escalation.FLOOD_REASON in record.reasons and not self.flood_alert_due(now):
            self._mark_notified(case_id, now)
            return "coalesced"
        results = [self._send(case_id, TEAM, index, record.reference)
                   for index in range(len(phones))]
        if all(result in ("sent", "failed", "nothing to do") for result in results):
            self._mark_notified(case_id, now)
        return ",".join(results)

    def _out_of_hours(self, case_id: int, priority: int, reference: str, *, flood: bool,
                      now: datetime) -> str:
        """The survivor was told when someone will read it. An urgent case alerts the on-call
        phones now; the case stays un-notified, so the team is alerted too once on duty. A
        "possible flood" case waits for the next window instead (the sweeper tries again)."""
        phones = self.deployment.staff.on_call_sms
        if priority < URGENT or not phones:
            return "out of hours"
        if flood and not self.flood_alert_due(now):
            return "coalesced"
        return ",".join(self._send(case_id, ON_CALL, index, reference)
                        for index in range(len(phones)))

    def _phone(self, kind: str, index: int) -> str:
        staff = self.deployment.staff
        return (staff.on_call_sms if kind == ON_CALL else staff.alert_sms)[index]

    def _send(self, case_id: int, kind: str, index: int, reference: str, *,
              settle_only: bool = False) -> str:
        target = f"{kind}:{index}"
        with self.database.transaction() as connection:
            row = connection.execute(select(alerts).where(
                alerts.c.escalation_id == case_id, alerts.c.target == target)).first()
            if row is None:
                connection.execute(insert(alerts).values(
                    escalation_id=case_id, target=target, status="queued", attempts=0,
                    created_at=self.clock()))
                row = connection.execute(select(alerts).where(
                    alerts.c.escalation_id == case_id, alerts.c.target == target)).one()
            if row.status in ("sent", "failed"):
                return "nothing to do"
            lease = self.delivery.take(connection, alerts, row)
            if lease is None:
                return "held by another worker"
        to = self._phone(kind, index)
        body = ALERT_TEXT.format(reference=reference)
        if settle_only:
            return self.delivery.settle(alerts, row.id, lease, to, body)
        return self.delivery.deliver(alerts, row.id, lease, to, body)

    def flood_alert_due(self, now: datetime) -> bool:
        """True for the first flood case's alert in a window (and whenever Redis cannot say:
        an extra alert is better than a missing one)."""
        window = self.deployment.floods.alert_minutes * 60
        try:
            last = self.redis.get(self.flood_alert_key)
            if last is not None and 0 <= now.timestamp() - float(last) < window:
                return False
            self.redis.set(self.flood_alert_key, f"{now.timestamp():.3f}", ex=window)
        except redis.RedisError as error:
            log.warning("event=alerts.flood_unchecked error=%s", type(error).__name__)
        return True

    def _mark_notified(self, case_id: int, now: datetime) -> None:
        with self.database.transaction() as connection:
            cases.mark_notified(connection, case_id, now)


def _parse(target: str) -> tuple[str, int]:
    kind, index = target.split(":")
    return kind, int(index)


def cases_to_notify(connection: Connection, now: datetime, *, open_now: bool,
                    on_call_phones: int = 0) -> list[int]:
    """Cases whose notification is unfinished (while the team is on duty), urgent cases whose
    on-call alerts are unfinished (out of hours), and cases with an alert a dead worker left in
    doubt, whatever their status now."""
    waiting = (cases.needing_notification(connection) if open_now
               else urgent_waiting_for_on_call(connection, on_call_phones))
    in_doubt = connection.execute(select(alerts.c.escalation_id).where(
        alerts.c.status == "sending", alerts.c.lease_until < now)).scalars().all()
    return sorted(set(waiting) | set(in_doubt))


def urgent_waiting_for_on_call(connection: Connection, phones: int) -> list[int]:
    """Open urgent cases not yet taken to the team, with fewer finished on-call alerts than
    there are on-call phones (each finished alert is sent, or failed for good)."""
    if phones <= 0:
        return []
    finished = (select(func.count()).select_from(alerts).where(
        alerts.c.escalation_id == escalations.c.id, alerts.c.target.like(f"{ON_CALL}:%"),
        alerts.c.status.in_(("sent", "failed"))).scalar_subquery())
    return list(connection.execute(select(escalations.c.id).where(
        escalations.c.status == "open", escalations.c.notified_at.is_(None),
        escalations.c.priority >= URGENT, finished < phones)).scalars())
