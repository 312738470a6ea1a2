"""report counts kept at event time

Backfills the counters from what is still stored, so the report for months before the upgrade
is not empty: contacts, requests by priority and reason, outcomes and first-reply times.
Whether a past request came out of hours needs the deployment's opening hours, which a
migration does not have, so those months show the out-of-hours share as suppressed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 11:45:00
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

REPLY_BUCKETS = ((15, "under 15 minutes"), (60, "15 to 60 minutes"), (240, "1 to 4 hours"),
                 (1440, "4 to 24 hours"))
PRIORITY_NAMES = {1: "routine", 2: "high", 3: "urgent"}

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'report_counts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
        sa.Column('measure', sa.String(length=32), nullable=False),
        sa.Column('category', sa.String(length=64), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_counts')),
        sa.UniqueConstraint('hour', 'measure', 'category', name='uq_report_count'),
    )
    _backfill()


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every stored time is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _hour(moment: datetime) -> datetime:
    return _aware(moment).replace(minute=0, second=0, microsecond=0)


def _backfill() -> None:
    bind = op.get_bind()
    meta = sa.MetaData()
    conversations = sa.Table('conversations', meta, autoload_with=bind)
    escalations = sa.Table('escalations', meta, autoload_with=bind)
    replies = sa.Table('replies', meta, autoload_with=bind)
    counts = sa.Table('report_counts', meta, autoload_with=bind)
    tally: Counter[tuple[datetime, str, str]] = Counter()
    for channel, language, created in bind.execute(sa.select(
            conversations.c.channel, conversations.c.language, conversations.c.created_at)):
        tally[_hour(created), 'contact_channel', channel] += 1
        tally[_hour(created), 'contact_language', language or 'unknown'] += 1
    first = dict(bind.execute(sa.select(replies.c.escalation_id, sa.func.min(
        replies.c.created_at)).group_by(replies.c.escalation_id)).all())
    for case_id, priority, reasons, created, status, reason in bind.execute(sa.select(
            escalations.c.id, escalations.c.priority, escalations.c.reasons,
            escalations.c.created_at, escalations.c.status, escalations.c.closed_reason)):
        hour = _hour(created)
        tally[hour, 'case_priority', PRIORITY_NAMES.get(priority, 'routine')] += 1
        for code in (json.loads(reasons) if isinstance(reasons, str) else reasons) or ():
            tally[hour, 'case_reason', str(code)[:64]] += 1
        if status == 'closed':
            tally[hour, 'outcome', (reason or 'closed')[:64]] += 1
        if case_id in first:
            minutes = (_aware(first[case_id]) - _aware(created)).total_seconds() / 60
            bucket = next((name for limit, name in REPLY_BUCKETS if minutes < limit),
                          'over 24 hours')
            tally[hour, 'first_reply', bucket] += 1
    if tally:
        op.bulk_insert(counts, [{'hour': hour, 'measure': measure, 'category': category,
                                 'count': n} for (hour, measure, category), n in tally.items()])


def downgrade() -> None:
    op.drop_table('report_counts')
