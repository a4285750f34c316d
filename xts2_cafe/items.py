"""Cafe basket items (``type=cafe``): check a sale against the stock and keep its ``cafe_line``.

A returned item (``item.refund``) has a negative value; it may not return more of a stock item
than closed baskets sold of it (refunds done subtracted) less the refunds waiting in live open
baskets, whether the level is tracked or not. With ``item.refundof`` it names the item it reverses
and may not return more than that item sold less its refunds waiting or done. The stock row is
locked before counting, so two refunds of the same thing are counted one after the other.
"""

from __future__ import annotations

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
)

from .models import CafeLine, Stock
from .stock import held

ITEM_TYPE = "cafe"


class CafeItemParams(Params):
    """``item.stock``, ``item.quantity`` (1–100, default 1)."""

    stock: Id | None = Field(None, description="The stock item (its id, as cafe/getstock "
                             "lists it). Required, unless item.refundof names the item "
                             "returned (then, if given, it must be that item's).")
    quantity: Int = Field(1, ge=1, le=100, description="How many.")
    refund: Bool = Field(False, description="Returned items: a negative value; refused beyond "
                         "what closed baskets sold of this stock item less the refunds waiting. "
                         "The level goes back up when the refund's basket closes.")
    refundof: Id | None = Field(None, description="The cafe item (its id, in a closed basket) "
                                "this refund reverses; implies item.refund. At most what that "
                                "item sold, less its refunds waiting or done, can be returned; "
                                "its unit price is refunded.")


ITEM = ItemType(ITEM_TYPE, CafeItemParams, "Cafe",
                "Something sold at the cafe counter, from its stock (or returned: item.refund, "
                "item.refundof). Rejected when a tracked level, less what open baskets hold, is "
                "too low.")

_NOW = sa.bindparam("now", type_=UTCDateTime())
#: The item a refund names, its basket's state and its cafe line; parameter ``item``.
_ORIGINAL = (
    sa.select(BasketItem.id, BasketItem.type, BasketItem.basket_id, BasketItem.quantity,
              BasketItem.unit_price, BasketItem.description, BasketItem.detail, Basket.state,
              CafeLine.stock_id, CafeLine.refund)
    .join(Basket, Basket.id == BasketItem.basket_id)
    .outerjoin(CafeLine, CafeLine.item_id == BasketItem.id)
    .where(BasketItem.id == sa.bindparam("item")))
#: What closed baskets sold of one stock item (refunds done subtracted) and the refunds waiting in
#: live open baskets; parameters ``now``, ``stock``.
_closed = Basket.state == "closed"
_signed = sa.case((CafeLine.refund, -BasketItem.quantity), else_=BasketItem.quantity)
_SOLD = (
    sa.select(
        sa.func.coalesce(sa.func.sum(sa.case((_closed, _signed), else_=0)), 0).label("sold"),
        sa.func.coalesce(sa.func.sum(sa.case(
            (sa.and_(Basket.live(_NOW), CafeLine.refund), BasketItem.quantity), else_=0)), 0)
        .label("refunding"))
    .select_from(CafeLine)
    .join(BasketItem, BasketItem.id == CafeLine.item_id)
    .join(Basket, Basket.id == BasketItem.basket_id)
    .where(CafeLine.stock_id == sa.bindparam("stock")))

_Original = aliased(BasketItem)


def _refunds_query(where: Any) -> Any:
    """``refundof, refunded, refunding`` of refunds naming their original, grouped by it."""
    return (
        sa.select(CafeLine.refundof,
                  sa.func.coalesce(sa.func.sum(sa.case((_closed, BasketItem.quantity),
                                                       else_=0)), 0).label("refunded"),
                  sa.func.coalesce(sa.func.sum(sa.case((_closed, 0),
                                                       else_=BasketItem.quantity)), 0)
                  .label("refunding"))
        .join(BasketItem, BasketItem.id == CafeLine.item_id)
        .join(Basket, Basket.id == BasketItem.basket_id)
        .where(Basket.not_expired(_NOW), where)
        .group_by(CafeLine.refundof))


