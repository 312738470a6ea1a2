"""Sends that happen exactly once, and the provider's copies of messages that must be deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.models.base import Base


class ProviderDeletion(Base):
    """A message whose copy at the provider must be deleted (erasure, later retention).

    Holds the provider's message id only: no link to the conversation, which is gone by the
    time this is worked on. `redacted` is set when the provider refused to delete a message
    that was not final yet and its body was blanked instead; the DELETE is tried again.
    """

    __tablename__ = "provider_deletions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_sid: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # pending, done, failed
    redacted: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    error_kind: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class ProviderSidClaim(Base):
    """A provider message id being claimed by an in-doubt row (app/outbound/exactly_once.py).

    Inserted and deleted in the one transaction that records the id on its row: the primary
    key makes a second row claiming the same message at the same instant wait for the first
    and then find it recorded. Empty outside those transactions."""

    __tablename__ = "provider_sid_claims"

    provider_sid: Mapped[str] = mapped_column(String(64), primary_key=True)


class SendUnderWay(Base):
    """A send request on its way to the provider (app/outbound/exactly_once.py): committed just
    before the request, deleted with its outcome. An in-doubt row reconciling against the
    provider's messages waits while a send to the same number is under way, because that
    send's message may already be at the provider and not yet recorded by its row. A worker
    that dies mid-request leaves its row here; it counts only until `until` (the lease's end)
    and is deleted by a later send. No number: `recipient` is the contact key's keyed value."""

    __tablename__ = "sends_under_way"

    row_table: Mapped[str] = mapped_column(String(32), primary_key=True)
    row_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(64), index=True)
    until: Mapped[datetime] = mapped_column(index=True)
