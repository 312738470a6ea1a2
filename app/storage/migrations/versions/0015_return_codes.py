"""return codes for the web chat

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 14:40:00

Issue 19, item 4: a survivor who leaves the web chat can come back with a code of three words;
only its keyed value is stored, with the conversation, until it expires.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'return_codes',
        sa.Column('conversation_id', sa.Uuid(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_return_codes_conversation_id_conversations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('conversation_id', name=op.f('pk_return_codes')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_return_codes_code_hash')),
    )
    op.create_index(op.f('ix_return_codes_expires_at'), 'return_codes', ['expires_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_return_codes_expires_at'), table_name='return_codes')
    op.drop_table('return_codes')
