"""tickets: tickets_code, one code per ticket sold (issued when its basket closes; check-in)

Tickets sold before this revision get their codes here: one per ticket of every sale in a closed
basket, less the tickets that refunds naming the sale (``item.refundof``) gave back in closed
baskets. (A refund that names no item cannot tell whose ticket it returns: it voids no code.)

Revision ID: c5d8e2a94f17
Revises: 7b3e9d2c41a8
Create Date: 2026-12-07 10:00:00.000000
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import xts2_core

revision: str = "c5d8e2a94f17"
down_revision: str | Sequence[str] | None = "7b3e9d2c41a8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: The alphabet and length of xts2_tickets.codes as this revision issues them (copied, so the
#: revision does not change if the module ever does).
ALPHABET = "BCDEFGHJKNPRSTUVX"
LENGTH = 20


def _new_code() -> str:
    n = secrets.randbelow(len(ALPHABET) ** LENGTH)
    out = []
    for _ in range(LENGTH):
        n, digit = divmod(n, len(ALPHABET))
        out.append(ALPHABET[digit])
    return "".join(out)


def upgrade() -> None:
    code = op.create_table(
        "tickets_code",
        sa.Column("id", ID, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("item_id", ID, nullable=True),
        sa.Column("basket_id", ID, nullable=False),
        sa.Column("performance_id", ID, nullable=False),
        sa.Column("tickettype_id", ID, nullable=False),
        sa.Column("issued", xts2_core.UTCDateTime(), nullable=False),
        sa.Column("voided", xts2_core.UTCDateTime(), nullable=True),
        sa.Column("voided_why", sa.String(length=10), nullable=True),
        sa.Column("voided_by", ID, nullable=True),
        sa.Column("voided_in", ID, nullable=True),
        sa.Column("admitted", xts2_core.UTCDateTime(), nullable=True),
        sa.Column("admitted_terminal", ID, nullable=True),
        sa.Column("undone", xts2_core.UTCDateTime(), nullable=True),
        sa.Column("undone_terminal", ID, nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["core_basket_item.id"], ondelete="SET NULL",
                                name=op.f("fk_tickets_code_item_id_core_basket_item")),
        sa.ForeignKeyConstraint(["voided_by"], ["core_basket_item.id"], ondelete="SET NULL",
                                name=op.f("fk_tickets_code_voided_by_core_basket_item")),
        sa.ForeignKeyConstraint(
            ["performance_id"], ["tickets_performance.id"],
            name=op.f("fk_tickets_code_performance_id_tickets_performance")),
        sa.ForeignKeyConstraint(
            ["tickettype_id"], ["tickets_tickettype.id"],
            name=op.f("fk_tickets_code_tickettype_id_tickets_tickettype")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets_code")),
        sa.UniqueConstraint("code", name=op.f("uq_tickets_code_code")),
    )
    for column in ("item_id", "basket_id", "performance_id", "voided_in"):
        op.create_index(op.f(f"ix_tickets_code_{column}"), "tickets_code", [column],
                        unique=False)
    _issue_codes_of_earlier_sales(code)


def _issue_codes_of_earlier_sales(code: sa.Table) -> None:
    meta = sa.MetaData()
    basket = sa.Table("core_basket", meta, sa.Column("id", ID), sa.Column("state", sa.String),
                      sa.Column("closed", xts2_core.UTCDateTime()))
    item = sa.Table("core_basket_item", meta, sa.Column("id", ID), sa.Column("basket_id", ID))
    ticket = sa.Table("tickets_ticket", meta, sa.Column("item_id", ID),
                      sa.Column("performance_id", ID), sa.Column("tickettype_id", ID),
                      sa.Column("quantity", sa.Integer), sa.Column("refundof", ID))
    conn = op.get_bind()
    closed = basket.c.state == "closed"
    returned = dict(conn.execute(
        sa.select(ticket.c.refundof, sa.func.sum(-ticket.c.quantity))
        .join(item, item.c.id == ticket.c.item_id).join(basket, basket.c.id == item.c.basket_id)
        .where(closed, ticket.c.refundof.is_not(None)).group_by(ticket.c.refundof)).all())
    sales = conn.execute(
        sa.select(ticket.c.item_id, item.c.basket_id, ticket.c.performance_id,
                  ticket.c.tickettype_id, ticket.c.quantity, basket.c.closed)
        .join(item, item.c.id == ticket.c.item_id).join(basket, basket.c.id == item.c.basket_id)
        .where(closed, ticket.c.quantity > 0).order_by(ticket.c.item_id)).all()
    now = datetime.now(UTC)
    rows = []
    for item_id, basket_id, performance_id, tickettype_id, quantity, when in sales:
        for _ in range(max(0, quantity - int(returned.get(item_id) or 0))):
            rows.append({"code": _new_code(), "item_id": item_id, "basket_id": basket_id,
                         "performance_id": performance_id, "tickettype_id": tickettype_id,
                         "issued": when or now})
        if len(rows) >= 1000:
            conn.execute(code.insert(), rows)
            rows = []
    if rows:
        conn.execute(code.insert(), rows)


def downgrade() -> None:
    for column in ("voided_in", "performance_id", "basket_id", "item_id"):
        op.drop_index(op.f(f"ix_tickets_code_{column}"), table_name="tickets_code")
    op.drop_table("tickets_code")
