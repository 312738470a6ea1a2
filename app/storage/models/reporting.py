"""Counts for the partnership's report (no content, no identifiers)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.models.base import Base


class ReportCount(Base):
    """The partnership report's counts, kept at the moment each event happens.

    Counts only, per UTC hour: no conversation, case, advocate or contact is named, so the
    retention purge (which destroys conversations) leaves last year's figures in place.
    Written in the same transaction as the event it counts (see `app.storage.tallies`).
    """

    __tablename__ = "report_counts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hour: Mapped[datetime]  # the start of the UTC hour the counted event belongs to
    measure: Mapped[str] = mapped_column(String(32))  # e.g. contact_channel, outcome
    category: Mapped[str] = mapped_column(String(64))  # e.g. sms, supported
    count: Mapped[int] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("hour", "measure", "category", name="uq_report_count"),)
