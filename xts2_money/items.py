"""Payment items (``type=payment``): money taken or given back at a terminal.

A payment's value is ``-amount``, a refund's ``+amount``, so a basket that is paid for has a value
of 0.00 and can close. A payment may not exceed what the basket still owes (its value), nor a
refund what it owes back. Once a basket holds a payment it never expires, and payment items can be
neither removed nor moved: money taken is never lost, a mistake is put right with a refund.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from xts2_core import (
    Basket,
    BasketItem,
    Bool,
    E,
    Field,
    ItemRejected,
    ItemType,
    Key,
    MoneyParam,
    NewItem,
    Params,
    format_money,
    item_value_sum,
)

from . import paymenttypes
from .models import Payment

ITEM_TYPE = "payment"
NEVER_LOST = "money taken is never lost: add a refund instead"


class PaymentItemParams(Params):
    """``item.paymenttype`` (a code), ``item.amount`` (> 0), ``item.refund`` (default false)."""

    paymenttype: Key = Field(description="The payment type's code (cash, card…); this terminal "
                             "must accept it (money/getpaymenttypes).")
    amount: MoneyParam = Field(gt=0, description="The amount taken (or given back), more than "
                               "0.00; at most what the basket owes (or owes back).")
    refund: Bool = Field(False, description="Money given back instead of taken.")


ITEM = ItemType(ITEM_TYPE, PaymentItemParams, "Payment",
                "Money taken at this terminal (value -amount), or given back (a refund, value "
                "+amount). A basket holding a payment never expires; payments are neither "
                "removed nor moved.")


def new_item(request: Any, basket: Basket, p: PaymentItemParams) -> NewItem:
    """Agree to a payment or refund at the calling terminal, or raise ``ItemRejected``."""
    terminal = request.terminal
    found = paymenttypes.accepted(request.dbsession, terminal.id, p.paymenttype)
    if not found:
        known = paymenttypes.by_code(request.dbsession, p.paymenttype) is not None
        raise ItemRejected(
            f"This terminal does not accept {p.paymenttype!r} payments" if known
            else f"There is no payment type {p.paymenttype!r}", param="item.paymenttype")
    pt = found[0]
    # The core locked the basket, so its value cannot change under us.
    value = basket_value(request, basket)
    amount = format_money(p.amount)
    if not p.refund and p.amount > value:
        raise ItemRejected(
            f"The basket owes {format_money(value)}; a payment of {amount} is too much"
            if value > 0 else "The basket owes nothing", param="item.amount")
    if p.refund and p.amount > -value:
        raise ItemRejected(
            f"The basket owes back {format_money(-value)}; a refund of {amount} is too much"
            if value < 0 else "The basket owes nothing back", param="item.amount")
    return NewItem(
        quantity=1, unit_price=p.amount if p.refund else -p.amount,
        description=f"{pt.name} {'refund' if p.refund else 'payment'}",
        detail={"paymenttype": pt.code, "paymenttypename": pt.name, "paymenttype_id": pt.id,
                "terminal": terminal.id, "refund": p.refund})


#: Prebuilt statements (building one costs more CPU than running it).
_BASKET_VALUE = sa.select(item_value_sum()).where(BasketItem.basket_id == sa.bindparam("basket"))
#: A Core insert: the row is written at once, without a flush of the ORM's unit of work.
_PAYMENT = sa.insert(Payment.__table__)


def basket_value(request: Any, basket: Basket) -> int:
    """What the basket owes: the sum of its items' values."""
    return int(request.dbsession.execute(_BASKET_VALUE, {"basket": basket.id}).scalar_one())


def record(request: Any, basket: Basket, item: BasketItem) -> None:
    """Keep the payment for takings, and keep the basket: money taken is never lost."""
    basket.never_expire()
    d = item.detail
    request.dbsession.execute(_PAYMENT, {
        "item_id": item.id, "paymenttype_id": d["paymenttype_id"], "terminal_id": d["terminal"],
        "added": item.added, "amount": -item.value, "refund": bool(d["refund"])})


def refuse_change(item: BasketItem) -> None:
    """Payment items stay where they are."""
    if item.type == ITEM_TYPE:
        raise ItemRejected(NEVER_LOST, param="item")


def describe(item: BasketItem) -> E:
    """``<payment paymenttype paymenttypename terminal refund/>`` from the item's snapshot."""
    d = item.detail or {}
    return E("payment", {"paymenttype": d.get("paymenttype"),
                         "paymenttypename": d.get("paymenttypename"),
                         "terminal": d.get("terminal"), "refund": bool(d.get("refund"))})
