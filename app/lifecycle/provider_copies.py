"""Deleting the provider's copies of an erased conversation's messages and calls.

Twilio keeps every message sent and received. After an erasure (`app.lifecycle.erasure`) each
of them is a `provider_deletions` row holding only the message id; `delete` removes the copy
with the REST API, blanking the body first when Twilio will not delete a message that is not
final yet. The worker's job takes the row id only (`app.worker.jobs.delete_provider_copy`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, or_, select, update

from app.outbound.exactly_once import backoff
from app.outbound.twilio_rest import SendError, TwilioSender
from app.storage.db import Database
from app.storage.models import ProviderDeletion, table_of

log = logging.getLogger(__name__)
deletions = table_of(ProviderDeletion)
# Twilio: "Cannot delete this resource before it is complete".
NOT_FINAL_YET = "20009"
MAX_DELETE_ATTEMPTS = 20


@dataclass(kw_only=True)
class ProviderCopies:
    database: Database
    sender: Callable[[], TwilioSender]
    clock: Callable[[], datetime]
    lease: timedelta

    def delete(self, deletion_id: int) -> str:
        """Delete the provider's copy of one message (after an erasure). Safe to run twice: a
        conditional UPDATE takes the row for a while before the call, and a DELETE of a
        message that is already gone counts as done. A message Twilio will not delete yet
        (20009: not final) has its body blanked at once and the DELETE is tried again later."""
        now = self.clock()
        with self.database.transaction() as connection:
            taken = connection.execute(update(deletions).where(
                deletions.c.id == deletion_id, deletions.c.status == "pending",
                or_(deletions.c.next_attempt_at.is_(None), deletions.c.next_attempt_at <= now),
            ).values(attempts=deletions.c.attempts + 1, next_attempt_at=now + self.lease)
            ).rowcount
            row = connection.execute(select(deletions)
                                     .where(deletions.c.id == deletion_id)).first()
        if not taken or row is None:
            return "nothing to do"
        values: dict[str, object]
        try:
            self.sender().delete(row.provider_sid)
            values = {"status": "done", "done_at": self.clock(), "error_kind": None}
        except SendError as error:
            values = self._retry(row, error, now)
        with self.database.transaction() as connection:
            connection.execute(update(deletions).where(deletions.c.id == deletion_id)
                               .values(**values))
        log.info("event=provider_copy.%s deletion=%s", values["status"], deletion_id)
        return str(values["status"])

    def _retry(self, row: Any, error: SendError, now: datetime) -> dict[str, object]:
        """What to record when a DELETE was refused: blank the body now if Twilio says the
        message is not final yet, and try the DELETE again after a back-off; give up on a
        hard refusal."""
        redacted = bool(row.redacted)
        # Only a message has a body to blank; a call still in progress is simply tried later.
        if error.code == NOT_FINAL_YET and not redacted and TwilioSender.is_message(
                row.provider_sid):
            try:
                redacted = self.sender().redact(row.provider_sid)
            except SendError:
                redacted = False
        if error.retryable or error.code == NOT_FINAL_YET:
            if row.attempts >= MAX_DELETE_ATTEMPTS:
                return {"status": "failed", "error_kind": error.kind, "redacted": redacted}
            return {"status": "pending", "redacted": redacted, "error_kind": error.kind,
                    "next_attempt_at": now + backoff(row.attempts)}
        return {"status": "failed", "error_kind": error.kind, "redacted": redacted}


def pending(connection: Connection, now: datetime) -> list[int]:
    """Deletions whose next attempt is due (the sweeper enqueues them)."""
    return list(connection.execute(select(deletions.c.id).where(
        deletions.c.status == "pending",
        or_(deletions.c.next_attempt_at.is_(None), deletions.c.next_attempt_at <= now),
    )).scalars().all())
