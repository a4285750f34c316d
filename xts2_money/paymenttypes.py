"""Looking up payment types: by code, and those a terminal accepts."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .models import PaymentType, TerminalPaymentType


def by_code(dbsession: Any, code: str) -> PaymentType | None:
    return dbsession.execute(
        sa.select(PaymentType).where(PaymentType.code == code)).scalar_one_or_none()


def accepted(dbsession: Any, terminal_id: int, code: str | None = None) -> list[PaymentType]:
    """The payment types terminal ``terminal_id`` accepts (only ``code``, if given), by id."""
    q = (sa.select(PaymentType)
         .join(TerminalPaymentType, TerminalPaymentType.paymenttype_id == PaymentType.id)
         .where(TerminalPaymentType.terminal_id == terminal_id).order_by(PaymentType.id))
    if code is not None:
        q = q.where(PaymentType.code == code)
    return list(dbsession.execute(q).scalars())
