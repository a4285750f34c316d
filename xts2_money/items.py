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
    BadParam,
    Basket,
    BasketItem,
    Bool,
    E,
    Field,
    Id,
    ItemRejected,
    ItemType,
    Key,
    MoneyParam,
    NewItem,
    NotFound,
    Params,
    XTSError,
    format_money,
    item_value_sum,
    payment_of_item,
    refund_payment,
)

from . import paymenttypes
from .models import Payment, PaymentType

ITEM_TYPE = "payment"
NEVER_LOST = "money taken is never lost: add a refund instead"


class PaymentItemParams(Params):
    """``item.paymenttype`` (a code), ``item.amount`` (> 0), ``item.refund`` (default false)."""

    paymenttype: Key = Field(description="The payment type's code (cash, card…); this terminal "
                             "must accept it (money/getpaymenttypes).")
    amount: MoneyParam = Field(gt=0, description="The amount taken (or given back), more than "
                               "0.00; at most what the basket owes (or owes back).")
    refund: Bool = Field(False, description="Money given back instead of taken.")
    refundof: Id | None = Field(None, description="The payment item (its id, in a closed basket) "
                                "this refund gives money back for; implies item.refund, and "
                                "item.paymenttype must be its type. At most what it took, less "
                                "the refunds naming it, goes back. A payment taken online goes "
                                "back through its payment method (to the card), at any "
                                "terminal, and is recorded only once the service has made the "
                                "refund; one taken at a counter goes back from this terminal, "
                                "which must accept its type.")
    fee: MoneyParam | None = Field(None, ge=0, description="What the payment service charged "
                                   "for taking this payment (Stripe's fee of a card payment), "
                                   "if it says: 0.00 up to item.amount; payments only. Takings "
                                   "show it beside what was taken.")


ITEM = ItemType(ITEM_TYPE, PaymentItemParams, "Payment",
                "Money taken at this terminal (value -amount), or given back (a refund, value "
                "+amount). A basket holding a payment never expires; payments are neither "
                "removed nor moved.")


def new_item(request: Any, basket: Basket, p: PaymentItemParams) -> NewItem:
    """Agree to a payment or refund at the calling terminal, or raise ``ItemRejected``.

    A refund naming a payment (``item.refundof``) of an online payment is given back through
    its method here, before the item is written: if the service refuses or does not answer,
    nothing is recorded and its words are the refusal.
    """
    if p.fee is not None and (p.refund or p.refundof is not None):
        raise BadParam("item.fee", "parameter 'item.fee' is what taking a payment cost: a "
                       "refund has none")
    if p.fee is not None and p.fee > p.amount:
        raise BadParam("item.fee", f"parameter 'item.fee' ({format_money(p.fee)}) must not be "
                       f"more than item.amount ({format_money(p.amount)})")
    terminal = request.terminal
    orig = online = None
    if p.refundof is not None:
        orig = _original(request, p)
        p = p.model_copy(update={"refund": True})
        online = payment_of_item(request, orig.id)
    found = paymenttypes.accepted(request.dbsession, terminal.id, p.paymenttype)
    if not found and online is not None:  # back to the card: not from this terminal's drawer
        found = [paymenttypes.by_code(request.dbsession, p.paymenttype)]
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
    detail = {"paymenttype": pt.code, "paymenttypename": pt.name, "paymenttype_id": pt.id,
              "terminal": terminal.id, "refund": p.refund}
    if p.fee is not None:
        detail["fee"] = p.fee
    if orig is not None:
        detail["refundof"] = orig.id
        given = _given_back(request, orig.id)
        left = orig.amount - given[0]
        if p.amount > left:
            raise ItemRejected(
                f"Payment {orig.id} has been given back already" if left <= 0 else
                f"Only {format_money(left)} of payment {orig.id} can still be given back",
                param="item.amount")
        if online is not None:
            try:
                detail["reference"] = refund_payment(request, online, p.amount, given[1] + 1)
            except XTSError as exc:
                raise ItemRejected(f"Nothing was given back: {exc.message}",
                                   param="item.refundof") from None
            # The money leaves the online terminal's account, not this terminal's drawer.
            detail["terminal"] = online.terminal_id
    return NewItem(
        quantity=1, unit_price=p.amount if p.refund else -p.amount,
        description=f"{pt.name} {'refund' if p.refund else 'payment'}", detail=detail)


