"""core: 64-bit terminal ids

Ids are 64-bit in the API: looking up a terminal by an id above 2^31-1 failed with a database
error (found by fuzzing) instead of not_found.

Revision ID: 0b9e4d7c2a15
Revises: f3a1c9e2b7d4
Create Date: 2026-12-06 07:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0b9e4d7c2a15"
down_revision: str | Sequence[str] | None = "f3a1c9e2b7d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The id columns that were INTEGER (32-bit) on PostgreSQL. On SQLite INTEGER is 64-bit already.
COLUMNS = [("core_terminal", "id"), ("core_basket", "terminal_id"),
           ("core_basket_item", "terminal_id"), ("core_operation", "terminal_id")]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in COLUMNS:
            op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in COLUMNS:
            op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger())
