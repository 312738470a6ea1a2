"""staff sessions and recovery codes

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 11:40:00

Staff sessions (issue 23, item 12) are rows, so an advocate can list and end their own, and
only a person's action extends one; recovery codes (item 11) are one-time SHA-256 digests.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('advocate_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['advocate_id'], ['advocates.id'],
                                name=op.f('fk_recovery_codes_advocate_id_advocates'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
        sa.UniqueConstraint('advocate_id', 'code_hash', name='uq_recovery_codes_advocate_code'),
    )
    op.create_index(op.f('ix_recovery_codes_advocate_id'), 'recovery_codes', ['advocate_id'])
    op.create_table(
        'staff_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('advocate_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_action_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['advocate_id'], ['advocates.id'],
                                name=op.f('fk_staff_sessions_advocate_id_advocates'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_sessions')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_staff_sessions_token_hash')),
    )
    op.create_index(op.f('ix_staff_sessions_advocate_id'), 'staff_sessions', ['advocate_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_staff_sessions_advocate_id'), table_name='staff_sessions')
    op.drop_table('staff_sessions')
    op.drop_index(op.f('ix_recovery_codes_advocate_id'), table_name='recovery_codes')
    op.drop_table('recovery_codes')
