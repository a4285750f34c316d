"""Closing and reopening a basket move the cafe's levels with one prebuilt UPDATE per stock item;
stock objects already loaded in the session see the new level (no stale copy)."""

from __future__ import annotations

import sqlalchemy as sa

from xts2_cafe.models import Stock
from xts2_cafe.stock import shift_levels
from xts2_core.models import Basket


class _Request:
    def __init__(self, dbsession):
        self.dbsession = dbsession


def test_a_level_move_updates_loaded_stock_objects(xts2_app_factory):
    app = xts2_app_factory(plugins=["cafe"])
    app.load({"stock": [{"name": "Coffee", "price": "2.20", "category": "drinks", "level": 5}]})
    key = app.terminal_key
    b = app.call("baskets/newbasket")["basket"]["id"]
    with app.session() as s:
        stock_id = s.execute(sa.select(Stock.id)).scalar_one()
    app.call("baskets/additem", {"basket": b, "type": "cafe", "item.stock": stock_id,
                                 "item.quantity": 2}, key=key)
    with app.session() as s:
        stock = s.get(Stock, stock_id)
        assert stock.level == 5
        basket = s.get(Basket, b)
        shift_levels(_Request(s), basket, -1)          # what closebasket does
        assert stock.level == 3                        # the loaded object, not a stale copy
        assert s.execute(sa.select(Stock.level).where(Stock.id == stock_id)).scalar_one() == 3
