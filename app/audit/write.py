"""The audit trail: who did what to which case, when and why. Never content, never a number.

Every staff action on a case and every view of a transcript writes one row here, in the same
transaction as the action itself, so an action without its audit row cannot happen.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Connection, insert

from app.storage.models import AuditEvent, table_of

audit_events = table_of(AuditEvent)
_INSERT = insert(audit_events)


def record(connection: Connection, *, now: datetime, actor: str, action: str,
           conversation_id: uuid.UUID | None = None, escalation_id: int | None = None,
           purpose: str | None = None) -> None:
    """`actor` is "survivor", "system" or "advocate:<id>"; `purpose` is a code, not free text."""
    connection.execute(_INSERT, {
        "occurred_at": now, "actor": actor, "action": action,
        "conversation_id": conversation_id, "escalation_id": escalation_id,
        "purpose": purpose})


def staff(advocate_id: int) -> str:
    return f"advocate:{advocate_id}"


def account(advocate_id: int) -> str:
    """The purpose column of a row about an account (created, reset, disabled, its phone set)
    that someone else acted on: which account, by id, never its e-mail, which can change."""
    return f"{ACCOUNT}{advocate_id}"


ACCOUNT = "account:"
