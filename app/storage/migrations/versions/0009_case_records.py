"""case records: notes, DASH risk assessments, the consent ledger, referrals

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 14:30:00

Issue 20, items 2-4. Each record belongs to a case and, when sealed under the conversation's
data key, to the conversation too (ON DELETE CASCADE: an erasure takes it with the key). A
deployment that keeps notes after erasure seals them under the case's own key
(`case_record_keys`) and leaves `conversation_id` empty. `escalations.erased_records` holds the
counts a tombstone keeps ("2 notes existed").
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

RECORD_TABLES = ('case_notes', 'risk_assessments', 'consent_events', 'referrals')


def _owners(table: str) -> list[Any]:
    """The id, the case and (when sealed under its key) the conversation a record belongs to."""
    return [
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('escalation_id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f(f'fk_{table}_conversation_id_conversations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'],
                                name=op.f(f'fk_{table}_escalation_id_escalations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    ]


def upgrade() -> None:
    op.create_table(
        'case_record_keys',
        sa.Column('escalation_id', sa.Integer(), nullable=False),
        sa.Column('wrapped_key', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'],
                                name=op.f('fk_case_record_keys_escalation_id_escalations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('escalation_id', name=op.f('pk_case_record_keys')),
    )
    op.create_table(
        'case_notes', *_owners('case_notes'),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('sealed_under', sa.String(length=16), nullable=False),
        sa.Column('body_sealed', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        'risk_assessments', *_owners('risk_assessments'),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('checklist', sa.String(length=64), nullable=False),
        sa.Column('sealed_under', sa.String(length=16), nullable=False),
        sa.Column('answers_sealed', sa.LargeBinary(), nullable=False),
        sa.Column('judgement_sealed', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        'consent_events', *_owners('consent_events'),
        sa.Column('agency', sa.String(length=32), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('source', sa.String(length=24), nullable=False),
        sa.Column('shares', sa.JSON(), nullable=False),
        sa.Column('stated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recorded_by', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        'referrals', *_owners('referrals'),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('agency', sa.String(length=32), nullable=False),
        sa.Column('referred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('basis', sa.String(length=24), nullable=False),
        sa.Column('consent_event_id', sa.Uuid(), nullable=True),
        sa.Column('sealed_under', sa.String(length=16), nullable=False),
        sa.Column('reason_sealed', sa.LargeBinary(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['consent_event_id'], ['consent_events.id'],
                                name=op.f('fk_referrals_consent_event_id_consent_events'),
                                ondelete='CASCADE'),
    )
    for table in RECORD_TABLES:
        for column in ('conversation_id', 'escalation_id'):
            op.create_index(op.f(f'ix_{table}_{column}'), table, [column])
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_records', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_column('erased_records')
    for table in reversed(RECORD_TABLES):
        for column in ('conversation_id', 'escalation_id'):
            op.drop_index(op.f(f'ix_{table}_{column}'), table_name=table)
        op.drop_table(table)
    op.drop_table('case_record_keys')
