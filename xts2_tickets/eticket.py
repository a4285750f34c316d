"""Tickets to show: ``tickets/gettickets`` (docs/providers/tickets.md, "Tickets to show").

A closed basket's valid tickets, one per code, with what a ticket shows: its code, the show, the
performance's start, the ticket type, the price paid and the venue. The same command serves the
shop (in-process, for its order page and its confirmation mail) and the box-office client (over
HTTP, for **Print tickets**); ``format=pdf`` answers a PDF of them, one ticket a page, at A4 or
for an 80 mm receipt roll (``size``; :mod:`xts2_tickets.tickets_pdf`).

One statement reads them all, however many there are. ``getbasket`` is left as it was: it shows
the codes, and nothing here runs unless a ticket is asked for.

The venue printed on a ticket is the setting ``tickets.venue_name``, else the shop's
``shop.venue_name`` (a venue running the shop names itself once), else nothing.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa

from xts2_core import (
    Answer,
    Basket,
    BasketItem,
    Bool,
    Conflict,
    DateTimeText,
    E,
    Field,
    Id,
    Money,
    MoneyText,
    NotFound,
    Params,
    answers,
)

from .models import Performance, Show, TicketCode, TicketType

#: The settings naming the venue on a ticket, the first one set wins.
VENUE_SETTINGS = ("tickets.venue_name", "shop.venue_name")


class GetTicketsParams(Params):
    basket: Id = Field(description="The basket (its id): a closed basket's tickets are shown.")
    size: Literal["a4", "roll"] = Field("a4", description="With format=pdf: the page, A4 (a "
                                        "ticket a page) or an 80 mm receipt roll (a ticket a "
                                        "length of roll).")
    qr: Bool = Field(False, description="Each ticket's QR code too (qrpath, qrsize), for a "
                     "client that draws the tickets itself.")


class TicketOut(Answer):
    """One ticket: one code."""

    code: str = Field(description="The ticket's code, what the door scans (20 letters).")
    item: int = Field(description="The basket item that sold it.")
    number: int = Field(description="Which of the item's tickets it is, from 1.")
    of: int = Field(description="How many valid tickets the item has.")
    performance: int
    show: int
    showname: str
    start: DateTimeText
    tickettype: int
    tickettypename: str
    price: MoneyText = Field(description="What the ticket was sold for (the item's unit price).")
    admitted: DateTimeText | None = None
    qrsize: int | None = Field(None, description="With qr=true: the QR code's side in modules, "
                               "its quiet zone of 4 included.")
    qrpath: str | None = Field(None, description="With qr=true: the QR code's dark modules as "
                               "SVG path data in a viewBox of 0 0 qrsize qrsize (fill it).")


class TicketsOut(Answer):
    basket: int
    state: str = Field(description="The basket's state; only a closed basket has tickets.")
    venue: str | None = Field(None, description="The venue's name as tickets print it: the "
                              "setting tickets.venue_name, else shop.venue_name.")
    ticket: list[TicketOut]


class TicketsAnswer(Answer):
    tickets: TicketsOut


_T = TicketCode.__table__
_BASKET = sa.select(Basket.id, Basket.state).where(Basket.id == sa.bindparam("basket"))
#: A basket's valid codes with their ticket's show, performance, type and price; parameter
#: ``basket``.
TICKETS = (
    sa.select(_T.c.code, _T.c.item_id, _T.c.admitted, _T.c.performance_id, _T.c.tickettype_id,
              Performance.start, Performance.show_id, Show.name.label("showname"),
              TicketType.name.label("tickettypename"), BasketItem.unit_price)
    .join(Performance, Performance.id == _T.c.performance_id)
    .join(Show, Show.id == Performance.show_id)
    .join(TicketType, TicketType.id == _T.c.tickettype_id)
    .join(BasketItem, BasketItem.id == _T.c.item_id)
    .where(_T.c.basket_id == sa.bindparam("basket"), _T.c.voided.is_(None),
           BasketItem.basket_id == sa.bindparam("basket"))
    .order_by(Performance.start, _T.c.item_id, _T.c.id))


def qr_path(code: str) -> tuple[int, str]:
    """The QR code of ``code``: its side in modules (quiet zone included) and its dark modules as
    SVG path data, a rectangle per run of dark modules in a row."""
    import segno

    rows = list(segno.make(code, error="m", micro=False).matrix_iter(border=4))
    parts = []
    for y, row in enumerate(rows):
        x, row = 0, list(row)
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return len(rows), "".join(parts)


def venue_name(settings: Any) -> str | None:
    for key in VENUE_SETTINGS:
        value = str(settings.get(key) or "").strip()
        if value:
            return value
    return None


def tickets_of(request: Any, basket_id: int) -> tuple[str, list[dict[str, Any]]]:
    """The basket's state and its tickets (none unless it is closed), as dicts."""
    conn = request.dbsession.connection()
    basket = conn.execute(_BASKET, {"basket": basket_id}).first()
    if basket is None:
        raise NotFound(f"no basket {basket_id}", param="basket")
    if basket.state != "closed":
        return basket.state, []
    rows = conn.execute(TICKETS, {"basket": basket_id}).all()
    counts: dict[int, int] = {}
    for r in rows:
        counts[r.item_id] = counts.get(r.item_id, 0) + 1
    seen: dict[int, int] = {}
    out = []
    for r in rows:
        seen[r.item_id] = seen.get(r.item_id, 0) + 1
        out.append({"code": r.code, "item": r.item_id, "number": seen[r.item_id],
                    "of": counts[r.item_id], "performance": r.performance_id,
                    "show": r.show_id, "showname": r.showname, "start": r.start,
                    "tickettype": r.tickettype_id, "tickettypename": r.tickettypename,
                    "price": Money(r.unit_price), "admitted": r.admitted})
    return basket.state, out


@answers(TicketsAnswer)
def gettickets(request: Any, p: GetTicketsParams) -> Any:
    """``<tickets basket state venue><ticket code item number of performance show showname start
    tickettype tickettypename price admitted/>…</tickets>``: a closed basket's valid tickets, one
    per code (none for a basket not closed); ``format=pdf``: them as a PDF, a ticket a page."""
    from xts2_core.dispatch import wants

    state, tickets = tickets_of(request, p.basket)
    venue = venue_name(request.registry.settings)
    if wants(request) == "pdf":
        if not tickets:
            raise Conflict(f"basket {p.basket} has no tickets to print"
                           + ("" if state == "closed" else f" (it is {state}, not closed)"),
                           param="basket")
        from .tickets_pdf import pdf_response

        return pdf_response(request, p.basket, tickets, venue, p.size)
    if p.qr:
        for t in tickets:
            t["qrsize"], t["qrpath"] = qr_path(t["code"])
    return E("tickets", {"basket": p.basket, "state": state, "venue": venue},
             [E("ticket", t, many=True) for t in tickets], lists=("ticket",))
