"""Ticket items in baskets (``additem`` with ``type=ticket``, API.md §5).

The write path never oversells: the performance row is locked (``SELECT … FOR UPDATE``; SQLite
writers already hold the database through ``BEGIN IMMEDIATE``) before the seats are counted, and
the count, the item and its ``tickets_ticket`` row are written in the request's one transaction.

A refund is an anti-ticket: a negative quantity in ``tickets_ticket`` and a negative unit price on
the item. It may not return more tickets of a performance and ticket type than were sold, less
the refunds already waiting in open baskets. A refund that names the item it reverses
(``item.refundof``) takes its performance, ticket type and unit price from that item, and may not
return more than that item sold less its refunds already waiting or done; the original's
``<ticket>`` then shows ``refunded`` and ``refunding`` (counted once per rendered basket).
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from xts2_core import (
    BadParam,
    Basket,
    BasketItem,
    BasketRefunds,
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
    UTCDateTime,
    for_update,
    is_sqlite,
    locks_enabled,
)

from .codes import CODES
from .counts import SUMS_BY_PERFORMANCE_TICKETTYPE, SUMS_BY_TICKETTYPE, counts_of, is_past
from .labels import performance_label, tickets
from .models import Performance, Show, Ticket, TicketType

ITEM_TYPE = "ticket"

#: TEST ONLY: seconds to sleep between counting seats and handing the item back, so concurrency
#: tests can widen the race window. Never set it in production.
COUNT_DELAY_SETTING = "xts2.testing.tickets.count_delay"


class TicketItemParams(Params):
    """The ``item.*`` parameters of ``additem?type=ticket``."""

    performance: Id | None = Field(None, description="The performance (its id). Required, "
                                   "unless item.refundof names the item refunded (then, if "
                                   "given, it must be that item's).")
    tickettype: Id | None = Field(None, description="The ticket type (its id); it must belong "
                                  "to the performance's show. Required, unless item.refundof "
                                  "names the item refunded (then, if given, it must be that "
                                  "item's).")
    quantity: Int = Field(1, ge=1, le=50, description="How many tickets.")
    refund: Bool = Field(False, description="An anti-ticket: gives back tickets sold of this "
                         "performance and ticket type (a negative value, lowering sold).")
    refundof: Id | None = Field(None, description="The ticket item (its id, in a closed basket) "
                                "this refund reverses; implies item.refund. At most what that "
                                "item sold, less its refunds waiting or done, can be refunded; "
                                "its unit price is refunded.")


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


#: The item a refund names (``item.refundof``), its basket's state and its seats; parameter
#: ``item``.
_ORIGINAL = (
    sa.select(BasketItem.id, BasketItem.type, BasketItem.basket_id, BasketItem.quantity,
              BasketItem.unit_price, BasketItem.description, BasketItem.detail,
              Basket.state, Basket.expires,
              Ticket.performance_id, Ticket.tickettype_id, Ticket.quantity.label("seats"))
    .join(Basket, Basket.id == BasketItem.basket_id)
    .outerjoin(Ticket, Ticket.item_id == BasketItem.id)
    .where(BasketItem.id == sa.bindparam("item")))
#: How many tickets refunds of the items of one basket return, per original item, split into
#: ``refunded`` (closed baskets) and ``refunding`` (live open baskets); parameters ``now`` and
#: either ``item`` (one original) or ``basket`` (every ticket item of a basket).
_Original = aliased(BasketItem)


def _refunds_query(where: Any) -> Any:
    closed = Basket.state == "closed"
    return (
        sa.select(Ticket.refundof,
                  sa.func.coalesce(sa.func.sum(sa.case((closed, -Ticket.quantity), else_=0)), 0)
                  .label("refunded"),
                  sa.func.coalesce(sa.func.sum(sa.case((closed, 0), else_=-Ticket.quantity)), 0)
                  .label("refunding"))
        .join(BasketItem, BasketItem.id == Ticket.item_id)
        .join(Basket, Basket.id == BasketItem.basket_id)
        .where(Basket.not_expired(sa.bindparam("now", type_=UTCDateTime())), where)
        .group_by(Ticket.refundof))


REFUNDS_OF_ITEM = _refunds_query(Ticket.refundof == sa.bindparam("item"))
REFUNDS_OF_BASKET = _refunds_query(Ticket.refundof.in_(
    sa.select(_Original.id).where(_Original.basket_id == sa.bindparam("basket"))))


def _original(request: Any, p: TicketItemParams) -> Any:
    """The ticket item ``item.refundof`` names, checked: a sale in a closed basket, and the same
    performance and ticket type as ``item.performance``/``item.tickettype`` when they are
    given."""
    orig = request.dbsession.execute(_ORIGINAL, {"item": p.refundof}).first()
    if orig is None:
        raise NotFound(f"no item {p.refundof}", param="item.refundof")
    if orig.type != ITEM_TYPE or orig.performance_id is None:
        raise ItemRejected(f"Item {orig.id} is not a ticket item", param="item.refundof")
    if orig.seats < 0:
        raise ItemRejected(f"Item {orig.id} is a refund; only sold tickets can be refunded",
                           param="item.refundof")
    if orig.state != "closed":
        raise ItemRejected(f"Item {orig.id} is in basket {orig.basket_id}, which is not closed; "
                           "only sold tickets can be refunded", param="item.refundof")
    if p.performance is not None and p.performance != orig.performance_id:
        raise ItemRejected(f"Item {orig.id} is for performance {orig.performance_id}, not "
                           f"{p.performance}", param="item.performance")
    if p.tickettype is not None and p.tickettype != orig.tickettype_id:
        raise ItemRejected(f"Item {orig.id} is of ticket type {orig.tickettype_id}, not "
                           f"{p.tickettype}", param="item.tickettype")
    return orig


def _check_refund_of(request: Any, orig: Any, quantity: int) -> None:
    """Refuse refunding more of ``orig`` than it sold less its refunds waiting or done. The
    caller holds the lock of its performance, so two refunds of it are counted one after the
    other."""
    row = request.dbsession.execute(REFUNDS_OF_ITEM, {"now": request.now, "item": orig.id}
                                    ).first()
    returned = int(row.refunded) + int(row.refunding) if row is not None else 0
    left = orig.seats - returned
    if left <= 0:
        raise ItemRejected(f"Item {orig.id} has been refunded already", param="item.refundof")
    if quantity > left:
        raise ItemRejected(f"Only {left} of the {tickets(orig.seats)} of item {orig.id} can "
                           "still be refunded", param="item.quantity")


def validate_add_item(request: Any, basket: Basket, item_type: str, p: TicketItemParams
                      ) -> NewItem | None:
    """Lock the performance, count, and agree or refuse (``p``: the parsed ``item.*``)."""
    if item_type != ITEM_TYPE:
        return None
    db = request.dbsession
    now = request.now
    orig = None
    if p.refundof is not None:
        orig = _original(request, p)
        p = p.model_copy(update={"performance": orig.performance_id,
                                 "tickettype": orig.tickettype_id, "refund": True})
    for name in ("performance", "tickettype"):
        if getattr(p, name) is None:
            raise BadParam(f"item.{name}", f"item.{name} is required")
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
    if orig is not None:
        _check_refund_of(request, orig, p.quantity)
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
    widen_race_window(request)

    if orig is not None:
        detail = dict(orig.detail or {})
        detail.update(refund=True, refundof=orig.id)
        description = orig.description
        return NewItem(quantity=p.quantity, unit_price=-orig.unit_price,
                       description=f"Refund: {description}", detail=detail)
    description = f"{label}, {perf.tt_name}"
    return NewItem(
        quantity=p.quantity,
        unit_price=-perf.tt_price if p.refund else perf.tt_price,
        description=f"Refund: {description}" if p.refund else description,
        detail={"performance": perf.id, "show": perf.show_id, "showname": perf.showname,
                "start": perf.start.isoformat(), "tickettype": perf.tt_id,
                "tickettypename": perf.tt_name, "refund": p.refund},
    )


def widen_race_window(request: Any, setting: str = COUNT_DELAY_SETTING) -> None:
    """TEST ONLY: widen the window between reading and writing, for the race tests.

    - ``setting`` (``xts2.testing.tickets.count_delay`` for a sale, the door's check-in delay
      for an admission) is seconds to sleep here, with or without locks.
    - Under ``xts2.testing.skip_locks`` on SQLite, restart the session's read snapshot after the
      sleep. Without ``BEGIN IMMEDIATE`` a SQLite writer reads in a deferred transaction, and
      SQLite itself refuses its write if another writer committed since its first read (the
      request is then replayed and reads again), so a race could never be seen. Restarting the
      snapshot (nothing has been written yet) lets the negative control oversell (or admit twice)
      as PostgreSQL does without ``FOR UPDATE``.

    Neither setting is ever set in production; with both unset this does nothing.
    """
    delay = float(request.registry.settings.get(setting) or 0)
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
        "quantity": -item.quantity if d.get("refund") else item.quantity,
        "refundof": d.get("refundof")})


#: The refunds of a closed basket's items, at most one query per basket and request.
REFUNDS = BasketRefunds(REFUNDS_OF_BASKET)


def describe_item(request: Any, item: BasketItem) -> E | None:
    """``<ticket performance show showname start tickettype tickettypename refund/>`` from the
    item's snapshot, with ``refundof`` on a refund that names its original, and ``refunded`` and
    ``refunding`` on a sale in a closed basket (its refunds by ``item.refundof`` done and
    waiting: one query for the whole basket, see :data:`REFUNDS`), and the codes of its
    tickets (``<code>``, a list in JSON; valid ones only) on a sale in a closed basket (one query
    for the whole basket too, none in the request that closed it: :data:`codes.CODES`)."""
    if item.type != ITEM_TYPE:
        return None
    d = item.detail or {}
    start = d.get("start")
    attrs = {
        "performance": d.get("performance"), "show": d.get("show"),
        "showname": d.get("showname"),
        "start": datetime.fromisoformat(start) if start else None,
        "tickettype": d.get("tickettype"), "tickettypename": d.get("tickettypename"),
        "refund": bool(d.get("refund")),
        "refundof": d.get("refundof"),
    }
    if not d.get("refund"):
        refunds = REFUNDS.of(request, item.basket_id)
        if refunds is not None:
            attrs["refunded"], attrs["refunding"] = refunds.get(item.id, (0, 0))
        codes = CODES.of(request, item.basket_id)
        if codes is not None:
            return E("ticket", attrs, [E("code", text=c, many=True)
                                       for c in codes.get(item.id, ())], lists=("code",))
    return E("ticket", attrs)


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
    refunded = db.execute(REFUNDS_OF_BASKET, {"now": request.now, "basket": basket.id}).first()
    if refunded is not None:
        raise ItemRejected(f"Basket {basket.id} cannot be reopened: item {refunded.refundof} "
                           "has been refunded (a refund names it)")
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


def validate_revive_basket(request: Any, basket: Basket) -> None:
    """Refuse taking an expired basket back when its seats went to someone else meanwhile.

    The core has made the basket live again, so the counts below include its tickets: with the
    performances locked (in id order, as every writer), nothing may be oversold — sold and
    reserved within capacity less held back — and its refunds may not return more than was sold
    (of the performance and ticket type, and of the item each names). A performance that
    started more than 60 minutes ago is no longer sold.
    """
    db = request.dbsession
    rows = db.execute(
        sa.select(Ticket.performance_id, Ticket.tickettype_id, Ticket.quantity, Ticket.refundof,
                  BasketItem.detail)
        .join(BasketItem, BasketItem.id == Ticket.item_id)
        .where(BasketItem.basket_id == basket.id)).all()
    if not rows:
        return
    perf_ids = sorted({r.performance_id for r in rows})
    perfs = {p.id: p for p in db.execute(
        for_update(request, sa.select(Performance).where(Performance.id.in_(perf_ids))
                   .order_by(Performance.id)).execution_options(populate_existing=True)
    ).scalars()}
    totals = list(db.execute(SUMS_BY_PERFORMANCE_TICKETTYPE,
                             {"now": request.now, "ids": perf_ids}))
    ours: dict[int, int] = defaultdict(int)
    for r in rows:
        if r.quantity > 0:
            ours[r.performance_id] += r.quantity
    for r in rows:
        label = performance_label(r.detail["showname"],
                                  datetime.fromisoformat(r.detail["start"]), request.tz)
        if r.quantity > 0:
            perf = perfs[r.performance_id]
            if is_past(perf.start, request.now):
                raise ItemRejected(f"{label} started more than 60 minutes ago; its tickets are "
                                   "no longer sold")
            counts = counts_of(perf, None)
            for t in totals:
                if t.performance_id == perf.id:
                    counts.sold += int(t.sold)
                    counts.reserved += int(t.reserved)
            over = counts.sold + counts.reserved + counts.heldback - counts.capacity
            if over > 0:
                left = max(0, ours[perf.id] - over)
                raise ItemRejected(f"{label} is sold out" if left == 0 else
                                   f"Only {left} of the {tickets(ours[perf.id])} "
                                   f"{'is' if left == 1 else 'are'} still available for "
                                   f"{label}")
        elif r.refundof is not None:
            row = db.execute(REFUNDS_OF_ITEM, {"now": request.now, "item": r.refundof}).first()
            seats = db.execute(sa.select(Ticket.quantity).where(Ticket.item_id == r.refundof)
                               ).scalar_one()
            if row is not None and int(row.refunded) + int(row.refunding) > seats:
                raise ItemRejected(f"Item {r.refundof} has been refunded in another basket "
                                   "meanwhile")
        else:
            t = next((t for t in totals if (t.performance_id, t.tickettype_id)
                      == (r.performance_id, r.tickettype_id)), None)
            if t is None or int(t.refunding) > int(t.sold):
                raise ItemRejected(f"{r.detail['tickettypename']} tickets for {label} have "
                                   "been refunded in another basket meanwhile")
