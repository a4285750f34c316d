"""Pay at the box office: a reservation.

The order is saved unpaid (``savebasket``: persistent, under the customer's name, so the box
office finds it in Bookings) and its tickets stay held until a deadline: ``shop.
reservation_minutes_before`` before its first performance, and at most ``shop.
reservation_days`` after booking. Staff take the money and close the basket as they do a phone
booking (the core then marks the payment paid, and the shop the order). A reservation still
open at its deadline is released by ``xts2 expire`` (:func:`settle`): its basket goes, its
tickets go back on sale, and the customer is told by email.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther

from xts2_core import OnlinePayment, PaymentMethod, XTSError, call_command, cancel_payment

from .settings import ShopSettings

NAME = "boxoffice"


def _first_start(basket: dict[str, Any]) -> datetime | None:
    starts = [datetime.fromisoformat(i["ticket"]["start"]) for i in basket.get("item") or []
              if i["type"] == "ticket" and isinstance(i.get("ticket"), dict)]
    return min(starts) if starts else None


def deadline(shop: ShopSettings, now: datetime, basket: dict[str, Any]) -> datetime | None:
    """When the reservation ends, or None if it would end before it is made."""
    end = now + timedelta(days=shop.reservation_days)
    first = _first_start(basket)
    if first is not None:
        end = min(end, first - timedelta(minutes=shop.reservation_minutes_before))
    return end if end > now + timedelta(minutes=5) else None


def method(shop: ShopSettings) -> PaymentMethod:
    def applies(request: Any, basket: dict[str, Any]) -> bool:
        return deadline(shop, request.now, basket) is not None

    def start(request: Any, payment: OnlinePayment) -> Any:
        from . import orders
        from .views import forget_basket

        basket = call_command(request, "baskets/savebasket",
                              {"basket": payment.basket_id, "name": payment.payer},
                              terminal=request.shop_terminal)["basket"]
        end = deadline(shop, request.now, basket)
        payment.hold_until = end
        order = orders.order_of_basket(request, payment.basket_id)
        order.state, order.deadline = "reserved", end
        request.dbsession.flush()
        orders.send_order_mail(request, order, "reservation")
        forget_basket(request, payment.basket_id)  # reserved: the next purchase is a new basket
        return HTTPSeeOther(request.route_path("shop.order", token=request.shop_order_token))

    def settle(request: Any, payment: OnlinePayment) -> None:
        from . import orders

        release_reservation(request, payment)
        order = orders.order_of_basket(request, payment.basket_id)
        if order is not None and order.state == "reserved":
            order.state = "released"
            request.dbsession.flush()
            orders.send_order_mail(request, order, "released")

    days = shop.reservation_days
    return PaymentMethod(
        name=NAME, label="Reserve now, pay at the box office", paymenttype=None, start=start,
        applies=applies, settle=settle, hold_seconds=days * 86400,
        description=f"Your tickets are kept for you for up to {days} days (and until "
                    f"{shop.reservation_minutes_before} minutes before the performance); "
                    "pay when you collect them.")


def release_reservation(request: Any, payment: OnlinePayment) -> None:
    """Give the reservation's tickets back: every item of its open basket is removed (each
    through ``removeitem``, so the audit says what went), and the payment is cancelled."""
    from .orders import online_terminal

    terminal = online_terminal(request)
    try:
        basket = call_command(request, "baskets/getbasket", {"basket": payment.basket_id},
                              terminal=terminal)["basket"]
    except XTSError:  # gone already
        basket = None
    if basket is not None and basket["state"] == "open":
        for item in basket.get("item") or []:
            call_command(request, "baskets/removeitem",
                         {"basket": basket["id"], "item": item["id"]}, terminal=terminal)
    cancel_payment(request, payment, "not collected by its deadline; released")
