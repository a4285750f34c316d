"""Looking up payment types: by code, and those a terminal accepts."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .models import PaymentType, TerminalPaymentType


def by_code(dbsession: Any, code: str) -> PaymentType | None:
    return dbsession.execute(
        sa.select(PaymentType).where(PaymentType.code == code)).scalar_one_or_none()


_ACCEPTED = (sa.select(PaymentType)
             .join(TerminalPaymentType, TerminalPaymentType.paymenttype_id == PaymentType.id)
             .where(TerminalPaymentType.terminal_id == sa.bindparam("terminal"))
             .order_by(PaymentType.id))
#: Built once (building a statement costs more CPU than running it); parameters ``terminal``
#: and, for the second, ``code``.
_ACCEPTED_STATEMENTS = {False: _ACCEPTED,
                        True: _ACCEPTED.where(PaymentType.code == sa.bindparam("code"))}


def accepted(dbsession: Any, terminal_id: int, code: str | None = None) -> list[PaymentType]:
    """The payment types terminal ``terminal_id`` accepts (only ``code``, if given), by id."""
    return list(dbsession.execute(_ACCEPTED_STATEMENTS[code is not None],
                                  {"terminal": terminal_id, "code": code}).scalars())
