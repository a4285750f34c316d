"""cafe: cafe_line.refund and cafe_line.refundof (returned items, item.refund / item.refundof)

Revision ID: c81f2a6d5e07
Revises: a5f0c16a0c31
Create Date: 2026-12-06 03:35:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c81f2a6d5e07"
down_revision: str | Sequence[str] | None = "a5f0c16a0c31"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("cafe_line", sa.Column("refund", sa.Boolean(), nullable=False,
                                         server_default=sa.false()))
    op.add_column("cafe_line", sa.Column("refundof", ID, nullable=True))
    op.create_index(op.f("ix_cafe_line_refundof"), "cafe_line", ["refundof"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_cafe_line_refundof"), table_name="cafe_line")
    with op.batch_alter_table("cafe_line") as batch_op:
        batch_op.drop_column("refundof")
        batch_op.drop_column("refund")
