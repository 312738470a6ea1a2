"""provider message ids unique per conversation, not globally

A web page chooses its own message ids, so an id another conversation already used must be a
new message there, never a retry answered with that conversation's reply (issue 23, item 8).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 11:20:00
"""

from __future__ import annotations

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # On SQLite this rebuilds the messages table; env.py turns foreign keys off around the
    # migrations, or dropping the old table would cascade to the replies that point at it.
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint('uq_messages_provider_sid', type_='unique')
        batch_op.create_unique_constraint('uq_messages_conversation_provider_sid',
                                          ['conversation_id', 'provider_sid'])


def downgrade() -> None:
    # Fails if two conversations now share an id: the older rule cannot hold them both.
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint('uq_messages_conversation_provider_sid', type_='unique')
        batch_op.create_unique_constraint('uq_messages_provider_sid', ['provider_sid'])
