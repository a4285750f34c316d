"""The tickets plugin's tables: shows, their performances and ticket types, and the seats each
ticket item holds (``tickets_ticket``, one row per basket item of type ``ticket``).

``tickets_ticket.quantity`` is signed: a refund (anti-ticket) is negative. Availability is counted
from these rows joined to their basket's state (see :mod:`xts2_tickets.counts`); the row goes when
its basket item goes (``ON DELETE CASCADE``), so removing an item or expiring a basket frees seats.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from xts2_core import Base, BigId, UTCDateTime


class Show(Base):
    """A show: what the publicity is about. Matched by name in season files."""

    __tablename__ = "tickets_show"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    publicity: Mapped[str] = mapped_column(sa.Text, default="")
    company: Mapped[str | None] = mapped_column(sa.String(200))
    #: Running time in minutes.
    runningtime: Mapped[int | None]
    ageguidance: Mapped[str | None] = mapped_column(sa.String(100))
    #: URL of a picture for the show.
    image: Mapped[str | None] = mapped_column(sa.String(500))
    #: URL of the show's own page.
    link: Mapped[str | None] = mapped_column(sa.String(500))


class Performance(Base):
    """One performance of a show; ``start`` is UTC. ``heldback`` seats are not for sale."""

    __tablename__ = "tickets_performance"
    __table_args__ = (sa.UniqueConstraint("show_id", "start"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    show_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets_show.id"))
    start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    capacity: Mapped[int]
    heldback: Mapped[int] = mapped_column(default=0)


class TicketType(Base):
    """A kind of ticket for a show (Adult, Concession) and its price in minor units."""

    __tablename__ = "tickets_tickettype"
    __table_args__ = (sa.UniqueConstraint("show_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    show_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets_show.id"))
    name: Mapped[str] = mapped_column(sa.String(100))
    price: Mapped[int] = mapped_column(sa.BigInteger)


class Ticket(Base):
    """The seats of one ``ticket`` basket item: signed ``quantity`` (refunds negative)."""

    __tablename__ = "tickets_ticket"
    __table_args__ = (
        sa.Index("ix_tickets_ticket_performance_tickettype", "performance_id", "tickettype_id",
                 "quantity"),
    )

    item_id: Mapped[int] = mapped_column(
        BigId, sa.ForeignKey("core_basket_item.id", ondelete="CASCADE"), primary_key=True)
    performance_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets_performance.id"))
    tickettype_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets_tickettype.id"))
    quantity: Mapped[int]
    #: For a refund made with ``item.refundof``: the ticket item it reverses (no foreign key: the
    #: original stays, as reopening its basket is refused while it has refunds). ``NULL`` for a
    #: sale and for a refund counted per performance and ticket type only.
    refundof: Mapped[int | None] = mapped_column(BigId, index=True)
