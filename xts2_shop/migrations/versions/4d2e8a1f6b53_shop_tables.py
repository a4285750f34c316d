"""shop tables: orders, their private links, new baskets per client address

Revision ID: 4d2e8a1f6b53
Revises:
Create Date: 2026-12-06 18:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xts2_core

revision: str = '4d2e8a1f6b53'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('shop',)
depends_on: str | Sequence[str] | None = '722e2adbdfe8'

BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        'shop_order',
        sa.Column('id', BigId, nullable=False),
        sa.Column('basket_id', sa.BigInteger(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('method', sa.String(length=32), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('created', xts2_core.UTCDateTime(), nullable=False),
        sa.Column('deadline', xts2_core.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_shop_order')),
        sa.UniqueConstraint('basket_id', name=op.f('uq_shop_order_basket_id')),
    )
    op.create_index(op.f('ix_shop_order_email'), 'shop_order', ['email'], unique=False)
    op.create_table(
        'shop_order_link',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('order_id', BigId, nullable=False),
        sa.Column('created', xts2_core.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'],
                                name=op.f('fk_shop_order_link_order_id_shop_order'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_shop_order_link')),
    )
    op.create_index(op.f('ix_shop_order_link_order_id'), 'shop_order_link', ['order_id'],
                    unique=False)
    op.create_table(
        'shop_rate',
        sa.Column('address', sa.String(length=100), nullable=False),
        sa.Column('window_start', xts2_core.UTCDateTime(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('address', name=op.f('pk_shop_rate')),
    )
    op.create_index(op.f('ix_shop_rate_window_start'), 'shop_rate', ['window_start'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_shop_rate_window_start'), table_name='shop_rate')
    op.drop_table('shop_rate')
    op.drop_index(op.f('ix_shop_order_link_order_id'), table_name='shop_order_link')
    op.drop_table('shop_order_link')
    op.drop_index(op.f('ix_shop_order_email'), table_name='shop_order')
    op.drop_table('shop_order')
