"""a provider message id is claimed by one in-doubt row at a time

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 23:20:00

Issue 22 (soak findings): two in-doubt rows with the same text to the same number, reconciled
at the same instant, could both take one message at the provider. The claim of a found message
now inserts its id here first (a primary key) in the transaction that records it on its row,
and deletes it again before the commit (app/outbound/exactly_once.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'provider_sid_claims',
        sa.Column('provider_sid', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('provider_sid', name=op.f('pk_provider_sid_claims')),
    )


def downgrade() -> None:
    op.drop_table('provider_sid_claims')
