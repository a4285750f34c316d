"""The core's tables: terminals, settings, the password rate limit, baskets, their items and
metadata, the audit log and the idempotency record. Every core table is prefixed ``core_``; a
plugin's carry its own name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship, validates
from sqlalchemy.orm.attributes import set_committed_value

from .db import Base, UTCDateTime

#: An id column: 64-bit, as ids are in the API (1 … 2^63−1, API.md §3), so that any id a client
#: may send can be looked up; INTEGER on SQLite, whose rowid primary keys are 64-bit already.
BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class Terminal(Base):
    """A box-office terminal or web shop: the holder of a terminal key (stored as a hash)."""

    __tablename__ = "core_terminal"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    #: Default expiry in seconds for baskets this terminal creates (None: the setting's).
    expiry: Mapped[int | None]
    created: Mapped[datetime] = mapped_column(UTCDateTime)


class Setting(Base):
    """Small key/value settings kept in the database (the admin password hash)."""

    __tablename__ = "core_setting"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)


class PasswordLimit(Base):
    """Failed admin-password checks of one client address, for the rate limit of API.md §4,
    shared by every server process on the database (see :class:`xts2_core.auth.PasswordRateLimit`).
    A row lives while its failures or its block are recent."""

    __tablename__ = "core_password_limit"

    address: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    #: When the failures within the last window happened (ISO 8601, UTC), oldest first.
    failures: Mapped[list[str]] = mapped_column(sa.JSON)
    #: Password checks from the address answer 429 until then (None: they do not).
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The latest failure: old rows are swept by it.
    last: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Basket(Base):
    """A sale. Open until closed; an open basket that is not persistent expires at ``expires``
    (``None``: never, as for persistent baskets and those holding a payment)."""

    __tablename__ = "core_basket"
    __table_args__ = (sa.Index("ix_core_basket_state_expires", "state", "expires"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    #: ``name.casefold()``, what ``getbaskets name=`` searches: SQL ``lower()`` folds only ASCII
    #: on SQLite (and on PostgreSQL under the C locale), so "ZOË" would not match "zoë".
    name_folded: Mapped[str | None] = mapped_column(sa.String(400))
    state: Mapped[str] = mapped_column(sa.String(10), default="open")
    persistent: Mapped[bool] = mapped_column(default=False)
    #: ``getbaskets`` lists newest first.
    created: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    expires: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed: Mapped[datetime | None] = mapped_column(UTCDateTime)
    terminal_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("core_terminal.id"))

    items: Mapped[list[BasketItem]] = relationship(
        back_populates="basket", order_by="BasketItem.id", lazy="raise_on_sql",
        passive_deletes=True)

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    @validates("name")
    def _fold_name(self, key: str, name: str | None) -> str | None:
        self.name_folded = name.casefold() if name is not None else None
        return name

    def is_expired(self, now: datetime) -> bool:
        return self.state == "open" and self.expires is not None and self.expires <= now

    def never_expire(self) -> None:
        """Keep this open basket until it is closed (money does this once it holds a payment)."""
        if self.expires is not None:
            self.write(expires=None)

    def write(self, **values: Any) -> None:
        """Set columns of this basket at once: one prebuilt Core ``UPDATE``, and the attributes set
        as loaded (the unit of work's flush of the change cost several times more). A basket not
        yet in a session just has its attributes set."""
        session = object_session(self)
        if session is None or self.id is None:
            for key, value in values.items():
                setattr(self, key, value)
            return
        session.execute(_UPDATE_BASKET, {"basket_id_": self.id, **values})
        for key, value in values.items():
            set_committed_value(self, key, value)

    @classmethod
    def live(cls, now: datetime) -> sa.ColumnElement[bool]:
        """SQL: an open basket that has not expired — what counts as *reserved*."""
        return sa.and_(cls.state == "open", sa.or_(cls.expires.is_(None), cls.expires > now))

    @classmethod
    def not_expired(cls, now: datetime) -> sa.ColumnElement[bool]:
        """SQL: any basket that still exists for the API (closed, or open and live)."""
        return sa.or_(cls.state == "closed", cls.expires.is_(None), cls.expires > now)


#: ``UPDATE core_basket SET <the columns given> WHERE id = :basket_id_``, built once (executed
#: with the basket's id and the new values as parameters): :meth:`Basket.write`.
_UPDATE_BASKET = Basket.__table__.update().where(
    Basket.__table__.c.id == sa.bindparam("basket_id_"))


class BasketItem(Base):
    """One line of a basket. ``value = quantity * unit_price`` (minor units, signed: payments and
    refunds are negative or positive as API.md says). ``detail`` is the provider's snapshot of what
    was sold, as sold, from which ``describe_item`` renders without a query."""

    __tablename__ = "core_basket_item"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    basket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("core_basket.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(sa.String(32))
    quantity: Mapped[int]
    unit_price: Mapped[int] = mapped_column(sa.BigInteger)
    description: Mapped[str] = mapped_column(sa.String(500))
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    added: Mapped[datetime] = mapped_column(UTCDateTime)
    terminal_id: Mapped[int | None] = mapped_column(BigId, sa.ForeignKey("core_terminal.id"))

    basket: Mapped[Basket] = relationship(back_populates="items", lazy="raise_on_sql")

    @property
    def value(self) -> int:
        return self.quantity * self.unit_price


class BasketMetadata(Base):
    __tablename__ = "core_basket_metadata"

    basket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("core_basket.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)


class AuditEntry(Base):
    """Append-only: every basket change. No foreign keys, so it outlives what it describes."""

    __tablename__ = "core_audit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    terminal_id: Mapped[int | None]
    admin: Mapped[bool] = mapped_column(default=False)
    command: Mapped[str] = mapped_column(sa.String(64))
    basket_id: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    item_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


class Operation(Base):
    """The first answer to a state-changing request with an ``opid``, replayed on a retry."""

    __tablename__ = "core_operation"

    terminal_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    opid: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[int]
    content_type: Mapped[str] = mapped_column(sa.String(100))
    body: Mapped[bytes] = mapped_column(sa.LargeBinary)
    #: What the opid was first used for (:func:`xts2_core.dispatch.fingerprint`); None on rows
    #: written before it was recorded.
    fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
