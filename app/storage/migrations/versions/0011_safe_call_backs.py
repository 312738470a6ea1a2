"""safe call-backs: the advocate's own phone (sealed) and the calls table

Issue 20, item 5: an advocate presses "Call now"; Twilio rings the advocate's phone and then
dials the survivor from the service's number. No number is stored in clear.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('advocates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_sealed', sa.LargeBinary(), nullable=True))
    op.create_table(
        'calls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('escalation_id', sa.Integer(), nullable=False),
        sa.Column('advocate_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('outcome', sa.String(length=24), nullable=True),
        sa.Column('stop_reason', sa.String(length=32), nullable=True),
        sa.Column('error_kind', sa.String(length=24), nullable=True),
        sa.Column('advocate_call_sid', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('dialled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'],
                                name=op.f('fk_calls_escalation_id_escalations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calls')),
    )
    op.create_index(op.f('ix_calls_escalation_id'), 'calls', ['escalation_id'])
    op.create_index('uq_calls_live', 'calls', ['escalation_id'], unique=True,
                    sqlite_where=sa.text("status != 'ended'"),
                    postgresql_where=sa.text("status != 'ended'"))


def downgrade() -> None:
    op.drop_index('uq_calls_live', table_name='calls')
    op.drop_index(op.f('ix_calls_escalation_id'), table_name='calls')
    op.drop_table('calls')
    with op.batch_alter_table('advocates', schema=None) as batch_op:
        batch_op.drop_column('phone_sealed')
