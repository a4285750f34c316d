"""The ``getbaskets`` filter ``giftaid``: ``true`` keeps the baskets that hold a Gift Aid
donation, ``false`` those that hold none."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from xts2_core import Basket, BasketFilter, BasketItem, Bool

from .donation import ITEM_TYPE


def _apply(request: Any, select: sa.Select[Any], value: bool) -> sa.Select[Any]:
    holds = sa.exists().where(BasketItem.basket_id == Basket.id, BasketItem.type == ITEM_TYPE,
                              BasketItem.detail["giftaid"].as_boolean().is_(True))
    return select.where(holds if value else ~holds)


GIFTAID = BasketFilter("giftaid", Bool, _apply,
                       "true: baskets holding a Gift Aid donation; false: baskets holding none")
