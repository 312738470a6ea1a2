"""The RQ job that deletes the provider's copies of an erased conversation's messages.

Twilio keeps every message sent and received. After an erasure (app/erasure.py) each of
them is a `provider_deletions` row holding only the message id; this job deletes the copy
with the REST API, blanking the body first when Twilio will not delete a message that is not
final yet. A job takes the row id only, like every job here (app/tasks.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from app.outbound.exactly_once import backoff
from app.outbound.twilio_rest import SendError
from app.services import services
from app.storage.models import ProviderDeletion, table_of
from app.tasks import content_free

log = logging.getLogger(__name__)
deletions = table_of(ProviderDeletion)
# Twilio: "Cannot delete this resource before it is complete".
NOT_FINAL_YET = "20009"
MAX_DELETE_ATTEMPTS = 20


@content_free
def delete_provider_copy(deletion_id: int) -> str:
    """Delete the provider's copy of one message (after an erasure). Safe to run twice: a
    conditional UPDATE takes the row for a while before the call, and a DELETE of a message
    that is already gone counts as done. A message Twilio will not delete yet (20009: not
    final) has its body blanked at once and the DELETE is tried again later."""
    built = services()
    now = built.clock()
    with built.database.transaction() as connection:
        taken = connection.execute(update(deletions).where(
            deletions.c.id == deletion_id, deletions.c.status == "pending",
            or_(deletions.c.next_attempt_at.is_(None), deletions.c.next_attempt_at <= now),
        ).values(attempts=deletions.c.attempts + 1,
                 next_attempt_at=now + timedelta(seconds=built.settings.send_lease_seconds))
        ).rowcount
        row = connection.execute(select(deletions).where(deletions.c.id == deletion_id)).first()
    if not taken or row is None:
        return "nothing to do"
    sender = built.sender()
    values: dict[str, object]
    try:
        sender.delete(row.provider_sid)
        values = {"status": "done", "done_at": built.clock(), "error_kind": None}
    except SendError as error:
        values = _deletion_retry(row, error, now)
    with built.database.transaction() as connection:
        connection.execute(update(deletions).where(deletions.c.id == deletion_id)
                           .values(**values))
    log.info("event=provider_copy.%s deletion=%s", values["status"], deletion_id)
    return str(values["status"])


def _deletion_retry(row: Any, error: SendError, now: datetime) -> dict[str, object]:
    """What to record when a DELETE was refused: blank the body now if Twilio says the message
    is not final yet, and try the DELETE again after a back-off; give up on a hard refusal."""
    redacted = bool(row.redacted)
    if error.code == NOT_FINAL_YET and not redacted:
        try:
            redacted = services().sender().redact(row.provider_sid)
        except SendError:
            redacted = False
    if error.retryable or error.code == NOT_FINAL_YET:
        if row.attempts >= MAX_DELETE_ATTEMPTS:
            return {"status": "failed", "error_kind": error.kind, "redacted": redacted}
        return {"status": "pending", "redacted": redacted, "error_kind": error.kind,
                "next_attempt_at": now + backoff(row.attempts)}
    return {"status": "failed", "error_kind": error.kind, "redacted": redacted}
