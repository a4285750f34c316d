"""Erasing a customer's personal data (``xts2 erase CONFIG EMAIL``).

A customer's name and email are kept with what they bought so that the box office can find an
order and the customer can be written to. When a customer asks, an operator erases them: every
basket whose metadata ``email`` is that address loses its name (it becomes ``erased``) and its
personal metadata (``email``, ``customer``, ``phone``), payments under way forget their payer,
the outbox drops the mails to that address, and each plugin erases its own
(``erase_personal_data``). Amounts, tickets, items, counts and the audit log of what was sold
stay, so takings and reports are unchanged.

The audit log is append-only but for this one rewrite: in the entries of those baskets, the
names ``savebasket`` recorded and the values ``setmetadata`` recorded for the personal keys
become ``erased``; every entry stays, with who changed what and when.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .hookcalls import call_by_plugin
from .models import AuditEntry, Basket, BasketMetadata

PERSONAL_KEYS = ("email", "customer", "phone")
ERASED = "erased"


def erase_personal_data(dbsession: Any, pm: Any, email: str) -> dict[str, int]:
    """Erase what is kept about ``email`` (case-insensitive); returns counts by what."""
    from .mail import OutboxMail
    from .payments import OnlinePayment

    address = email.strip().lower()
    baskets = list(dbsession.execute(sa.select(BasketMetadata.basket_id).where(
        BasketMetadata.key == "email",
        sa.func.lower(BasketMetadata.value) == address)).scalars())
    counts = {"baskets": len(baskets), "audit": 0}
    if baskets:
        dbsession.execute(sa.update(Basket).where(Basket.id.in_(baskets), Basket.name.is_not(None))
                          .values(name=ERASED, name_folded=ERASED))
        dbsession.execute(sa.delete(BasketMetadata).where(BasketMetadata.basket_id.in_(baskets),
                                                          BasketMetadata.key.in_(PERSONAL_KEYS)))
        counts["audit"] = _erase_from_audit(dbsession, baskets)
    counts["payments"] = dbsession.execute(
        sa.update(OnlinePayment).where(sa.func.lower(OnlinePayment.email) == address)
        .values(payer=None, email=None)).rowcount or 0
    counts["mails"] = dbsession.execute(
        sa.delete(OutboxMail).where(sa.func.lower(OutboxMail.to_addr) == address)).rowcount or 0
    for plugin, n in call_by_plugin(pm, "erase_personal_data", dbsession=dbsession,
                                    email=address):
        if n:
            counts[plugin] = int(n)
    dbsession.flush()
    return counts


def _erase_from_audit(dbsession: Any, baskets: list[int]) -> int:
    """The one rewrite of the audit log: personal text in the entries of ``baskets``."""
    table = AuditEntry.__table__
    rows = dbsession.execute(sa.select(table.c.id, table.c.command, table.c.detail).where(
        table.c.basket_id.in_(baskets),
        table.c.command.in_(("savebasket", "setmetadata")))).all()
    erased = 0
    for entry_id, command, detail in rows:
        detail = dict(detail or {})
        if command == "savebasket":
            detail["name"] = ERASED
            if isinstance(detail.get("before"), dict) and detail["before"].get("name"):
                detail["before"] = {**detail["before"], "name": ERASED}
        elif detail.get("key") in PERSONAL_KEYS:
            detail.update({k: ERASED for k in ("value", "before") if detail.get(k) is not None})
        else:
            continue
        dbsession.execute(_ERASE_AUDIT_DETAIL, {"entry": entry_id, "detail": detail})
        erased += 1
    return erased


#: The only statement in XTS2 that changes an audit entry (tests/baskets/test_basket_audit.py
#: allows it here alone): erasing a customer's personal data.
_ERASE_AUDIT_DETAIL = AuditEntry.__table__.update().where(  # audit: erasure
    AuditEntry.__table__.c.id == sa.bindparam("entry")).values(detail=sa.bindparam("detail"))
