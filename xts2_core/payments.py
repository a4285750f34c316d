"""Paying online: payment methods (``register_payment_methods``) and the payments under way.

A plugin offers a way to pay as a :class:`PaymentMethod`. The core keeps one
:class:`OnlinePayment` row per payment under way (method, amount, basket, the service's
reference, state) and does, through the API's own commands (:func:`~xts2_core.call_command`), what
a box-office client does:

* :func:`start_payment` — the basket is held while the customer pays: its expiry moves to the
  method's bound (``touchbasket``), so its seats do not go back on sale meanwhile. A second try
  at the same basket, method and amount reuses the payment (its service reference with it).
* :func:`confirm_payment` — the customer's return and the service's notification both call it,
  in whichever order they come: under the payment's row lock, the first adds a payment item of
  the method's payment type (``additem type=payment``), saves the basket under the payer's name
  (``savebasket``) and closes it (``closebasket``); every later call changes nothing. A payment
  whose basket has expired is taken back (``revivebasket``) when what it holds is still there;
  one whose basket cannot take it any more (its seats sold meanwhile, released, changed) is
  ``late``: the method is told (``late``), so the money goes back.
* :func:`settle_overdue` — payments still under way past their bound are handed to their
  method's ``settle`` (look the payment up at the service, cancel it, release the basket);
  ``xts2 expire`` runs it.

A method whose ``paymenttype`` is ``None`` takes no money online: a reservation, paid at the
counter later. Closing its basket at the box office marks it ``paid``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .calls import call_command
from .db import Base, UTCDateTime, begin_write, for_update
from .errors import BadParam, Conflict, XTSError
from .hookcalls import merge_named
from .hookspecs import hookimpl
from .models import Basket, BigId, Terminal
from .values import format_money, parse_money

log = logging.getLogger(__name__)

#: States of a payment. ``pending``: under way, holding its basket. ``paid``: confirmed, its
#: basket closed. ``failed``: refused by the service (the customer may try again).
#: ``cancelled``: given up (a new try, another method, or settled unpaid). ``late``: confirmed
#: when its basket could no longer take it; its method gives the money back (``refunded``).
STATES = ("pending", "paid", "failed", "cancelled", "late", "refunded")
#: How long a basket paid after its hold ended is taken back for: it closes at once.
REVIVE_SECONDS = 300
#: The states that may still become ``paid``.
OPEN_STATES = ("pending", "failed")


class OnlinePayment(Base):
    """A payment under way through a payment method, and how it ended."""

    __tablename__ = "core_online_payment"
    __table_args__ = (sa.Index("ix_core_online_payment_state_hold", "state", "hold_until"),
                      sa.Index("ix_core_online_payment_method_reference", "method", "reference"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: No foreign key: the record outlives a basket that expired or was released.
    basket_id: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    terminal_id: Mapped[int] = mapped_column(sa.BigInteger)
    method: Mapped[str] = mapped_column(sa.String(32))
    #: What the customer pays, in minor units.
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    state: Mapped[str] = mapped_column(sa.String(16))
    #: The payment service's own reference (a PaymentIntent's id), once it has one.
    reference: Mapped[str | None] = mapped_column(sa.String(200))
    #: Who pays: the order's name and email (personal data; erasable).
    payer: Mapped[str | None] = mapped_column(sa.String(100))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    updated: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The payment holds its basket until then; past it, ``settle_overdue`` settles it.
    hold_until: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The payment item once confirmed.
    item_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: Why it failed or was late, in the service's or the API's words.
    message: Mapped[str | None] = mapped_column(sa.String(500))
    #: The method's own data (a client secret's id, a refund's reference…).
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    @property
    def amount_text(self) -> str:
        return format_money(self.amount)


@dataclass(frozen=True)
class PaymentMethod:
    """A way to pay online, offered by a plugin through ``register_payment_methods``.

    :param name: lower case, 1–32 of ``a-z0-9_`` (``stripe``); recorded on each payment.
    :param label: what the customer chooses (``Pay by card``).
    :param paymenttype: the code of the payment type (money's ``paymenttypes``) the payment is
        recorded as once confirmed; the online terminal must accept it. ``None``: no money is
        taken online (a reservation, paid at the box office).
    :param start: ``start(request, payment) -> Response``: begin paying — a redirect to the
        service, or a page with its form. Runs in the request's transaction; ``payment.id`` is
        set, so the method can name it to the service (its idempotency key).
    :param hold_seconds: how long a payment under way holds its basket (30 to 604800).
    :param applies: ``applies(request, basket) -> bool`` (the basket as the API describes it,
        a dict): whether the method is offered for it; ``None``: always.
    :param check: ``check(request, payment) -> str``: on the customer's return, ask the service:
        ``"paid"``, ``"failed"`` or ``"pending"``; ``None``: the method confirms by
        notification only.
    :param refund: ``refund(request, payment, amount, key) -> str``: give ``amount`` (minor
        units) back; ``key`` is the same for every retry of one refund (the service's
        idempotency key); returns the service's reference; raises :class:`XTSError` to say why
        it could not. ``None``: money is given back at the counter.
    :param late: ``late(request, payment)``: the payment was confirmed but its basket could not
        take it (``payment.message`` says why): give the money back. ``None``: it is logged and
        left ``late`` for staff.
    :param settle: ``settle(request, payment)``: the payment is past its bound: find out how it
        ended (:func:`confirm_payment`, :func:`fail_payment`) or cancel it
        (:func:`cancel_payment`). ``None``: it is cancelled.
    :param fee: ``fee(request, payment) -> int | None``: what the service charged for taking
        the payment (minor units), if it says; asked once, as the payment is confirmed, and
        recorded on its payment item (``item.fee``), so takings show it beside the amount.
        ``None`` (the method, or its answer): not known.
    :param description: a sentence for the customer under the label.
    :param content_security: what the method's pages need beyond the server's own origin, as
        Content-Security-Policy sources by directive (``{"script-src": ("https://js.stripe.com",),
        "frame-src": ("https://js.stripe.com",)}``): a shop adds them to its pages' policy.
    """

    name: str
    label: str
    paymenttype: str | None
    start: Callable[[Any, OnlinePayment], Any]
    hold_seconds: int = 1800
    applies: Callable[[Any, dict[str, Any]], bool] | None = None
    check: Callable[[Any, OnlinePayment], str] | None = None
    refund: Callable[[Any, OnlinePayment, int, str], str] | None = None
    late: Callable[[Any, OnlinePayment], None] | None = None
    settle: Callable[[Any, OnlinePayment], None] | None = None
    fee: Callable[[Any, OnlinePayment], int | None] | None = None
    description: str = ""
    content_security: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        import re

        if not re.match(r"^[a-z][a-z0-9_]{0,31}$", self.name):
            raise ValueError(f"payment method {self.name!r}: a name is 1-32 of a-z, 0-9 and _")
        if not 30 <= self.hold_seconds <= 604800:
            raise ValueError(f"payment method {self.name!r}: hold_seconds must be 30 to 604800")


def payment_methods(registry: Any) -> dict[str, PaymentMethod]:
    """The installed payment methods by name (collected once at start-up)."""
    return registry["xts2.payment_methods"]


def get_method(request: Any, name: str) -> PaymentMethod:
    methods = payment_methods(request.registry)
    if name not in methods:
        raise BadParam("method", f"unknown payment method {name!r}; installed: "
                       f"{', '.join(sorted(methods)) or 'none'}")
    return methods[name]


def currency(settings: dict[str, Any]) -> str:
    """The setting ``xts2.currency`` (ISO 4217, default ``GBP``): what online payments are in."""
    code = str(settings.get("xts2.currency") or "GBP").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError(f"setting xts2.currency must be a three-letter ISO 4217 code, not {code!r}")
    return code


# -- the lifecycle -------------------------------------------------------------------------------

_PAYMENT_LOCKED = sa.select(OnlinePayment).where(OnlinePayment.id == sa.bindparam("id")) \
    .execution_options(populate_existing=True)


def lock_payment(request: Any, payment_id: int) -> OnlinePayment | None:
    """The payment, read afresh under its row lock (a writer's transaction on SQLite)."""
    begin_write(request.dbsession)
    return request.dbsession.execute(for_update(request, _PAYMENT_LOCKED),
                                     {"id": payment_id}).scalar_one_or_none()


def find_payment(request: Any, method: str, reference: str) -> OnlinePayment | None:
    """The payment a service's notification names by its reference, locked."""
    begin_write(request.dbsession)
    payment_id = request.dbsession.execute(
        sa.select(OnlinePayment.id).where(OnlinePayment.method == method,
                                          OnlinePayment.reference == reference)
        .order_by(OnlinePayment.id.desc()).limit(1)).scalar_one_or_none()
    return None if payment_id is None else lock_payment(request, payment_id)


def payments_of(request: Any, basket_id: int) -> list[OnlinePayment]:
    return list(request.dbsession.execute(
        sa.select(OnlinePayment).where(OnlinePayment.basket_id == basket_id)
        .order_by(OnlinePayment.id)).scalars())


def start_payment(request: Any, basket_id: int, method: PaymentMethod, *, terminal: Terminal,
                  payer: str | None = None, email: str | None = None) -> OnlinePayment:
    """Begin paying for an open basket: hold it for the method's bound and record the payment.

    The basket's value is what is paid. A payment of the same basket, method and amount that
    has not ended (``pending``, or ``failed`` for a second try) is reused; any other of the
    basket's payments under way is cancelled.

    :raises XTSError: the API's refusal (the basket expired, is closed) or ``conflict`` when
        there is nothing to pay.
    """
    held = call_command(request, "baskets/touchbasket",
                        {"basket": basket_id, "expiry": method.hold_seconds}, terminal=terminal)
    amount = parse_money(held["basket"]["value"])
    if amount <= 0:
        raise Conflict("there is nothing to pay in this basket")
    now = request.now
    reused = None
    for other in payments_of(request, basket_id):
        if other.state not in OPEN_STATES:
            continue
        if reused is None and other.method == method.name and other.amount == amount:
            reused = other
        else:
            _set_state(request, other, "cancelled", "a new payment was started")
    hold_until = now + timedelta(seconds=method.hold_seconds)
    if reused is not None:
        reused.state, reused.updated, reused.hold_until = "pending", now, hold_until
        reused.payer, reused.email, reused.message = payer, email, None
        request.dbsession.flush()
        return reused
    payment = OnlinePayment(basket_id=basket_id, terminal_id=terminal.id, method=method.name,
                            amount=amount, currency=request.registry["xts2.currency"],
                            state="pending", payer=payer, email=email, created=now, updated=now,
                            hold_until=hold_until, detail={})
    request.dbsession.add(payment)
    request.dbsession.flush()
    return payment


def _set_state(request: Any, payment: OnlinePayment, state: str, message: str | None) -> None:
    payment.state, payment.updated = state, request.now
    if message is not None:
        payment.message = message[:500]
    request.dbsession.flush()


def confirm_payment(request: Any, payment: OnlinePayment, *, amount: int | None = None,
                    reference: str | None = None) -> OnlinePayment:
    """The service says ``payment`` is paid: complete its order, once.

    Call it with the payment locked (:func:`lock_payment`, :func:`find_payment`). A payment
    already ``paid`` (or ``late``, ``refunded``) is answered unchanged, so the customer's return
    and the service's notification may both call it, in either order, as often as they come.

    :param amount: what the service took, if it says (minor units; default the payment's).
    :param reference: the service's reference, if the payment has none yet.
    """
    if payment.state not in (*OPEN_STATES, "cancelled"):
        return payment
    if reference and not payment.reference:
        payment.reference = reference
    paid = payment.amount if amount is None else amount
    method = payment_methods(request.registry).get(payment.method)
    terminal = request.dbsession.get(Terminal, payment.terminal_id)
    try:
        with request.dbsession.begin_nested():
            item_id = _close_paid_basket(request, payment, method, terminal, paid)
    except XTSError as exc:
        payment.amount = paid
        _set_state(request, payment, "late", exc.message)
        log.warning("payment %s (%s) was confirmed, but basket %s could not take it: %s",
                    payment.id, payment.method, payment.basket_id, exc.message)
        if method is not None and method.late is not None:
            method.late(request, payment)
        return payment
    payment.item_id = item_id
    _set_state(request, payment, "paid", None)
    return payment


def _close_paid_basket(request: Any, payment: OnlinePayment, method: PaymentMethod | None,
                       terminal: Terminal | None, paid: int) -> int | None:
    if method is None or method.paymenttype is None or terminal is None:
        raise Conflict(f"payment method {payment.method!r} is not installed")
    basket = request.dbsession.get(Basket, payment.basket_id)
    if basket is None or basket.created > payment.created:
        # Gone, or a later basket under the same id (SQLite may give a deleted basket's id
        # again): never close someone else's basket with this money.
        raise Conflict(f"basket {payment.basket_id} is no longer the one this payment was for",
                       code="basket_expired")
    if basket.is_expired(request.now):
        # Paid after the hold ended (the customer came back late, the notification was
        # delayed): the basket is taken back if what it holds is still there; otherwise the
        # refusal makes the payment late, and its method gives the money back.
        call_command(request, "baskets/revivebasket",
                     {"basket": payment.basket_id, "expiry": REVIVE_SECONDS}, terminal=terminal)
    # The basket's other payments under way end here: a reservation left pending would
    # otherwise be marked paid at the counter when this payment closes the basket.
    for other in payments_of(request, payment.basket_id):
        if other.id != payment.id and other.state in OPEN_STATES:
            _set_state(request, other, "cancelled", f"the basket was paid by payment {payment.id}")
    item = {"basket": payment.basket_id, "type": "payment", "item.paymenttype": method.paymenttype,
            "item.amount": format_money(paid)}
    fee = method.fee(request, payment) if method.fee is not None else None
    if fee is not None and 0 <= fee <= paid:
        item["item.fee"] = format_money(fee)
    added = call_command(request, "baskets/additem", item, terminal=terminal)
    if payment.payer:
        call_command(request, "baskets/savebasket",
                     {"basket": payment.basket_id, "name": payment.payer}, terminal=terminal)
    call_command(request, "baskets/closebasket", {"basket": payment.basket_id},
                 terminal=terminal)
    return added["item"]["id"]


def payment_of_item(request: Any, item_id: int) -> OnlinePayment | None:
    """The online payment whose payment item is ``item_id``, locked; ``None`` for money taken
    at a counter."""
    payment_id = request.dbsession.execute(
        sa.select(OnlinePayment.id).where(OnlinePayment.item_id == item_id)).scalar_one_or_none()
    return None if payment_id is None else lock_payment(request, payment_id)


def refund_key(payment: OnlinePayment, number: int) -> str:
    """The idempotency key of the ``number``-th refund of ``payment`` (1, 2, …): the same for
    every try of that refund — after a lost answer, in a replayed request, from another basket —
    so the service makes it once."""
    return f"xts2-refund-{payment.id}-{payment.created:%Y%m%d%H%M%S}-{number}"


def refund_payment(request: Any, payment: OnlinePayment, amount: int, number: int) -> str:
    """Give ``amount`` (minor units) of a paid online payment back through its method (to the
    card), as its ``number``-th refund; returns the service's reference. Call it with the
    payment locked (:func:`payment_of_item`) and record the refund in the same transaction:
    the refund's key (:func:`refund_key`) makes a retry after a lost answer refund once.

    :raises Conflict: the payment is not paid, its method gives nothing back online (money goes
        back at the counter), or the service refused or did not answer (its words).
    """
    if payment.state != "paid":
        raise Conflict(f"online payment {payment.id} is {payment.state}; only a paid one is "
                       "given back")
    method = payment_methods(request.registry).get(payment.method)
    if method is None or method.refund is None:
        label = method.label if method is not None else payment.method
        raise Conflict(f"{label} gives no money back online: give it back at the counter")
    return method.refund(request, payment, amount, refund_key(payment, number))


def fail_payment(request: Any, payment: OnlinePayment, message: str) -> OnlinePayment:
    """The service refused ``payment`` (a declined card): the customer may try again while the
    basket is held. A payment that has ended otherwise is left as it is."""
    if payment.state == "pending":
        _set_state(request, payment, "failed", message)
    return payment


def cancel_payment(request: Any, payment: OnlinePayment, message: str) -> OnlinePayment:
    """Give ``payment`` up (it can no longer succeed at the service): its basket is no longer
    held by it, and expires as any other."""
    if payment.state in OPEN_STATES:
        _set_state(request, payment, "cancelled", message)
    return payment


def settle_overdue(request: Any, limit: int = 200) -> int:
    """Settle payments still under way past their bound (their method's ``settle``, else
    cancelled). Returns how many were settled."""
    due = request.dbsession.execute(
        sa.select(OnlinePayment.id).where(OnlinePayment.state.in_(OPEN_STATES),
                                          OnlinePayment.hold_until <= request.now)
        .order_by(OnlinePayment.id).limit(limit)).scalars().all()
    methods = payment_methods(request.registry)
    settled = 0
    for payment_id in due:
        payment = lock_payment(request, payment_id)
        if payment is None or payment.state not in OPEN_STATES or payment.hold_until > request.now:
            continue
        method = methods.get(payment.method)
        if method is not None and method.settle is not None:
            method.settle(request, payment)
        else:
            cancel_payment(request, payment, "not paid in time")
        settled += 1
    return settled


# -- hooks of the core ----------------------------------------------------------------------------

@hookimpl
def basket_closed(request: Any, basket: Basket) -> None:
    """A reservation (a payment that takes no money online) is paid once its basket closes at
    the counter."""
    if not basket.persistent:  # a reservation is a saved basket: a sale at the counter is not
        return
    methods = payment_methods(request.registry)
    reservations = [m for m, method in methods.items() if method.paymenttype is None]
    if not reservations:
        return
    for payment in request.dbsession.execute(
            sa.select(OnlinePayment).where(OnlinePayment.basket_id == basket.id,
                                           OnlinePayment.method.in_(reservations),
                                           OnlinePayment.state == "pending")).scalars():
        _set_state(request, payment, "paid", "paid at the box office")


def collect_methods(pm: Any, settings: dict[str, Any]) -> dict[str, PaymentMethod]:
    return merge_named(pm, "register_payment_methods", settings=settings)


def includeme(config: Any) -> None:
    settings = config.get_settings()
    config.registry["xts2.currency"] = currency(settings)
    config.registry["xts2.payment_methods"] = collect_methods(config.registry["xts2.pm"], settings)
