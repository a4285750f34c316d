"""The cafe's tables: the stock list, and one line per cafe item for counting what baskets hold."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from xts2_core import Base, BigId


class Stock(Base):
    """Something the cafe sells. ``level`` is how many are on the shelf (``None``: not tracked);
    closing a basket lowers it, reopening restores it. ``loaded_level`` is the level the season
    file last stated, so that loading the same file again does not undo the sales since.
    ``online``: offered in the venue's online shop too (``shop_offers``)."""

    __tablename__ = "cafe_stock"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    #: Minor units.
    price: Mapped[int] = mapped_column(sa.BigInteger)
    category: Mapped[str] = mapped_column(sa.String(50), index=True)
    level: Mapped[int | None]
    loaded_level: Mapped[int | None]
    onsale: Mapped[bool] = mapped_column(default=True)
    online: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class CafeLine(Base):
    """Which stock a cafe basket item holds: an indexed copy of ``detail["stock"]``, so what open
    baskets hold is one grouped query, whether it is a refund, and what it refunds. Goes with its
    item (``ON DELETE CASCADE``)."""

    __tablename__ = "cafe_line"

    item_id: Mapped[int] = mapped_column(
        BigId, sa.ForeignKey("core_basket_item.id", ondelete="CASCADE"), primary_key=True)
    stock_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("cafe_stock.id"), index=True)
    #: A returned item (``item.refund``): it holds nothing, and raises the level when its basket
    #: closes.
    refund: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: For a refund made with ``item.refundof``: the cafe item it reverses (no foreign key, as in
    #: ``tickets_ticket.refundof``).
    refundof: Mapped[int | None] = mapped_column(BigId, index=True)
