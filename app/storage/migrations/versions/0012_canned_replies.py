"""canned replies staff edit: supervisors' edits and additions, every version kept

Issue 20, item 7: the catalogue's canned.* messages stay the defaults; a deployment's edits
and new replies live here, per language, each save a new version.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 14:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'canned_replies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('label', sa.String(length=80), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', TIME, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_canned_replies')),
        sa.UniqueConstraint('key', name=op.f('uq_canned_replies_key')),
    )
    op.create_table(
        'canned_reply_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('canned_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('text', sa.String(length=2000), nullable=False),
        sa.Column('edited_by', sa.Integer(), nullable=False),
        sa.Column('edited_at', TIME, nullable=False),
        sa.ForeignKeyConstraint(['canned_id'], ['canned_replies.id'],
                                name=op.f('fk_canned_reply_versions_canned_id_canned_replies'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_canned_reply_versions')),
        sa.UniqueConstraint('canned_id', 'language', 'version', name='uq_canned_reply_version'),
    )
    op.create_index(op.f('ix_canned_reply_versions_canned_id'), 'canned_reply_versions',
                    ['canned_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_canned_reply_versions_canned_id'),
                  table_name='canned_reply_versions')
    op.drop_table('canned_reply_versions')
    op.drop_table('canned_replies')
