"""The audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.models.base import Base


class AuditEvent(Base):
    """Who did what to which case, when and why. Never content, never a number.

    `conversation_id` is deliberately not a foreign key: the audit trail outlives a
    conversation that retention or erasure has destroyed.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    escalation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    purpose: Mapped[str | None] = mapped_column(String(200))
    # The hash chain (app/audit/chain.py): set shortly after the row is written, in id order,
    # each over the previous row's hash and this row's fields; None until then.
    row_hash: Mapped[str | None] = mapped_column(String(64))
