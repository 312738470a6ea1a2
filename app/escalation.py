"""Escalation to a human advocate: the case row, which is the source of truth.

A survivor's request for a person is written to the database in the same transaction as the
message that asked for it, so it cannot be lost between the webhook and a queue. Notifying
advocates, the queue page and replies are built on this row by the escalation workflow.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from app.storage.models import AuditEvent, Escalation, table_of

log = logging.getLogger(__name__)
escalations = table_of(Escalation)
audit_events = table_of(AuditEvent)

PRIORITY_RANK = {"routine": 1, "high": 2, "urgent": 3}


def request(
    connection: Connection,
    conversation_id: uuid.UUID,
    *,
    channel: str,
    priority: str,
    reason: str,
    language: str,
    now: datetime,
) -> int:
    """Open a case for this conversation, or add to the one that is still unfinished.

    Asking again never lowers a priority and never creates a second case (a partial unique
    index makes the database refuse a second one); the reasons are codes from the flows
    (e.g. `asked_for_person`), never the survivor's words.
    """
    rank = PRIORITY_RANK[priority]
    e = escalations.c
    case = connection.execute(
        select(e.id, e.priority, e.reasons)
        .where(e.conversation_id == conversation_id, e.status != "closed")
    ).first()
    if case is None:
        case_id: int = connection.execute(
            insert(escalations).values(
                conversation_id=conversation_id, status="open", priority=rank, reasons=[reason],
                language=language, channel=channel, created_at=now,
            ).returning(e.id)
        ).scalar_one()
        connection.execute(insert(audit_events).values(
            occurred_at=now, actor="survivor", action="escalation.requested",
            conversation_id=conversation_id))
        log.info("event=escalation.opened escalation=%s priority=%s", case_id, rank)
        return case_id
    reasons = list(case.reasons)
    if reason not in reasons:
        reasons.append(reason)
    new_priority = max(case.priority, rank)
    if reasons != case.reasons or new_priority != case.priority:
        connection.execute(update(escalations).where(e.id == case.id).values(
            priority=new_priority, reasons=reasons))
    log.info("event=escalation.updated escalation=%s priority=%s", case.id, new_priority)
    return int(case.id)
