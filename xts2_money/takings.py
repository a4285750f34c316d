"""Takings: the payment items terminals added in a window, refunds subtracted.

One grouped query over ``money_payment`` (indexed by terminal and time) answers both the
``gettakings`` command and the ``takings`` report, so the two always agree to the penny.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from xts2_core import Terminal

from .models import Payment, PaymentType


@dataclass(frozen=True)
class TakingsLine:
    """What one terminal took with one payment type (money in minor units)."""

    terminal_id: int
    terminal_name: str
    paymenttype_id: int
    code: str
    name: str
    #: Net: payments less refunds.
    amount: int
    #: Payments alone, and refunds alone (as a positive amount).
    payments: int
    refunds: int
    #: Payment items, refunds included.
    count: int
    #: What the payment service charged for taking the payments (``item.fee``), where it said.
    fees: int = 0

    @property
    def after_fees(self) -> int:
        """Net, less the service's fees: what reaches the bank."""
        return self.amount - self.fees


def takings(dbsession: Any, since: datetime, until: datetime, *, terminal_id: int | None = None,
            paymenttype_id: int | None = None) -> list[TakingsLine]:
    """Payment items added in ``[since, until)``, grouped by terminal and payment type, ordered by
    terminal name and payment type name."""
    paid = sa.func.sum(sa.case((Payment.refund.is_(False), Payment.amount), else_=0))
    fees = sa.func.sum(sa.func.coalesce(Payment.fee, 0))
    q = (sa.select(Payment.terminal_id, Terminal.name, PaymentType.id, PaymentType.code,
                   PaymentType.name, sa.func.sum(Payment.amount), paid, sa.func.count(), fees)
         .join(PaymentType, PaymentType.id == Payment.paymenttype_id)
         .join(Terminal, Terminal.id == Payment.terminal_id)
         .where(Payment.added >= since, Payment.added < until)
         .group_by(Payment.terminal_id, Terminal.name, PaymentType.id, PaymentType.code,
                   PaymentType.name)
         .order_by(Terminal.name, Payment.terminal_id, PaymentType.name, PaymentType.id))
    if terminal_id is not None:
        q = q.where(Payment.terminal_id == terminal_id)
    if paymenttype_id is not None:
        q = q.where(Payment.paymenttype_id == paymenttype_id)
    return [TakingsLine(t_id, t_name, pt_id, code, name, int(amount), int(payments),
                        int(payments) - int(amount), int(count), int(fee))
            for t_id, t_name, pt_id, code, name, amount, payments, count, fee
            in dbsession.execute(q).all()]
