"""Delivery receipts from the provider: what happened to a message we sent, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from app.storage.db import Database
from app.storage.models import DeliveryReceipt

# Twilio's message statuses (its docs, "Message resource: status values").
KNOWN_STATUSES = frozenset({
    "accepted", "scheduled", "canceled", "queued", "sending", "sent", "failed", "delivered",
    "undelivered", "receiving", "received", "read", "partially_delivered",
})


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
