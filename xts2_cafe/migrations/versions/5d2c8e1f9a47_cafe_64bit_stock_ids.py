"""cafe: 64-bit stock ids

Ids are 64-bit in the API: looking up a stock item by an id above 2^31-1 failed with a database
error (found by fuzzing) instead of not_found.

Revision ID: 5d2c8e1f9a47
Revises: c81f2a6d5e07
Create Date: 2026-12-06 07:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d2c8e1f9a47"
down_revision: str | Sequence[str] | None = "c81f2a6d5e07"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The id columns that were INTEGER (32-bit) on PostgreSQL. On SQLite INTEGER is 64-bit already.
COLUMNS = [("cafe_stock", "id"), ("cafe_line", "stock_id")]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in COLUMNS:
            op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in COLUMNS:
            op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger())
