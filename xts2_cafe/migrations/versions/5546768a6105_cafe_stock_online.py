"""cafe: cafe_stock.online (stock items the online shop offers; off by default)

Revision ID: 5546768a6105
Revises: 5d2c8e1f9a47
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5546768a6105"
down_revision: str | Sequence[str] | None = "5d2c8e1f9a47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cafe_stock", sa.Column("online", sa.Boolean(), nullable=False,
                                          server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("cafe_stock") as batch_op:
        batch_op.drop_column("online")
