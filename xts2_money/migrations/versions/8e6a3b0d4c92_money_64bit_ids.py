"""money: 64-bit payment type and terminal ids

Ids are 64-bit in the API: looking up a payment type or terminal by an id above 2^31-1 failed with a database
error (found by fuzzing) instead of not_found.

Revision ID: 8e6a3b0d4c92
Revises: a22bc2fefc4c
Create Date: 2026-12-06 07:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8e6a3b0d4c92"
down_revision: str | Sequence[str] | None = "a22bc2fefc4c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The id columns that were INTEGER (32-bit) on PostgreSQL. On SQLite INTEGER is 64-bit already.
COLUMNS = [("money_paymenttype", "id"), ("money_terminal_paymenttype", "terminal_id"),
           ("money_terminal_paymenttype", "paymenttype_id"), ("money_payment", "paymenttype_id"),
           ("money_payment", "terminal_id")]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in COLUMNS:
            op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in COLUMNS:
            op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger())
