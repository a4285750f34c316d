"""online payments

Payments under way through a payment method (register_payment_methods): method, amount, basket,
the service's reference, state, and the bound up to which each holds its basket.

Revision ID: 9c4f2b7e1d36
Revises: 5e1a7c3d9b20
Create Date: 2026-12-06 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xts2_core

revision: str = '9c4f2b7e1d36'
down_revision: str | Sequence[str] | None = '5e1a7c3d9b20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        'core_online_payment',
        sa.Column('id', BigId, nullable=False),
        sa.Column('basket_id', sa.BigInteger(), nullable=False),
        sa.Column('terminal_id', sa.BigInteger(), nullable=False),
        sa.Column('method', sa.String(length=32), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('reference', sa.String(length=200), nullable=True),
        sa.Column('payer', sa.String(length=100), nullable=True),
        sa.Column('email', sa.String(length=320), nullable=True),
        sa.Column('created', xts2_core.UTCDateTime(), nullable=False),
        sa.Column('updated', xts2_core.UTCDateTime(), nullable=False),
        sa.Column('hold_until', xts2_core.UTCDateTime(), nullable=False),
        sa.Column('item_id', sa.BigInteger(), nullable=True),
        sa.Column('message', sa.String(length=500), nullable=True),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_core_online_payment')),
    )
    op.create_index(op.f('ix_core_online_payment_basket_id'), 'core_online_payment',
                    ['basket_id'], unique=False)
    op.create_index('ix_core_online_payment_state_hold', 'core_online_payment',
                    ['state', 'hold_until'], unique=False)
    op.create_index('ix_core_online_payment_method_reference', 'core_online_payment',
                    ['method', 'reference'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_core_online_payment_method_reference', table_name='core_online_payment')
    op.drop_index('ix_core_online_payment_state_hold', table_name='core_online_payment')
    op.drop_index(op.f('ix_core_online_payment_basket_id'), table_name='core_online_payment')
    op.drop_table('core_online_payment')
