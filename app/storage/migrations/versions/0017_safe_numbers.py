"""safe numbers given in the web chat

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 17:50:00

Issue 19, item 4: a web chat survivor who asks to be texted or called gives a safe mobile
number; it is sealed in the conversation's contact_sealed like every number, and only its
keyed value is kept here, to match the first text from that phone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'safe_numbers',
        sa.Column('conversation_id', sa.Uuid(), nullable=False),
        sa.Column('contact_hash', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_safe_numbers_conversation_id_conversations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('conversation_id', name=op.f('pk_safe_numbers')),
    )
    op.create_index(op.f('ix_safe_numbers_contact_hash'), 'safe_numbers', ['contact_hash'])


def downgrade() -> None:
    op.drop_index(op.f('ix_safe_numbers_contact_hash'), table_name='safe_numbers')
    op.drop_table('safe_numbers')
