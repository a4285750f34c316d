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


class TicketCode(Base):
    """The code of one ticket: what its holder shows at the door (see :mod:`xts2_tickets.codes`).

    Issued when the basket that sells the ticket closes, one per ticket (an item of quantity 3
    has three). ``item_id`` is the sale; the database sets it to ``NULL`` when the item goes
    (removed from a reopened basket): the code stays, and is voided when that basket closes
    again, so the door can say "given back" rather than "unknown". ``basket_id`` is the basket
    the code was last closed in (no foreign key: kept for what the door says, and never a basket
    that closed while the code's item is elsewhere).

    ``voided``: no longer valid, since then, ``voided_why`` (``refund`` or ``removed``) and
    ``voided_in`` the basket whose close voided it; ``voided_by`` the refund item (``NULL`` once
    that item is removed, so a reopened refund basket that closes without it gives the codes
    back). ``admitted``/``admitted_terminal``: when and where the door let it in (the first scan
    wins: a conditional ``UPDATE``); ``undone``/``undone_terminal``: the last admission undone.
    """

    __tablename__ = "tickets_code"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    item_id: Mapped[int | None] = mapped_column(
        BigId, sa.ForeignKey("core_basket_item.id", ondelete="SET NULL"), index=True)
    basket_id: Mapped[int] = mapped_column(BigId, index=True)
    performance_id: Mapped[int] = mapped_column(
        BigId, sa.ForeignKey("tickets_performance.id"), index=True)
    tickettype_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("tickets_tickettype.id"))
    issued: Mapped[datetime] = mapped_column(UTCDateTime)
    voided: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_why: Mapped[str | None] = mapped_column(sa.String(10))
    voided_by: Mapped[int | None] = mapped_column(
        BigId, sa.ForeignKey("core_basket_item.id", ondelete="SET NULL"))
    voided_in: Mapped[int | None] = mapped_column(BigId, index=True)
    admitted: Mapped[datetime | None] = mapped_column(UTCDateTime)
    admitted_terminal: Mapped[int | None] = mapped_column(BigId)
    undone: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_terminal: Mapped[int | None] = mapped_column(BigId)
