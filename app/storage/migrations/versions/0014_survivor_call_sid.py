"""calls.survivor_call_sid: the survivor's leg of a call-back, so erasure can delete it

Twilio keeps a record of each call, and the survivor's leg holds their number. The leg's id
(`DialCallSid`) is kept so that an erasure deletes Twilio's record of it, as it deletes the
messages (app/lifecycle/erasure.py, app/lifecycle/provider_copies.py).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('survivor_call_sid', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('survivor_call_sid')
