"""reads of a case's notes, risk assessments and referral reasons audited once per viewing

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 20:50:00

Issue 20 (follow-up, item 1): like the transcript (case_viewings), each kind of a case's sealed
records is audited once per staff session and purpose, not on every render of the case page.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'record_viewings',
        sa.Column('staff_session_id', sa.Integer(), nullable=False),
        sa.Column('escalation_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['staff_session_id'], ['staff_sessions.id'],
                                name=op.f('fk_record_viewings_staff_session_id_staff_sessions'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'],
                                name=op.f('fk_record_viewings_escalation_id_escalations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('staff_session_id', 'escalation_id', 'purpose', 'kind',
                                name=op.f('pk_record_viewings')),
    )
    op.create_index(op.f('ix_record_viewings_escalation_id'), 'record_viewings',
                    ['escalation_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_record_viewings_escalation_id'), table_name='record_viewings')
    op.drop_table('record_viewings')
