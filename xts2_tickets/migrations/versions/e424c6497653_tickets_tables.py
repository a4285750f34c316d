"""tickets tables: shows, performances, ticket types and the seats of ticket items

Revision ID: e424c6497653
Revises: (base of the tickets branch; depends on core 722e2adbdfe8)
Create Date: 2026-11-28 20:46:16.711234
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xts2_core

revision: str = "e424c6497653"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("tickets",)
depends_on: str | Sequence[str] | None = "722e2adbdfe8"

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tickets_show",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("publicity", sa.Text(), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("runningtime", sa.Integer(), nullable=True),
        sa.Column("ageguidance", sa.String(length=100), nullable=True),
        sa.Column("image", sa.String(length=500), nullable=True),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets_show")),
        sa.UniqueConstraint("name", name=op.f("uq_tickets_show_name")),
    )
    op.create_table(
        "tickets_performance",
        sa.Column("id", ID, nullable=False),
        sa.Column("show_id", ID, nullable=False),
        sa.Column("start", xts2_core.UTCDateTime(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("heldback", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["show_id"], ["tickets_show.id"],
                                name=op.f("fk_tickets_performance_show_id_tickets_show")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets_performance")),
        sa.UniqueConstraint("show_id", "start", name=op.f("uq_tickets_performance_show_id")),
    )
    op.create_index(op.f("ix_tickets_performance_start"), "tickets_performance", ["start"],
                    unique=False)
    op.create_table(
        "tickets_tickettype",
        sa.Column("id", ID, nullable=False),
        sa.Column("show_id", ID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["show_id"], ["tickets_show.id"],
                                name=op.f("fk_tickets_tickettype_show_id_tickets_show")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets_tickettype")),
        sa.UniqueConstraint("show_id", "name", name=op.f("uq_tickets_tickettype_show_id")),
    )
    op.create_table(
        "tickets_ticket",
        sa.Column("item_id", ID, nullable=False),
        sa.Column("performance_id", ID, nullable=False),
        sa.Column("tickettype_id", ID, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["core_basket_item.id"], ondelete="CASCADE",
                                name=op.f("fk_tickets_ticket_item_id_core_basket_item")),
        sa.ForeignKeyConstraint(
            ["performance_id"], ["tickets_performance.id"],
            name=op.f("fk_tickets_ticket_performance_id_tickets_performance")),
        sa.ForeignKeyConstraint(
            ["tickettype_id"], ["tickets_tickettype.id"],
            name=op.f("fk_tickets_ticket_tickettype_id_tickets_tickettype")),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_tickets_ticket")),
    )
    op.create_index("ix_tickets_ticket_performance_tickettype", "tickets_ticket",
                    ["performance_id", "tickettype_id", "quantity"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_tickets_ticket_performance_tickettype", table_name="tickets_ticket")
    op.drop_table("tickets_ticket")
    op.drop_table("tickets_tickettype")
    op.drop_index(op.f("ix_tickets_performance_start"), table_name="tickets_performance")
    op.drop_table("tickets_performance")
    op.drop_table("tickets_show")