def _original(request: Any, p: PaymentItemParams) -> Any:
    """The payment ``item.refundof`` names: a payment (not a refund) in a closed basket, of
    the type ``item.paymenttype`` names."""
    orig = request.dbsession.execute(_ORIGINAL, {"item": p.refundof}).first()
    if orig is None:
        raise NotFound(f"no item {p.refundof}", param="item.refundof")
    if orig.type != ITEM_TYPE or orig.amount is None or orig.refund:
        raise ItemRejected(f"Item {orig.id} is not a payment", param="item.refundof")
    if orig.state != "closed":
        raise ItemRejected(f"Item {orig.id} is in basket {orig.basket_id}, which is not closed; "
                           "only a completed sale's payment is given back",
                           param="item.refundof")
    if orig.code != p.paymenttype:
        raise ItemRejected(f"Payment {orig.id} was taken by {orig.name}; it goes back the same "
                           f"way (item.paymenttype={orig.code})", param="item.paymenttype")
    return orig


def _given_back(request: Any, item_id: int) -> tuple[int, int]:
    """What the refunds naming payment ``item_id`` gave back (minor units), and how many."""
    row = request.dbsession.execute(_GIVEN_BACK, {"item": item_id}).one()
    return -int(row.amount), int(row.count)


#: Prebuilt statements (building one costs more CPU than running it).
_BASKET_VALUE = sa.select(item_value_sum()).where(BasketItem.basket_id == sa.bindparam("basket"))
#: A Core insert: the row is written at once, without a flush of the ORM's unit of work.
_PAYMENT = sa.insert(Payment.__table__)
#: The payment a refund names, its basket's state and its type; parameter ``item``.
_ORIGINAL = (
    sa.select(BasketItem.id, BasketItem.type, BasketItem.basket_id, Basket.state,
              Payment.amount, Payment.refund, PaymentType.code, PaymentType.name)
    .join(Basket, Basket.id == BasketItem.basket_id)
    .outerjoin(Payment, Payment.item_id == BasketItem.id)
    .outerjoin(PaymentType, PaymentType.id == Payment.paymenttype_id)
    .where(BasketItem.id == sa.bindparam("item")))
#: The refunds naming one payment (payments are never removed, nor their baskets expired);
#: parameter ``item``.
_GIVEN_BACK = sa.select(sa.func.coalesce(sa.func.sum(Payment.amount), 0).label("amount"),
                        sa.func.count().label("count")).where(
    Payment.refundof == sa.bindparam("item"))


def basket_value(request: Any, basket: Basket) -> int:
    """What the basket owes: the sum of its items' values."""
    return int(request.dbsession.execute(_BASKET_VALUE, {"basket": basket.id}).scalar_one())


def record(request: Any, basket: Basket, item: BasketItem) -> None:
    """Keep the payment for takings, and keep the basket: money taken is never lost."""
    basket.never_expire()
    d = item.detail
    request.dbsession.execute(_PAYMENT, {
        "item_id": item.id, "paymenttype_id": d["paymenttype_id"], "terminal_id": d["terminal"],
        "added": item.added, "amount": -item.value, "refund": bool(d["refund"]),
        "refundof": d.get("refundof"), "fee": d.get("fee")})


def refuse_change(item: BasketItem) -> None:
    """Payment items stay where they are."""
    if item.type == ITEM_TYPE:
        raise ItemRejected(NEVER_LOST, param="item")


def describe(item: BasketItem) -> E:
    """``<payment paymenttype paymenttypename terminal refund refundof reference fee/>`` from the
    item's snapshot."""
    d = item.detail or {}
    return E("payment", {"paymenttype": d.get("paymenttype"),
                         "paymenttypename": d.get("paymenttypename"),
                         "terminal": d.get("terminal"), "refund": bool(d.get("refund")),
                         "refundof": d.get("refundof"), "reference": d.get("reference"),
                         "fee": format_money(d["fee"]) if d.get("fee") is not None else None})
