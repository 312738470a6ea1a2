"""the live case desk: viewings, read marks, automated replies' message ids

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 14:30:00

Issue 20, item 1: a case opened in a staff session is audited once for that session
(case_viewings); the queue marks cases with survivor messages an advocate has not read
(case_reads); automated replies keep their catalogue message ids, sealed, so the case page
shows them as one line (messages.flow_sealed).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flow_sealed', sa.LargeBinary(), nullable=True))
    op.create_table(
        'case_viewings',
        sa.Column('staff_session_id', sa.Integer(), nullable=False),
        sa.Column('escalation_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=32), nullable=False),
        sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['staff_session_id'], ['staff_sessions.id'],
                                name=op.f('fk_case_viewings_staff_session_id_staff_sessions'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'],
                                name=op.f('fk_case_viewings_escalation_id_escalations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('staff_session_id', 'escalation_id', 'purpose',
                                name=op.f('pk_case_viewings')),
    )
    op.create_index(op.f('ix_case_viewings_escalation_id'), 'case_viewings', ['escalation_id'])
    op.create_table(
        'case_reads',
        sa.Column('advocate_id', sa.Integer(), nullable=False),
        sa.Column('escalation_id', sa.Integer(), nullable=False),
        sa.Column('read_until', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['advocate_id'], ['advocates.id'],
                                name=op.f('fk_case_reads_advocate_id_advocates'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'],
                                name=op.f('fk_case_reads_escalation_id_escalations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('advocate_id', 'escalation_id', name=op.f('pk_case_reads')),
    )
    op.create_index(op.f('ix_case_reads_escalation_id'), 'case_reads', ['escalation_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_case_reads_escalation_id'), table_name='case_reads')
    op.drop_table('case_reads')
    op.drop_index(op.f('ix_case_viewings_escalation_id'), table_name='case_viewings')
    op.drop_table('case_viewings')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('flow_sealed')
