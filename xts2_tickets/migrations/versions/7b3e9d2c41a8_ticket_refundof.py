"""tickets: tickets_ticket.refundof, the ticket item a refund reverses (item.refundof)

Revision ID: 7b3e9d2c41a8
Revises: e424c6497653
Create Date: 2026-12-06 03:35:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7b3e9d2c41a8"
down_revision: str | Sequence[str] | None = "e424c6497653"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("tickets_ticket", sa.Column("refundof", ID, nullable=True))
    op.create_index(op.f("ix_tickets_ticket_refundof"), "tickets_ticket", ["refundof"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_tickets_ticket_refundof"), table_name="tickets_ticket")
    with op.batch_alter_table("tickets_ticket") as batch_op:
        batch_op.drop_column("refundof")
