"""Times read back from the database are UTC, always.

Everything is stored as UTC, but SQLite hands datetimes back without a time zone (PostgreSQL
keeps it); these two helpers make every time read from storage aware before it is compared.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def aware(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)
