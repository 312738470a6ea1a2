"""response targets: cases left unclaimed past their target, and their re-alerts

Issue 20, item 6: an urgent or high case left unclaimed past its target is recorded once (and
re-alerted once, to each phone) per case and target, so the sweeper's state survives restarts.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'sla_breaches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('escalation_id', sa.Integer(), nullable=False),
        sa.Column('target', sa.String(length=16), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('breached_at', TIME, nullable=False),
        sa.Column('noticed_at', TIME, nullable=False),
        sa.Column('alerted_at', TIME, nullable=True),
        sa.Column('alert_result', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'],
                                name=op.f('fk_sla_breaches_escalation_id_escalations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_breaches')),
        sa.UniqueConstraint('escalation_id', 'target', name='uq_sla_breach'),
    )
    op.create_index(op.f('ix_sla_breaches_escalation_id'), 'sla_breaches', ['escalation_id'])
    op.create_table(
        'sla_alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('breach_id', sa.Integer(), nullable=False),
        sa.Column('target', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('lease_until', TIME, nullable=True),
        sa.Column('sending_started_at', TIME, nullable=True),
        sa.Column('next_attempt_at', TIME, nullable=True),
        sa.Column('provider_sid', sa.String(length=64), nullable=True),
        sa.Column('error_kind', sa.String(length=24), nullable=True),
        sa.Column('created_at', TIME, nullable=False),
        sa.Column('sent_at', TIME, nullable=True),
        sa.ForeignKeyConstraint(['breach_id'], ['sla_breaches.id'],
                                name=op.f('fk_sla_alerts_breach_id_sla_breaches'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_alerts')),
        sa.UniqueConstraint('breach_id', 'target', name='uq_sla_alert_target'),
    )
    op.create_index(op.f('ix_sla_alerts_breach_id'), 'sla_alerts', ['breach_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_sla_alerts_breach_id'), table_name='sla_alerts')
    op.drop_table('sla_alerts')
    op.drop_index(op.f('ix_sla_breaches_escalation_id'), table_name='sla_breaches')
    op.drop_table('sla_breaches')
