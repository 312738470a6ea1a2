"""the page token of a web chat that joined its safe number

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 02:45:00

A web chat that joined the safe number it gave became the number's SMS conversation, and the
page's "delete this conversation" no longer found it: the page said "deleted" and the
transcript stayed. The token's keyed value is kept here with the conversation (nothing else),
so the page's delete still finds it (app/conversation/chat_sessions.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'joined_chats',
        sa.Column('conversation_id', sa.Uuid(), nullable=False),
        sa.Column('contact_hash', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_joined_chats_conversation_id_conversations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('conversation_id', name=op.f('pk_joined_chats')),
    )
    op.create_index(op.f('ix_joined_chats_contact_hash'), 'joined_chats', ['contact_hash'])


def downgrade() -> None:
    op.drop_index(op.f('ix_joined_chats_contact_hash'), table_name='joined_chats')
    op.drop_table('joined_chats')
