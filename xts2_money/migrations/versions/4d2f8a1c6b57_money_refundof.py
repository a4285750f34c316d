"""money: a refund payment names the payment it gives money back for

``item.refundof`` on a payment item (a refund of one payment, back the way it was taken: to the
card through its online payment method) is kept beside the payment, so what is left to give back
of a payment is one indexed sum.

Revision ID: 4d2f8a1c6b57
Revises: 8e6a3b0d4c92
Create Date: 2026-12-06 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4d2f8a1c6b57"
down_revision: str | Sequence[str] | None = "8e6a3b0d4c92"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("money_payment", sa.Column("refundof", sa.BigInteger(), nullable=True))
    op.create_index("ix_money_payment_refundof", "money_payment", ["refundof"])


def downgrade() -> None:
    op.drop_index("ix_money_payment_refundof", table_name="money_payment")
    op.drop_column("money_payment", "refundof")
