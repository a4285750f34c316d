"""The ``cafe`` plugin's hook implementations: the ``cafe`` servlet, ``cafe`` basket items, the
``stock`` season section, the cafe's stats and its offers in the online shop. It depends on the
core only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from xts2_core import (
    Basket,
    BasketItem,
    Command,
    E,
    ItemType,
    NewItem,
    SeasonSection,
    Servlet,
    ShopOffer,
    hookimpl,
)

from . import commands, items, season, shop, stock
from .models import CafeLine, Stock


@hookimpl
def register_servlets() -> list[Servlet]:
    return [Servlet("cafe", [
        Command("getstock", commands.getstock, "public", commands.GetStock),
    ])]


@hookimpl
def register_item_types() -> list[ItemType]:
    return [items.ITEM]


@hookimpl
def register_migrations() -> list[str]:
    return [str(Path(__file__).parent / "migrations" / "versions")]


@hookimpl
def register_season_sections() -> list[SeasonSection]:
    return season.sections()


@hookimpl
def validate_add_item(request: Any, basket: Basket, item_type: str, item_params: Any
                      ) -> NewItem | None:
    if item_type != items.ITEM_TYPE:
        return None
    return items.new_item(request, basket, item_params)


@hookimpl
def item_added(request: Any, item: BasketItem) -> None:
    if item.type == items.ITEM_TYPE:
        items.record(request, item)


@hookimpl
def describe_item(request: Any, item: BasketItem) -> E | None:
    return items.describe(request, item) if item.type == items.ITEM_TYPE else None


@hookimpl
def validate_open_basket(request: Any, basket: Basket) -> None:
    items.validate_open_basket(request, basket)


@hookimpl
def validate_revive_basket(request: Any, basket: Basket) -> None:
    items.validate_revive_basket(request, basket)


@hookimpl
def basket_closed(request: Any, basket: Basket) -> None:
    # closebasket has loaded basket.items: a basket without a cafe item moves no level, and
    # asks no query.
    loaded = basket.__dict__.get("items")
    if loaded is None or any(i.type == items.ITEM_TYPE for i in loaded):
        stock.shift_levels(request, basket, -1)
    items.REFUNDS.basket_closed(request, basket)


@hookimpl
def basket_reopened(request: Any, basket: Basket) -> None:
    stock.shift_levels(request, basket, +1)


@hookimpl
def shop_offers(request: Any) -> list[ShopOffer]:
    # The stock marked online (season file ``online: true``), whatever the basket holds.
    return shop.offers(request)


@hookimpl
def collect_stats(request: Any) -> dict[str, int]:
    row = request.dbsession.execute(sa.select(
        sa.select(sa.func.count()).select_from(Stock).scalar_subquery(),
        sa.select(sa.func.count()).select_from(CafeLine).scalar_subquery())).one()
    return {"stock": int(row[0]), "cafeitems": int(row[1])}
