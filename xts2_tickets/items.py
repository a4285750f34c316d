"""Ticket items in baskets (``additem`` with ``type=ticket``, API.md §5).

The write path never oversells: the performance row is locked (``SELECT … FOR UPDATE``; SQLite
writers already hold the database through ``BEGIN IMMEDIATE``) before the seats are counted, and
the count, the item and its ``tickets_ticket`` row are written in the request's one transaction.

A refund is an anti-ticket: a negative quantity in ``tickets_ticket`` and a negative unit price on
the item. It may not return more tickets of a performance and ticket type than were sold, less
the refunds already waiting in open baskets.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from xts2_core import (
    Basket,
    BasketItem,
    Bool,
    E,
    Field,
    Id,
    Int,
    ItemRejected,
    ItemType,
    NewItem,
    NotFound,
    Params,
    for_update,
    is_sqlite,
    locks_enabled,
)

from .counts import SUMS_BY_PERFORMANCE_TICKETTYPE, SUMS_BY_TICKETTYPE, counts_of, is_past
from .labels import performance_label, tickets
from .models import Performance, Show, Ticket, TicketType

ITEM_TYPE = "ticket"

#: TEST ONLY: seconds to sleep between counting seats and handing the item back, so concurrency
#: tests can widen the race window. Never set it in production.
COUNT_DELAY_SETTING = "xts2.testing.tickets.count_delay"


class TicketItemParams(Params):
    """The ``item.*`` parameters of ``additem?type=ticket``."""

    performance: Id = Field(description="The performance (its id).")
    tickettype: Id = Field(description="The ticket type (its id); it must belong to the "
                           "performance's show.")
    quantity: Int = Field(1, ge=1, le=50, description="How many tickets.")
    refund: Bool = Field(False, description="An anti-ticket: gives back tickets sold of this "
                         "performance and ticket type (a negative value, lowering sold).")


ITEM = ItemType(ITEM_TYPE, TicketItemParams, "Ticket",
                "Seats at a performance, at the price of a ticket type of its show (or a refund "
                "of them). Rejected beyond what is available, or once the performance started "
                "more than 60 minutes ago.")


#: What a sale needs to know, in one statement: the performance (its row locked, as every writer
#: does before it counts), its show's name, and the ticket type asked for whatever its show (the
#: outer join finds it or not). Parameters ``performance``, ``tickettype``.
_SALE = (
    sa.select(Performance.id, Performance.show_id, Performance.start, Performance.capacity,
              Performance.heldback, Show.name.label("showname"),
              TicketType.id.label("tt_id"), TicketType.show_id.label("tt_show"),
              TicketType.name.label("tt_name"), TicketType.price.label("tt_price"))
    .join(Show, Show.id == Performance.show_id)
    .outerjoin(TicketType, TicketType.id == sa.bindparam("tickettype"))
    .where(Performance.id == sa.bindparam("performance")))
_SALE_LOCKED = _SALE.with_for_update(of=Performance)
#: A Core insert: the row is written at once, without a flush of the ORM's unit of work.
_TICKET = sa.insert(Ticket.__table__)


def validate_add_item(request: Any, basket: Basket, item_type: str, p: TicketItemParams
                      ) -> NewItem | None:
    """Lock the performance, count, and agree or refuse (``p``: the parsed ``item.*``)."""
    if item_type != ITEM_TYPE:
        return None
    db = request.dbsession
    now = request.now
    stmt = _SALE_LOCKED if locks_enabled(request) else _SALE
    perf = db.execute(stmt, {"performance": p.performance, "tickettype": p.tickettype}).first()
    if perf is None:
        raise NotFound(f"no performance {p.performance}", param="item.performance")
    label = performance_label(perf.showname, perf.start, request.tz)
    if perf.tt_id is None:
        raise NotFound(f"no ticket type {p.tickettype}", param="item.tickettype")
    if perf.tt_show != perf.show_id:
        other = db.get(Show, perf.tt_show)
        raise ItemRejected(f"Ticket type {perf.tt_name} ({perf.tt_id}) is for {other.name}, "
                           f"not for {perf.showname}", param="item.tickettype")

    by_type = {row.tickettype_id: row for row in db.execute(
        SUMS_BY_TICKETTYPE, {"now": now, "performance": perf.id})}
    if p.refund:
        row = by_type.get(perf.tt_id)
        refundable = max(0, int(row.sold) - int(row.refunding)) if row is not None else 0
        if p.quantity > refundable:
            if refundable == 0:
                raise ItemRejected(f"No {perf.tt_name} tickets for {label} are left to refund",
                                   param="item.quantity")
            raise ItemRejected(f"Only {tickets(refundable)} of type {perf.tt_name} for {label} "
                               f"can be refunded", param="item.quantity")
    else:
        if is_past(perf.start, now):
            raise ItemRejected(f"{label} started more than 60 minutes ago; its tickets are no "
                               "longer sold", param="item.performance")
        counts = counts_of(perf, None)
        counts.sold = sum(int(r.sold) for r in by_type.values())
        counts.reserved = sum(int(r.reserved) for r in by_type.values())
        if counts.available == 0:
            raise ItemRejected(f"{label} is sold out", param="item.performance")
        if p.quantity > counts.available:
            verb = "is" if counts.available == 1 else "are"
            raise ItemRejected(f"Only {tickets(counts.available)} {verb} available for {label}",
                               param="item.quantity")
    _test_race_window(request)

    description = f"{label}, {perf.tt_name}"
    return NewItem(
        quantity=p.quantity,
        unit_price=-perf.tt_price if p.refund else perf.tt_price,
        description=f"Refund: {description}" if p.refund else description,
        detail={"performance": perf.id, "show": perf.show_id, "showname": perf.showname,
                "start": perf.start.isoformat(), "tickettype": perf.tt_id,
                "tickettypename": perf.tt_name, "refund": p.refund},
    )


def _test_race_window(request: Any) -> None:
    """TEST ONLY: widen the window between counting and writing, for the race tests.

    - ``xts2.testing.tickets.count_delay`` (seconds) sleeps here, with or without locks.
    - Under ``xts2.testing.skip_locks`` on SQLite, restart the session's read snapshot after the
      sleep. Without ``BEGIN IMMEDIATE`` a SQLite writer reads in a deferred transaction, and
      SQLite itself refuses its write if another writer committed since its first read (the
      request is then replayed and counts again), so a race could never be seen. Restarting the
      snapshot (nothing has been written yet) lets the negative control oversell as PostgreSQL
      does without ``FOR UPDATE``.

    Neither setting is ever set in production; with both unset this does nothing.
    """
    settings = request.registry.settings
    delay = float(settings.get(COUNT_DELAY_SETTING) or 0)
    if delay > 0:
        time.sleep(delay)
    if not locks_enabled(request) and is_sqlite(request.dbsession):
        conn = request.dbsession.connection()
        conn.exec_driver_sql("COMMIT")
        conn.exec_driver_sql("BEGIN")


def item_added(request: Any, basket: Basket, item: BasketItem) -> None:
    """Record the seats of a new ticket item (negative for a refund)."""
    if item.type != ITEM_TYPE:
        return
    d = item.detail
    request.dbsession.execute(_TICKET, {
        "item_id": item.id, "performance_id": d["performance"], "tickettype_id": d["tickettype"],
        "quantity": -item.quantity if d.get("refund") else item.quantity})


def describe_item(request: Any, item: BasketItem) -> E | None:
    """``<ticket performance show showname start tickettype tickettypename refund/>`` from the
    item's snapshot alone (no query)."""
    if item.type != ITEM_TYPE:
        return None
    d = item.detail or {}
    start = d.get("start")
    return E("ticket", {
        "performance": d.get("performance"), "show": d.get("show"),
        "showname": d.get("showname"),
        "start": datetime.fromisoformat(start) if start else None,
        "tickettype": d.get("tickettype"), "tickettypename": d.get("tickettypename"),
        "refund": bool(d.get("refund")),
    })


