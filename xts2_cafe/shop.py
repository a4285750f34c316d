"""What the cafe offers in the venue's online shop (``shop_offers``): the stock items the season
file marks ``online: true``, on sale and not sold out, each at its price, up to what is available.

The shop adds the customer's choice with ``additem?type=cafe&item.stock=…&item.quantity=…`` as
its online terminal, so the counter's own check (the stock row locked, the level less what live
baskets hold) decides, and refuses in the cafe's words when the last ones went in the meantime.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from xts2_core import ShopOffer, UTCDateTime

from .models import Stock
from .stock import available, held_query

#: The most of one stock item a customer adds at once (fewer when fewer are available).
MOST_AT_ONCE = 10

_HELD = held_query(sa.bindparam("now", type_=UTCDateTime())).subquery()
#: The online stock on sale, with what live baskets hold of each: one query.
_ONLINE = (sa.select(Stock, _HELD.c.held).outerjoin(_HELD, _HELD.c.stock_id == Stock.id)
           .where(Stock.onsale.is_(True), Stock.online.is_(True))
           .order_by(Stock.category, Stock.name, Stock.id))


def offers(request: Any) -> list[ShopOffer]:
    """The cafe's offers, by category and name; a tracked item with none available is left out."""
    out = []
    for stock, held in request.dbsession.execute(_ONLINE, {"now": request.now}).all():
        left = available(stock, held)
        if left == 0:
            continue
        out.append(ShopOffer(
            key=f"cafe.{stock.id}", type="cafe", label=stock.name,
            params={"item.stock": str(stock.id)}, price=stock.price,
            quantity_param="item.quantity",
            max_quantity=MOST_AT_ONCE if left is None else min(MOST_AT_ONCE, left)))
    return out
