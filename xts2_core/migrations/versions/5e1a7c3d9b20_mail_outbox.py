"""mail outbox

Mail written in the transaction that decides to send it and sent after that transaction commits
(core_mail_outbox, the core's mail module): the whole message, its recipient, the attempts and when the
next may be made, when it was sent.

Revision ID: 5e1a7c3d9b20
Revises: 0b9e4d7c2a15
Create Date: 2026-12-06 17:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xts2_core

revision: str = '5e1a7c3d9b20'
down_revision: str | Sequence[str] | None = '0b9e4d7c2a15'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('core_mail_outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created', xts2_core.UTCDateTime(), nullable=False),
    sa.Column('to_addr', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('message', sa.LargeBinary(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt', xts2_core.UTCDateTime(), nullable=False),
    sa.Column('sent', xts2_core.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('basket_id', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_mail_outbox'))
    )
    with op.batch_alter_table('core_mail_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_mail_outbox_basket_id'), ['basket_id'], unique=False)
        batch_op.create_index('ix_core_mail_outbox_sent_next_attempt', ['sent', 'next_attempt'], unique=False)
        batch_op.create_index(batch_op.f('ix_core_mail_outbox_to_addr'), ['to_addr'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('core_mail_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_mail_outbox_to_addr'))
        batch_op.drop_index('ix_core_mail_outbox_sent_next_attempt')
        batch_op.drop_index(batch_op.f('ix_core_mail_outbox_basket_id'))

    op.drop_table('core_mail_outbox')
