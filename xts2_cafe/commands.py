"""The ``cafe`` servlet (API.md §6): ``getstock``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from xts2_core import Answer, Count, E, Field, Money, MoneyText, Name, Params, answers, elist

from .models import Stock
from .stock import available, held_query


class GetStock(Params):
    """``category`` (optional): only that category (case-insensitive)."""

    category: Name | None = Field(None, min_length=1, max_length=50,
                                  description="Only this category (case-insensitive).")


class StockItemOut(Answer):
    id: int
    name: str
    price: MoneyText
    category: str | None = None
    available: Count | None = None


class StockAnswer(Answer):
    stock: list[StockItemOut]
    category: str | None = None


@answers(StockAnswer)
def getstock(request: Any, p: GetStock) -> E:
    """``<stock><item id name price category available/>…</stock>``: what is on sale, by category
    and name; ``available`` only for items whose level is tracked. One query."""
    held = held_query(request.now).subquery()
    q = (sa.select(Stock, held.c.held).outerjoin(held, held.c.stock_id == Stock.id)
         .where(Stock.onsale.is_(True)).order_by(Stock.category, Stock.name, Stock.id))
    if p.category:
        q = q.where(sa.func.lower(Stock.category) == p.category.lower())
    items = [
        E("item", {"id": s.id, "name": s.name, "price": Money(s.price), "category": s.category,
                   "available": available(s, h)}, many=True)
        for s, h in request.dbsession.execute(q).all()
    ]
    return elist("stock", items, {"category": p.category})
