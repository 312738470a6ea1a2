"""when a contact last erased a conversation, kept for a day

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 23:30:00

Issue 22 (soak findings): a spooled message the sweeper was replaying (or a request under way)
when its survivor erased the conversation could still be stored afterwards, in a new
conversation. The erasure now records when it happened for that contact (a keyed value and a
time, nothing else), and a message that arrived before it is not stored. The sweeper deletes
these rows after a day (app/lifecycle/erasure.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'contact_erasures',
        sa.Column('contact_hash', sa.String(length=64), nullable=False),
        sa.Column('erased_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('contact_hash', name=op.f('pk_contact_erasures')),
    )
    op.create_index(op.f('ix_contact_erasures_erased_at'), 'contact_erasures', ['erased_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_contact_erasures_erased_at'), table_name='contact_erasures')
    op.drop_table('contact_erasures')
