"""Escalation to a human advocate: the case row, which is the source of truth.

A survivor's request for a person is written to the database in the same transaction as the
message that asked for it, so it cannot be lost between the webhook and a queue. Notifying
advocates, the queue page and replies are built on this row by the escalation workflow.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.storage.models import AuditEvent, Conversation, Escalation

log = logging.getLogger(__name__)

PRIORITY_RANK = {"routine": 1, "high": 2, "urgent": 3}


def request(
    session: Session,
    conversation: Conversation,
    *,
    priority: str,
    reason: str,
    language: str,
    now: datetime,
) -> int:
    """Open a case for this conversation, or add to the one that is still unfinished.

    Asking again never lowers a priority and never creates a second case; the reasons are
    codes from the flows (e.g. `asked_for_person`), never the survivor's words.
    """
    rank = PRIORITY_RANK[priority]
    case = session.scalars(
        select(Escalation).where(
            Escalation.conversation_id == conversation.id, Escalation.status != "closed"
        )
    ).one_or_none()
    if case is None:
        case = Escalation(
            conversation_id=conversation.id,
            status="open",
            priority=rank,
            reasons=[reason],
            language=language,
            channel=conversation.channel,
            created_at=now,
        )
        session.add(case)
        session.flush()  # the id is needed for the audit row and the caller's log line
        session.add(AuditEvent(occurred_at=now, actor="survivor", action="escalation.requested",
                               conversation_id=conversation.id))
        log.info("event=escalation.opened escalation=%s priority=%s", case.id, rank)
        return case.id
    case.priority = max(case.priority, rank)
    if reason not in case.reasons:
        case.reasons = [*case.reasons, reason]
    log.info("event=escalation.updated escalation=%s priority=%s", case.id, case.priority)
    return case.id
