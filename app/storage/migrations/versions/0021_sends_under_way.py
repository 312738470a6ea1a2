"""a send request under way, so an in-doubt row never takes its message

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 02:30:00

Issue 22 (soak findings): an in-doubt row reconciling against the provider's messages matched
them by number and text, so it could take a message another row with the same words had just
sent and not yet recorded; both rows then recorded one message, and the in-doubt row's own was
never sent. A send now writes a row here (the table and row, the contact key's value of the
number, the lease's end) before its request and deletes it with the outcome; a reconciling row
waits while one to the same number is under way (app/outbound/exactly_once.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sends_under_way',
        sa.Column('row_table', sa.String(length=32), nullable=False),
        sa.Column('row_id', sa.Integer(), nullable=False),
        sa.Column('recipient', sa.String(length=64), nullable=False),
        sa.Column('until', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('row_table', 'row_id', name=op.f('pk_sends_under_way')),
    )
    op.create_index(op.f('ix_sends_under_way_recipient'), 'sends_under_way', ['recipient'])
    op.create_index(op.f('ix_sends_under_way_until'), 'sends_under_way', ['until'])


def downgrade() -> None:
    op.drop_index(op.f('ix_sends_under_way_until'), table_name='sends_under_way')
    op.drop_index(op.f('ix_sends_under_way_recipient'), table_name='sends_under_way')
    op.drop_table('sends_under_way')