#: Refunds of one item (``item``), and of the items of one basket (``basket``); and ``now``.
REFUNDS_OF_ITEM = _refunds_query(CafeLine.refundof == sa.bindparam("item"))
REFUNDS_OF_BASKET = _refunds_query(CafeLine.refundof.in_(
    sa.select(_Original.id).where(_Original.basket_id == sa.bindparam("basket"))))


def _original(request: Any, p: CafeItemParams) -> Any:
    orig = request.dbsession.execute(_ORIGINAL, {"item": p.refundof}).first()
    if orig is None:
        raise NotFound(f"no item {p.refundof}", param="item.refundof")
    if orig.type != ITEM_TYPE or orig.stock_id is None:
        raise ItemRejected(f"Item {orig.id} is not a cafe item", param="item.refundof")
    if orig.refund:
        raise ItemRejected(f"Item {orig.id} is a refund; only what was sold can be returned",
                           param="item.refundof")
    if orig.state != "closed":
        raise ItemRejected(f"Item {orig.id} is in basket {orig.basket_id}, which is not closed; "
                           "only what was sold can be returned", param="item.refundof")
    if p.stock is not None and p.stock != orig.stock_id:
        raise ItemRejected(f"Item {orig.id} is of stock item {orig.stock_id}, not {p.stock}",
                           param="item.stock")
    return orig


def _check_refund(request: Any, stock: Stock, orig: Any, quantity: int) -> None:
    """Refuse a refund beyond what was sold less refunds (of the stock item, and of ``orig``)."""
    db = request.dbsession
    if orig is not None:
        row = db.execute(REFUNDS_OF_ITEM, {"now": request.now, "item": orig.id}).first()
        returned = int(row.refunded) + int(row.refunding) if row is not None else 0
        left = orig.quantity - returned
        if left <= 0:
            raise ItemRejected(f"Item {orig.id} has been refunded already",
                               param="item.refundof")
        if quantity > left:
            raise ItemRejected(f"Only {left} of the {orig.quantity} {stock.name} of item "
                               f"{orig.id} can still be refunded", param="item.quantity")
    row = db.execute(_SOLD, {"now": request.now, "stock": stock.id}).one()
    left = int(row.sold) - int(row.refunding)
    if quantity > left:
        raise ItemRejected(f"No {stock.name} is left to refund" if left <= 0
                           else f"Only {left} {stock.name} can be refunded",
                           param="item.quantity")


def new_item(request: Any, basket: Basket, p: CafeItemParams) -> NewItem:
    """Agree to sell ``item.quantity`` of ``item.stock`` (or take it back: ``item.refund``), or
    raise ``ItemRejected`` saying why."""
    orig = _original(request, p) if p.refundof is not None else None
    stock_id = orig.stock_id if orig is not None else p.stock
    if stock_id is None:
        raise BadParam("item.stock", "item.stock is required")
    stock = request.dbsession.execute(
        for_update(request, sa.select(Stock).where(Stock.id == stock_id))).scalar_one_or_none()
    if stock is None:
        raise NotFound(f"no stock item {stock_id}", param="item.stock")
    if orig is not None or p.refund:
        _check_refund(request, stock, orig, p.quantity)
        if orig is not None:
            detail = dict(orig.detail or {})
            detail.update(refund=True, refundof=orig.id)
            return NewItem(quantity=p.quantity, unit_price=-orig.unit_price,
                           description=f"Refund: {orig.description}", detail=detail)
        return NewItem(quantity=p.quantity, unit_price=-stock.price,
                       description=f"Refund: {stock.name}",
                       detail={"stock": stock.id, "name": stock.name,
                               "category": stock.category, "refund": True})
    if not stock.onsale:
        raise ItemRejected(f"{stock.name} is not on sale", param="item.stock")
    if stock.level is not None:
        left = stock.level - held(request, stock.id)
        if p.quantity > left:
            message = (f"{stock.name} is sold out" if left <= 0
                       else f"Only {left} {stock.name} left")
            raise ItemRejected(message, param="item.quantity")
    return NewItem(quantity=p.quantity, unit_price=stock.price, description=stock.name,
                   detail={"stock": stock.id, "name": stock.name, "category": stock.category})


