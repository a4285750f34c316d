"""money: what the payment service charged for taking a payment

``item.fee`` on a payment item (Stripe's fee of a card payment taken online) is kept beside the
payment, so takings sum it in the same grouped query as the amounts.

Revision ID: c7e1d5a3f820
Revises: 4d2f8a1c6b57
Create Date: 2026-12-06 23:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c7e1d5a3f820"
down_revision: str | Sequence[str] | None = "4d2f8a1c6b57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("money_payment", sa.Column("fee", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("money_payment", "fee")
