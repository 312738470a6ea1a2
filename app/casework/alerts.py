"""Alerting the on-call phones that a case is waiting, once per case and phone.

The live queue page reads the database, so an alert is only needed when nobody has the page
open (`presence`). Each alert is an `alerts` row, unique per case and phone, sent through
`app.outbound.exactly_once`, so a retried job or a crashed worker never sends it twice. The
text names nothing: a lock screen shows it (docs/threat-model.md, A1).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import redis
from sqlalchemy import Connection, insert, select

from app import hours
from app.casework import presence
from app.crypto import Keyring
from app.deployment import Deployment
from app.outbound.exactly_once import Delivery
from app.storage import cases
from app.storage.db import Database
from app.storage.models import Alert, table_of

log = logging.getLogger(__name__)
alerts = table_of(Alert)
ALERT_TEXT = "A case is waiting in the queue (ref {reference})."


@dataclass(kw_only=True)
class Alerts:
    database: Database
    keyring: Keyring
    deployment: Deployment
    delivery: Delivery
    redis: redis.Redis
    clock: Callable[[], datetime]

    def notify(self, case_id: int) -> str:
        """Alert the on-call phones about a waiting case, once each; safe to run again.

        Returns a short status ("sent", "retry", "out of hours", ...): "retry" in the result
        means a temporary provider error, and the caller schedules another run.
        """
        now = self.clock()
        unsettled: Sequence[str] = ()
        with self.database.transaction() as connection:
            record = cases.load(connection, self.keyring, case_id)
            if record is None:
                return "nothing to do"
            if record.status != "open" or record.notified_at is not None:
                unsettled = connection.execute(select(alerts.c.target).where(
                    alerts.c.escalation_id == case_id, alerts.c.status == "sending")
                ).scalars().all()
        if record.status != "open" or record.notified_at is not None:
            # Someone has the case: no alert is needed any more, but one a dead worker may have
            # handed to the provider is settled (recorded as sent, or cancelled), never resent.
            results = [self._send(case_id, int(target.split(":")[1]), record.reference,
                                  settle_only=True) for target in unsettled]
            self._mark_notified(case_id, now)
            return ",".join(results) or "nothing to do"
        if not hours.is_open(self.deployment.opening_hours, now):
            # Out of hours the survivor was told when someone will read it; the sweeper tries
            # again once the team is on duty.
            return "out of hours"
        phones = self.deployment.staff.alert_sms
        if not phones or presence.anyone_watching(self.redis, now.timestamp()):
            self._mark_notified(case_id, now)
            return "queue watched"
        results = [self._send(case_id, index, record.reference) for index in range(len(phones))]
        if all(result in ("sent", "failed", "nothing to do") for result in results):
            self._mark_notified(case_id, now)
        return ",".join(results)

    def _send(self, case_id: int, index: int, reference: str, *,
              settle_only: bool = False) -> str:
        target = f"sms:{index}"
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
        to = self.deployment.staff.alert_sms[index]
        body = ALERT_TEXT.format(reference=reference)
        if settle_only:
            return self.delivery.settle(alerts, row.id, lease, to, body)
        return self.delivery.deliver(alerts, row.id, lease, to, body)

    def _mark_notified(self, case_id: int, now: datetime) -> None:
        with self.database.transaction() as connection:
            cases.mark_notified(connection, case_id, now)


def cases_to_notify(connection: Connection, now: datetime, *, open_now: bool) -> list[int]:
    """Cases whose notification is unfinished (only while the team is on duty), and cases with
    an alert a dead worker left in doubt, whatever their status now."""
    waiting = cases.needing_notification(connection) if open_now else []
    in_doubt = connection.execute(select(alerts.c.escalation_id).where(
        alerts.c.status == "sending", alerts.c.lease_until < now)).scalars().all()
    return sorted(set(waiting) | set(in_doubt))
