"""escalations.flood_lead_id: one case per burst of new chats from one address

A burst of new web chats from one network address over its allowance made one case per chat;
now each later case points at the burst's first case and is listed under it (issue 23,
item 7; app/conversation/floods.py).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flood_lead_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_escalations_flood_lead_id'), ['flood_lead_id'],
                              unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_escalations_flood_lead_id_escalations'), 'escalations',
            ['flood_lead_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_escalations_flood_lead_id_escalations'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_escalations_flood_lead_id'))
        batch_op.drop_column('flood_lead_id')
