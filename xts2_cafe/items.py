"""Cafe basket items (``type=cafe``): check a sale against the stock and keep its ``cafe_line``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from xts2_core import (
    Basket,
    BasketItem,
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
)

from .models import CafeLine, Stock
from .stock import held

ITEM_TYPE = "cafe"


class CafeItemParams(Params):
    """``item.stock``, ``item.quantity`` (1–100, default 1)."""

    stock: Id = Field(description="The stock item (its id, as cafe/getstock lists it).")
    quantity: Int = Field(1, ge=1, le=100, description="How many.")


ITEM = ItemType(ITEM_TYPE, CafeItemParams, "Cafe",
                "Something sold at the cafe counter, from its stock. Rejected when a tracked "
                "level, less what open baskets hold, is too low.")


def new_item(request: Any, basket: Basket, p: CafeItemParams) -> NewItem:
    """Agree to sell ``item.quantity`` of ``item.stock``, or raise ``ItemRejected`` saying why."""
    stock = request.dbsession.execute(
        for_update(request, sa.select(Stock).where(Stock.id == p.stock))).scalar_one_or_none()
    if stock is None:
        raise NotFound(f"no stock item {p.stock}", param="item.stock")
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
    request.dbsession.add(CafeLine(item_id=item.id, stock_id=item.detail["stock"]))


def describe(item: BasketItem) -> E:
    """``<cafe stock name category/>`` from the item's snapshot."""
    d = item.detail or {}
    return E("cafe", {"stock": d.get("stock"), "name": d.get("name"), "category": d.get("category")})