def validate_open_basket(request: Any, basket: Basket) -> None:
    """Refuse to reopen a basket when that would count seats twice.

    Reopening turns the basket's tickets from sold into reserved, and its refunds from done into
    waiting (a waiting refund frees no seat). So it is refused

    - when its tickets were refunded in another basket since it closed (and other sales do not
      cover those refunds): ``sold`` would go below what was refunded, and removing the reopened
      tickets would then free seats that are not there;
    - when the seats its refunds gave back have been sold again: they would be taken twice.
    """
    db = request.dbsession
    rows = db.execute(
        sa.select(Ticket.performance_id, Ticket.tickettype_id, Ticket.quantity, BasketItem.detail)
        .join(BasketItem, BasketItem.id == Ticket.item_id)
        .where(BasketItem.basket_id == basket.id)).all()
    if not rows:
        return
    sales: dict[tuple[int, int], int] = defaultdict(int)
    refunds: dict[int, int] = defaultdict(int)
    labels: dict[Any, str] = {}
    for perf_id, tt_id, qty, detail in rows:
        label = performance_label(detail["showname"], datetime.fromisoformat(detail["start"]),
                                  request.tz)
        labels[perf_id] = label
        if qty > 0:
            sales[(perf_id, tt_id)] += qty
            labels[(perf_id, tt_id)] = f"{detail['tickettypename']} tickets for {label}"
        else:
            refunds[perf_id] -= qty
    perf_ids = sorted({r.performance_id for r in rows})
    perfs = {p.id: p for p in db.execute(
        for_update(request, sa.select(Performance).where(Performance.id.in_(perf_ids))
                   .order_by(Performance.id)).execution_options(populate_existing=True)
    ).scalars()}
    totals = {(r.performance_id, r.tickettype_id): r for r in db.execute(
        SUMS_BY_PERFORMANCE_TICKETTYPE, {"now": request.now, "ids": perf_ids})}
    for key, qty in sorted(sales.items()):
        row = totals.get(key)
        left = (int(row.sold) - int(row.refunding)) if row is not None else 0
        if left - qty < 0:
            raise ItemRejected(f"Basket {basket.id} cannot be reopened: {labels[key]} were "
                               "refunded in another basket since it closed")
    for perf_id, returned in sorted(refunds.items()):
        counts = counts_of(perfs[perf_id], None)
        for (p_id, _), row in totals.items():
            if p_id == perf_id:
                counts.sold += int(row.sold)
                counts.reserved += int(row.reserved)
        if returned > counts.available:
            raise ItemRejected(f"Basket {basket.id} cannot be reopened: the seats its refunds "
                               f"gave back for {labels[perf_id]} have been sold again")
