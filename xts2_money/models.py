"""Money's tables: payment types, which terminals accept which, and one row per payment item."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from xts2_core import Base, BigId, UTCDateTime


class PaymentType(Base):
    """A way to pay (``cash``, ``card``)."""

    __tablename__ = "money_paymenttype"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))


class TerminalPaymentType(Base):
    """Terminal ``terminal_id`` accepts payment type ``paymenttype_id``."""

    __tablename__ = "money_terminal_paymenttype"

    terminal_id: Mapped[int] = mapped_column(
        BigId, sa.ForeignKey("core_terminal.id", ondelete="CASCADE"), primary_key=True)
    paymenttype_id: Mapped[int] = mapped_column(
        BigId, sa.ForeignKey("money_paymenttype.id", ondelete="CASCADE"), primary_key=True,
        index=True)


class Payment(Base):
    """One payment item, indexed for takings: who took it, when, how, and ``amount`` taken
    (a payment's amount; a refund's is negative). A copy of what its basket item says, kept so
    that takings are one grouped query over ``(terminal_id, added)``. Payment items are never
    removed, so nothing cascades here: money taken is never lost."""

    __tablename__ = "money_payment"
    __table_args__ = (sa.Index("ix_money_payment_terminal_added", "terminal_id", "added"),)

    item_id: Mapped[int] = mapped_column(
        BigId, sa.ForeignKey("core_basket_item.id"), primary_key=True)
    paymenttype_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("money_paymenttype.id"))
    terminal_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("core_terminal.id"))
    added: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: Minor units taken: positive for a payment, negative for a refund.
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    refund: Mapped[bool] = mapped_column(default=False)
    #: The payment item a refund gives money back for (``item.refundof``), if it names one.
    refundof: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    #: What the payment service charged for taking a payment (``item.fee``, minor units), if
    #: it says: Stripe's fee of a card payment taken online. Takings show it beside the amount.
    fee: Mapped[int | None] = mapped_column(sa.BigInteger)
