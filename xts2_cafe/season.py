"""The season file's ``stock`` section (API.md §10) and the demo stock.

Entries match by name, so loading a file twice changes nothing. ``level`` is a stock take: it sets
the level when it differs from the level the file stated last time, and is otherwise left alone, so
reloading an unchanged file (to add a show, say) does not undo the sales since. Without ``level``
the item is not tracked. ``online: true`` offers the item in the venue's online shop too (off by
default: the counter's stock is not for sale online unless the file says so).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from xts2_core import Entry, Field, LoadContext, SeasonError, SeasonMoney, SeasonSection

from .models import Stock

#: Text with something other than white space in it.
VISIBLE = r"\S"


class StockEntry(Entry):
    """One ``stock`` entry: ``{name: Coffee, price: "2.20", category: drinks, level: 40}``."""

    name: str = Field(min_length=1, max_length=100, pattern=VISIBLE)
    price: SeasonMoney = Field(ge=0)
    category: str = Field(min_length=1, max_length=50, pattern=VISIBLE)
    level: int | None = Field(None, ge=0)
    onsale: bool = True
    online: bool = False


def load_stock(ctx: LoadContext, entries: list[StockEntry]) -> None:
    """Upsert the entries by name."""
    names = [e.name.strip() for e in entries]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise SeasonError(f"stock {', '.join(twice)} is listed more than once")
    for e, name in zip(entries, names, strict=True):
        stock = ctx.dbsession.execute(
            sa.select(Stock).where(Stock.name == name)).scalar_one_or_none()
        if stock is None:
            stock = Stock(name=name, level=e.level, loaded_level=e.level)
            ctx.dbsession.add(stock)
        elif e.level != stock.loaded_level:
            stock.level = stock.loaded_level = e.level
        stock.price = e.price
        stock.category = e.category.strip()
        stock.onsale = e.onsale
        stock.online = e.online
    ctx.dbsession.flush()


def demo_stock(today: date) -> list[dict[str, Any]]:
    """A small cafe counter: drinks, snacks and programmes; tea is not counted."""
    return [
        {"name": "Coffee", "price": "2.20", "category": "drinks", "level": 200},
        {"name": "Tea", "price": "1.80", "category": "drinks"},
        {"name": "Orange juice", "price": "1.90", "category": "drinks", "level": 48},
        {"name": "Flapjack", "price": "2.50", "category": "snacks", "level": 24},
        {"name": "Crisps", "price": "1.00", "category": "snacks", "level": 60},
        {"name": "Ice cream", "price": "3.00", "category": "snacks", "level": 40},
        {"name": "Programme", "price": "5.00", "category": "merchandise", "level": 100,
         "online": True},
    ]


def sections() -> list[SeasonSection]:
    return [SeasonSection("stock", StockEntry, load_stock, demo=demo_stock, order=300)]
