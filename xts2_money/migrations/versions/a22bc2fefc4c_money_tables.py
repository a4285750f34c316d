"""money tables: payment types, what each terminal accepts, and the payments for takings

Revision ID: a22bc2fefc4c
Revises: 
Create Date: 2026-11-28 20:45:11.193218
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xts2_core

revision: str = 'a22bc2fefc4c'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('money',)
depends_on: str | Sequence[str] | None = '722e2adbdfe8'


def upgrade() -> None:
    op.create_table('money_paymenttype',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_paymenttype')),
    sa.UniqueConstraint('code', name=op.f('uq_money_paymenttype_code'))
    )
    op.create_table('money_terminal_paymenttype',
    sa.Column('terminal_id', sa.Integer(), nullable=False),
    sa.Column('paymenttype_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['paymenttype_id'], ['money_paymenttype.id'], name=op.f('fk_money_terminal_paymenttype_paymenttype_id_money_paymenttype'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['terminal_id'], ['core_terminal.id'], name=op.f('fk_money_terminal_paymenttype_terminal_id_core_terminal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('terminal_id', 'paymenttype_id', name=op.f('pk_money_terminal_paymenttype'))
    )
    with op.batch_alter_table('money_terminal_paymenttype', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_terminal_paymenttype_paymenttype_id'), ['paymenttype_id'], unique=False)

    op.create_table('money_payment',
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('paymenttype_id', sa.Integer(), nullable=False),
    sa.Column('terminal_id', sa.Integer(), nullable=False),
    sa.Column('added', xts2_core.UTCDateTime(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('refund', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['core_basket_item.id'], name=op.f('fk_money_payment_item_id_core_basket_item')),
    sa.ForeignKeyConstraint(['paymenttype_id'], ['money_paymenttype.id'], name=op.f('fk_money_payment_paymenttype_id_money_paymenttype')),
    sa.ForeignKeyConstraint(['terminal_id'], ['core_terminal.id'], name=op.f('fk_money_payment_terminal_id_core_terminal')),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_money_payment'))
    )
    with op.batch_alter_table('money_payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_payment_added'), ['added'], unique=False)
        batch_op.create_index('ix_money_payment_terminal_added', ['terminal_id', 'added'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('money_payment', schema=None) as batch_op:
        batch_op.drop_index('ix_money_payment_terminal_added')
        batch_op.drop_index(batch_op.f('ix_money_payment_added'))

    op.drop_table('money_payment')
    with op.batch_alter_table('money_terminal_paymenttype', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_money_terminal_paymenttype_paymenttype_id'))

    op.drop_table('money_terminal_paymenttype')
    op.drop_table('money_paymenttype')
