"""cafe tables: the stock list and the cafe line of each cafe basket item

Revision ID: a5f0c16a0c31
Revises: 
Create Date: 2026-11-28 20:43:56.284788
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a5f0c16a0c31'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('cafe',)
depends_on: str | Sequence[str] | None = '722e2adbdfe8'


def upgrade() -> None:
    op.create_table('cafe_stock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('loaded_level', sa.Integer(), nullable=True),
    sa.Column('onsale', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cafe_stock')),
    sa.UniqueConstraint('name', name=op.f('uq_cafe_stock_name'))
    )
    with op.batch_alter_table('cafe_stock', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cafe_stock_category'), ['category'], unique=False)

    op.create_table('cafe_line',
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('stock_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['core_basket_item.id'], name=op.f('fk_cafe_line_item_id_core_basket_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stock_id'], ['cafe_stock.id'], name=op.f('fk_cafe_line_stock_id_cafe_stock')),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_cafe_line'))
    )
    with op.batch_alter_table('cafe_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cafe_line_stock_id'), ['stock_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cafe_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cafe_line_stock_id'))

    op.drop_table('cafe_line')
    with op.batch_alter_table('cafe_stock', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cafe_stock_category'))

    op.drop_table('cafe_stock')