def record(request: Any, item: BasketItem) -> None:
    """Keep the item's ``cafe_line`` (its stock, indexed for counting)."""
    d = item.detail
    request.dbsession.add(CafeLine(item_id=item.id, stock_id=d["stock"],
                                   refund=bool(d.get("refund")), refundof=d.get("refundof")))


#: The refunds of a closed basket's items, at most one query per basket and request.
REFUNDS = BasketRefunds(REFUNDS_OF_BASKET)


def describe(request: Any, item: BasketItem) -> E:
    """``<cafe stock name category/>`` from the item's snapshot; ``refund="true"`` and
    ``refundof`` on a returned item; ``refunded`` and ``refunding`` on a sale in a closed basket
    (one query per basket)."""
    d = item.detail or {}
    attrs: dict[str, Any] = {"stock": d.get("stock"), "name": d.get("name"),
                             "category": d.get("category")}
    if d.get("refund"):
        attrs["refund"] = True
        attrs["refundof"] = d.get("refundof")
    else:
        refunds = REFUNDS.of(request, item.basket_id)
        if refunds is not None:
            attrs["refunded"], attrs["refunding"] = refunds.get(item.id, (0, 0))
    return E("cafe", attrs)


def validate_open_basket(request: Any, basket: Basket) -> None:
    """Refuse reopening a basket whose cafe items a refund names (the refund would outlive what
    it reverses)."""
    row = request.dbsession.execute(REFUNDS_OF_BASKET, {"now": request.now,
                                                        "basket": basket.id}).first()
    if row is not None:
        raise ItemRejected(f"Basket {basket.id} cannot be reopened: item {row.refundof} has "
                           "been refunded (a refund names it)")


def validate_revive_basket(request: Any, basket: Basket) -> None:
    """Refuse taking an expired basket back when its cafe items are no longer to be had.

    The core has made the basket live again, so what live baskets hold now includes it: with
    the stock rows locked (in id order), a tracked level may not be held beyond, an item taken
    off sale is not sold, and returned items may not exceed what was sold (of the stock item,
    and of the item each names).
    """
    db = request.dbsession
    lines = db.execute(
        sa.select(CafeLine.stock_id, CafeLine.refund, CafeLine.refundof, BasketItem.quantity)
        .join(BasketItem, BasketItem.id == CafeLine.item_id)
        .where(BasketItem.basket_id == basket.id)).all()
    if not lines:
        return
    stocks = {s.id: s for s in db.execute(
        for_update(request, sa.select(Stock).where(Stock.id.in_({ln.stock_id for ln in lines}))
                   .order_by(Stock.id)).execution_options(populate_existing=True)).scalars()}
    for line in lines:
        stock = stocks[line.stock_id]
        if not line.refund:
            if not stock.onsale:
                raise ItemRejected(f"{stock.name} is no longer on sale")
            if stock.level is not None and held(request, stock.id) > stock.level:
                raise ItemRejected(f"{stock.name} is sold out")
            continue
        if line.refundof is not None:
            row = db.execute(REFUNDS_OF_ITEM, {"now": request.now, "item": line.refundof}).first()
            sold = db.execute(sa.select(BasketItem.quantity)
                              .where(BasketItem.id == line.refundof)).scalar_one()
            if row is not None and int(row.refunded) + int(row.refunding) > sold:
                raise ItemRejected(f"Item {line.refundof} has been refunded in another basket "
                                   "meanwhile")
        row = db.execute(_SOLD, {"now": request.now, "stock": stock.id}).one()
        if int(row.refunding) > int(row.sold):
            raise ItemRejected(f"{stock.name} has been refunded in another basket meanwhile")
