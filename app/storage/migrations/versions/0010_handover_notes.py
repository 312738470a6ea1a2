"""handover notes: a case handed to a colleague carries a sealed note

Issue 20, item 6: the note is sealed under the conversation's data key and cascades with the
conversation, so erasure and retention destroy it like the messages.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 14:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'handover_notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('escalation_id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Uuid(), nullable=False),
        sa.Column('from_advocate', sa.Integer(), nullable=False),
        sa.Column('to_advocate', sa.Integer(), nullable=False),
        sa.Column('note_sealed', sa.LargeBinary(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_handover_notes_conversation_id_conversations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'],
                                name=op.f('fk_handover_notes_escalation_id_escalations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_handover_notes')),
    )
    op.create_index(op.f('ix_handover_notes_escalation_id'), 'handover_notes',
                    ['escalation_id'])
    op.create_index(op.f('ix_handover_notes_conversation_id'), 'handover_notes',
                    ['conversation_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_handover_notes_conversation_id'), table_name='handover_notes')
    op.drop_index(op.f('ix_handover_notes_escalation_id'), table_name='handover_notes')
    op.drop_table('handover_notes')
