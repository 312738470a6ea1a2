"""Escalation to a human advocate: the case row, which is the source of truth.

A survivor's request for a person is written to the database in the same transaction as the
message that asked for it, so it cannot be lost between the webhook and a queue. Notifying
advocates, the queue page and replies are built on this row by the escalation workflow.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, select, update

from app import audit
from app.flows.model import Action, Escalate, RequestErasure
from app.flows.triage import Assessment
from app.storage.models import Escalation, table_of
from app.storage.vault import OpenCase

log = logging.getLogger(__name__)
escalations = table_of(Escalation)

PRIORITY_RANK = {"routine": 1, "high": 2, "urgent": 3}
PRIORITY_NAMES = {rank: name for name, rank in PRIORITY_RANK.items()}
# Added to a case opened or updated while its source was over its flood allowance, or beyond
# the service-wide cap on new cases (app/conversation/throttle.py); advocates read "possible
# flood", and its on-call alerts are coalesced (app/casework/alerts.py).
FLOOD_REASON = "possible_flood"
# The flows' reason for a request for a person (flows/person.yaml): such a case is never
# listed under a flood's first case, whatever else it says.
PERSON_REASON = "asked_for_person"
URGENT = PRIORITY_RANK["urgent"]

# Built once, like the other statements on the webhook's path (see app/storage/vault.py).
_OPEN_CASE = insert(escalations).returning(escalations.c.id)
_RAISE_CASE = (
    update(escalations)
    .where(escalations.c.id == bindparam("case_id"))
    .values(priority=bindparam("new_priority"), reasons=bindparam("new_reasons"))
)


def request(
    connection: Connection,
    conversation_id: uuid.UUID,
    existing: OpenCase | None,
    *,
    channel: str,
    priority: str,
    reason: str,
    language: str,
    now: datetime,
) -> OpenCase:
    """Open a case for this conversation, or add to the one that is still unfinished.

    `existing` is the unfinished case read with the conversation, before any write. Asking
    again never lowers a priority and never creates a second case: if two messages race, a
    partial unique index makes the database refuse the second case and the caller retries.
    The reasons are codes from the flows (e.g. `asked_for_person`), never the survivor's words.
    """
    rank = PRIORITY_RANK[priority]
    if existing is None:
        case_id: int = connection.execute(_OPEN_CASE, {
            "conversation_id": conversation_id, "status": "open", "priority": rank,
            "reasons": [reason], "language": language, "channel": channel, "created_at": now,
        }).scalar_one()
        audit.record(connection, now=now, actor="survivor", action="escalation.requested",
                     conversation_id=conversation_id, escalation_id=case_id)
        log.info("event=escalation.opened escalation=%s priority=%s", case_id, rank)
        return OpenCase(case_id, rank, (reason,))
    reasons = list(existing.reasons)
    if reason not in reasons:
        reasons.append(reason)
    new_priority = max(existing.priority, rank)
    if tuple(reasons) != existing.reasons or new_priority != existing.priority:
        connection.execute(_RAISE_CASE, {"case_id": existing.id, "new_priority": new_priority,
                                         "new_reasons": reasons})
    log.info("event=escalation.updated escalation=%s priority=%s", existing.id, new_priority)
    return OpenCase(existing.id, new_priority, tuple(reasons))


def add_reason(connection: Connection, case_id: int, reason: str) -> None:
    """Add a reason code to a case (e.g. "possible_flood"), keeping its priority and status."""
    reasons = connection.execute(select(escalations.c.reasons)
                                 .where(escalations.c.id == case_id)).scalar()
    if reasons is None or reason in reasons:
        return
    connection.execute(update(escalations).where(escalations.c.id == case_id)
                       .values(reasons=[*reasons, reason]))
    log.info("event=escalation.updated escalation=%s reason=%s", case_id, reason)


def may_list_under_flood_lead(priority: int, reasons: tuple[str, ...] | list[str]) -> bool:
    """Whether a case may be listed under its flood's first case instead of on its own in the
    queue: never an urgent one, never one that asked for a person. When in doubt a survivor's
    case shows on its own (docs/threat-model.md, A2)."""
    return priority < URGENT and PERSON_REASON not in reasons


def follow_flood_lead(connection: Connection, case_id: int, lead_id: int) -> str:
    """List a new case under its flood's first case. Returns "followed"; "stands alone" for a
    case that must show on its own; "lead finished" when the first case is closed or erased
    (then this case stands alone too, and the caller makes it the lead)."""
    lead = escalations.alias("lead")
    lead_open = connection.execute(select(lead.c.id).where(
        lead.c.id == lead_id, lead.c.status != "closed", lead.c.conversation_id.is_not(None),
        lead.c.flood_lead_id.is_(None))).first() is not None
    if not lead_open:
        return "lead finished"
    row = connection.execute(select(escalations.c.priority, escalations.c.reasons).where(
        escalations.c.id == case_id, escalations.c.id != lead_id)).first()
    if row is None or not may_list_under_flood_lead(row.priority, row.reasons or ()):
        return "stands alone"
    connection.execute(update(escalations).where(escalations.c.id == case_id)
                       .values(flood_lead_id=lead_id))
    log.info("event=escalation.flood_follower escalation=%s lead=%s", case_id, lead_id)
    return "followed"


def stand_alone_if_needed(connection: Connection, case: OpenCase) -> bool:
    """A case listed under a flood's first case that is now urgent or asks for a person shows
    on its own again. True if it was listed under one (its alert is then due)."""
    if may_list_under_flood_lead(case.priority, case.reasons):
        return False
    surfaced = connection.execute(update(escalations).where(
        escalations.c.id == case.id, escalations.c.flood_lead_id.is_not(None))
        .values(flood_lead_id=None)).rowcount
    if surfaced:
        log.info("event=escalation.flood_surfaced escalation=%s", case.id)
    return bool(surfaced)


def apply(
    connection: Connection,
    conversation_id: uuid.UUID,
    existing: OpenCase | None,
    actions: tuple[Action, ...],
    risk: Assessment,
    *,
    channel: str,
    language: str,
    now: datetime,
) -> OpenCase | None:
    """Turn a message's flow actions and triage result into the case, and audit what matters.

    A case is opened when the flow asks for a person (never below "routine") or when triage
    reads high or urgent risk; triage reasons are added to a case that is open or opening, so
    the advocate sees why. Routine-level reasons alone open nothing.
    """
    case = existing
    for action in actions:
        if isinstance(action, Escalate):
            # Each action sees the case the previous one opened or raised.
            case = request(connection, conversation_id, case, channel=channel,
                           priority=action.priority, reason=action.reason,
                           language=language, now=now)
        elif isinstance(action, RequestErasure):
            audit.record(connection, now=now, actor="survivor", action="erasure.requested",
                         conversation_id=conversation_id)
            log.info("event=erasure.requested")
    if risk.reasons and (case is not None or risk.at_least("high")):
        priority = risk.level if risk.level in PRIORITY_RANK else "routine"
        for reason in risk.reasons:
            case = request(connection, conversation_id, case, channel=channel,
                           priority=priority, reason=reason, language=language, now=now)
    return case
