"""The shop's tables: its orders, the private links to them, and the count of new baskets per
client address (the limit against hoarding)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from xts2_core import Base, BigId, UTCDateTime


class ShopOrder(Base):
    """A customer's order: the basket it is, who it is for, and how it stands.

    ``state``: ``checkout`` (name and email given, not paid yet), ``paid`` (its basket closed),
    ``reserved`` (to be paid at the box office by ``deadline``), ``released`` (a reservation not
    collected in time: its tickets went back on sale).
    """

    __tablename__ = "shop_order"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: No foreign key: the order outlives a basket that expired or was released.
    basket_id: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    #: Personal data (erased by ``xts2 shop erase``): the customer's name and email.
    name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str] = mapped_column(sa.String(320), index=True)
    method: Mapped[str | None] = mapped_column(sa.String(32))
    state: Mapped[str] = mapped_column(sa.String(16))
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ShopOrderLink(Base):
    """A private link to an order (``/shop/order/<token>``): only the token's SHA-256 is kept."""

    __tablename__ = "shop_order_link"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("shop_order.id", ondelete="CASCADE"),
                                          index=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime)


class ShopRate(Base):
    """New shop baskets per client address in the current window, shared by every server
    process on the database."""

    __tablename__ = "shop_rate"

    address: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    count: Mapped[int]
