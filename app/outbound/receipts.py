"""Delivery receipts from the provider: what happened to a message we sent, and nothing else."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from app.storage.db import Database
from app.storage.models import DeliveryReceipt

# Twilio's message statuses (its docs, "Message resource: status values").
KNOWN_STATUSES = frozenset({
    "accepted", "scheduled", "canceled", "queued", "sending", "sent", "failed", "delivered",
    "undelivered", "receiving", "received", "read", "partially_delivered",
})


# How far along its way each status says a message is (Twilio's message lifecycle). Twilio
# does not promise callbacks arrive in order, and they often do not: a "sent" posted before an
# "undelivered" can arrive after it. Shown by arrival, that late "sent" hid the failure from
# the advocate, who then had no reason to try another way. The furthest status stands.
PROGRESS = {
    "receiving": 0, "received": 0, "accepted": 1, "scheduled": 1, "queued": 2, "sending": 3,
    "sent": 4, "delivered": 5, "undelivered": 5, "failed": 5, "canceled": 5,
    "partially_delivered": 5, "read": 6,
}


def furthest(statuses: Iterable[str]) -> str | None:
    """The status furthest along of a message's `statuses` (in the order they arrived); of
    two equally far along (which Twilio does not send), the later."""
    best: str | None = None
    for status in statuses:
        if best is None or PROGRESS.get(status, 0) >= PROGRESS.get(best, 0):
            best = status
    return best


def is_known_status(status: str) -> bool:
    return status in KNOWN_STATUSES


def record(database: Database, provider_sid: str, status: str, error_code: str | None) -> bool:
    """Store a status once; a repeated callback is a no-op. Returns whether it was new."""
    with database.session() as session:
        session.add(DeliveryReceipt(
            provider_sid=provider_sid,
            status=status,
            error_code=(error_code or "")[:12] or None,
            received_at=datetime.now(UTC),
        ))
        try:
            session.commit()
        except IntegrityError:
            # The (message, status) pair is unique: Twilio's retry of a callback stores nothing.
            session.rollback()
            return False
    return True
