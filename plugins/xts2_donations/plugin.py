"""The ``donations`` plugin's hook implementations (entry point ``xts2``: ``donations``).

Each hook is a thin line to the module that does the work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from xts2_core import (
    Basket,
    BasketFilter,
    BasketItem,
    E,
    ItemType,
    NewItem,
    ReportType,
    SeasonSection,
    ShopOffer,
    StaticFiles,
    hookimpl,
)

from .donation import ITEM, ITEM_TYPE, donation_element, new_donation
from .filters import GIFTAID
from .report import REPORT
from .settings import SECTION
from .shop import offers


@hookimpl
def register_static_files() -> list[StaticFiles]:
    # The browser client's panel for donations (static/panel.js): no pages, only the module.
    return [StaticFiles("donations", Path(__file__).parent / "static", index=None,
                        panel="panel.js")]


@hookimpl
def register_item_types() -> list[ItemType]:
    return [ITEM]


@hookimpl
def validate_add_item(request: Any, basket: Basket, item_type: str, item_params: Any
                      ) -> NewItem | None:
    if item_type != ITEM_TYPE:
        return None
    return new_donation(request, basket, item_params)


@hookimpl
def describe_item(item: BasketItem) -> E | None:
    # The core asks the owner of the item's type alone (this plugin, for donations); the check
    # keeps the answer right if the whole hook is called (a wrapper of describe_item is installed).
    return donation_element(item) if item.type == ITEM_TYPE else None


@hookimpl
def register_basket_filters() -> list[BasketFilter]:
    return [GIFTAID]


@hookimpl
def register_reports() -> list[ReportType]:
    return [REPORT]


@hookimpl
def register_season_sections() -> list[SeasonSection]:
    return [SECTION]


@hookimpl
def register_migrations() -> list[str]:
    return [str(Path(__file__).parent / "migrations" / "versions")]


@hookimpl
def shop_offers(request: Any) -> list[ShopOffer]:
    # "Add a donation" in the online shop, when the season file says donations: [{online: true}].
    return offers(request)


@hookimpl
def collect_stats(request: Any) -> dict[str, int]:
    """``donations``: donation items in closed baskets."""
    count = request.dbsession.scalar(
        sa.select(sa.func.count()).select_from(BasketItem)
        .join(Basket, Basket.id == BasketItem.basket_id)
        .where(BasketItem.type == ITEM_TYPE, Basket.state == "closed"))
    return {"donations": int(count or 0)}
