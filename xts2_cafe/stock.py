"""What the cafe has left: levels less what live baskets hold, and the levels' moves on close/reopen.

A tracked item's *available* count is ``level`` minus the quantity of it in open baskets that have
not expired, counted in one grouped query over ``cafe_line`` (returned items waiting hold
nothing). Closing a basket lowers the levels of what it holds and raises them by what it takes
back (refunds); reopening it does the reverse. Writers lock the stock row before counting; the basket is
always locked first (by the core), stock rows after, in id order.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.util import identity_key

from xts2_core import Basket, BasketItem, UTCDateTime

from .models import CafeLine, Stock


def held_query(now: Any) -> sa.Select[Any]:
    """SQL: ``(stock_id, held)`` — what live (open, unexpired) baskets hold, per stock item."""
    return (sa.select(CafeLine.stock_id, sa.func.sum(BasketItem.quantity).label("held"))
            .join(BasketItem, BasketItem.id == CafeLine.item_id)
            .join(Basket, Basket.id == BasketItem.basket_id)
            .where(Basket.live(now), CafeLine.refund.is_(False))
            .group_by(CafeLine.stock_id))


#: Prebuilt statements (building one costs more CPU than running it).
_HELD_ONE = held_query(sa.bindparam("now", type_=UTCDateTime())).where(
    CafeLine.stock_id == sa.bindparam("stock"))
_BASKET_LINES = (sa.select(CafeLine.stock_id, sa.func.sum(
                    sa.case((CafeLine.refund, -BasketItem.quantity), else_=BasketItem.quantity)))
                 .join(BasketItem, BasketItem.id == CafeLine.item_id)
                 .where(BasketItem.basket_id == sa.bindparam("basket"))
                 .group_by(CafeLine.stock_id).order_by(CafeLine.stock_id))
#: A Core UPDATE of the table (an ORM-enabled one would bring loaded objects up to date by
#: evaluating the statement in Python, with the bound parameters' build-time values, None): the
#: stock object of the session, if loaded, has its level expired instead (see shift_levels).
_SHIFT = (sa.update(Stock.__table__)
          .where(Stock.__table__.c.id == sa.bindparam("stock"),
                 Stock.__table__.c.level.is_not(None))
          .values(level=Stock.__table__.c.level + sa.bindparam("by", type_=sa.Integer())))


def held(request: Any, stock_id: int) -> int:
    """How many of one stock item live baskets hold."""
    row = request.dbsession.execute(_HELD_ONE, {"now": request.now, "stock": stock_id}).first()
    return int(row.held) if row is not None else 0


def available(stock: Stock, held_count: int | None) -> int | None:
    """``level - held`` (never below 0) for a tracked item; ``None`` when the level is not tracked."""
    if stock.level is None:
        return None
    return max(0, stock.level - (held_count or 0))


def shift_levels(request: Any, basket: Basket, sign: int) -> None:
    """Move the levels of what ``basket`` holds by ``sign`` × quantity (−1 on close, +1 on reopen;
    a refund's quantity counts negative, so closing it raises the level).

    One ``UPDATE`` per stock item, in id order, so that two closing baskets never wait on each
    other in a cycle; untracked items are left alone.
    """
    rows = request.dbsession.execute(_BASKET_LINES, {"basket": basket.id}).all()
    db = request.dbsession
    for stock_id, quantity in rows:
        db.execute(_SHIFT, {"stock": stock_id, "by": sign * int(quantity)})
        loaded = db.identity_map.get(identity_key(Stock, stock_id))
        if loaded is not None:
            db.expire(loaded, ["level"])
