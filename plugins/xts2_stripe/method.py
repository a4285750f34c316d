"""The payment method ``stripe``: a card payment through a Stripe PaymentIntent.

* :func:`start` — the payment's PaymentIntent (created once per payment under way, under an
  idempotency key tied to it; a second try reuses it) and the card page, where Stripe.js's card
  Element takes the card and ``confirmCardPayment`` pays, 3-D Secure included, before the
  customer's browser goes to the shop's return address.
* :func:`check` — the customer's return: what the PaymentIntent says.
* the webhook (:mod:`.webhook`) — Stripe's word, whichever comes first.
* :func:`late` — paid when its basket could no longer take it: refunded at once, and the
  customer told by email.
* :func:`settle` — past its bound (``xts2 expire``): paid after all, or cancelled at Stripe
  before it is given up here, so no basket is let go while its payment could still succeed.
* :func:`refund` — money given back, once per key.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther

from xts2_core import (
    Conflict,
    OnlinePayment,
    PaymentMethod,
    Terminal,
    XTSError,
    call_command,
    cancel_payment,
    confirm_payment,
    payments_of,
    queue_mail,
)

from . import page, service
from .service import StripeUnavailable, client_of, settings_of
from .settings import StripeSettings

log = logging.getLogger(__name__)
NAME = "stripe"


def _stamp(payment: OnlinePayment) -> str:
    return payment.created.strftime("%Y%m%d%H%M%S")


def intent_key(payment: OnlinePayment, attempt: int = 0) -> str:
    """The PaymentIntent's idempotency key: the payment under way (its id, and when it was made,
    so a database started afresh never meets its predecessor's keys at Stripe), and the try."""
    key = f"xts2-payment-{payment.id}-{_stamp(payment)}"
    return f"{key}-{attempt}" if attempt else key


def _metadata(payment: OnlinePayment) -> dict[str, str]:
    return {"xts2_payment": str(payment.id), "xts2_basket": str(payment.basket_id),
            "xts2_created": _stamp(payment)}


def _detail(payment: OnlinePayment, **changes: Any) -> dict[str, Any]:
    """The payment's ``detail`` with ``changes`` (a new dict, so the JSON column sees it)."""
    detail = {**(payment.detail or {}), **changes}
    payment.detail = detail
    return detail


# -- paying ------------------------------------------------------------------------------------

def start(request: Any, payment: OnlinePayment) -> Any:
    """The payment's PaymentIntent and the card page (the response to the checkout form).

    :raises Conflict: Stripe did not answer or refused: the shop shows it on the checkout page
        and undoes the payment under way.
    """
    try:
        return _start(request, payment)
    except StripeUnavailable:
        raise Conflict("The card payment service did not answer, and nothing was taken. Please "
                       "try again in a minute, or choose another way to pay.") from None


def _start(request: Any, payment: OnlinePayment) -> Any:
    cfg, client = settings_of(request.registry), client_of(request.registry)
    back = request.route_path("shop.return", payment=payment.id)
    attempt = int((payment.detail or {}).get("attempt") or 0)
    intent = None
    if payment.reference:  # a second try: the same PaymentIntent, unless it cannot be paid
        intent = service.retrieve_intent(client, payment.reference)
        if intent["status"] in ("succeeded", "processing", "requires_capture"):
            return HTTPSeeOther(back)  # paid already: the return confirms it
        if (intent["status"] == "canceled" or intent["amount"] != payment.amount
                or intent["currency"] != payment.currency.lower()):
            intent, attempt = None, attempt + 1
    if intent is None:
        intent = service.create_intent(client, amount=payment.amount, currency=payment.currency,
                                       metadata=_metadata(payment),
                                       key=intent_key(payment, attempt))
        if ((intent.get("metadata") or {}).get("xts2_payment") != str(payment.id)
                or intent["amount"] != payment.amount):
            raise Conflict("Stripe answered with a payment of another order; please try again")
        payment.reference = intent["id"]
    _detail(payment, attempt=attempt, mode="test" if cfg.test_mode else "live")
    _cancel_superseded(request, payment)
    # Hold the payment a little less long than its basket: xts2 expire then settles it (at
    # Stripe first) while the basket still keeps its seats.
    payment.hold_until = payment.hold_until - timedelta(seconds=cfg.settle_margin)
    request.dbsession.flush()
    return page.card_page(request, cfg, payment, intent["client_secret"], back)


def _cancel_superseded(request: Any, payment: OnlinePayment) -> None:
    """The basket's earlier card payments that a new one replaced (the basket changed after a
    decline) are cancelled at Stripe too, so a card page left open in another tab cannot take
    the old amount. One Stripe would not cancel (paid meanwhile) is left to its webhook."""
    client = client_of(request.registry)
    for other in payments_of(request, payment.basket_id):
        if (other.id == payment.id or other.method != NAME or other.state != "cancelled"
                or not other.reference or (other.detail or {}).get("cancelled_at_stripe")):
            continue
        try:
            service.cancel_intent(client, other.reference,
                                  f"xts2-cancel-{other.id}-{_stamp(other)}")
        except XTSError as exc:
            log.warning("stripe: payment %s: its replaced PaymentIntent %s was not cancelled: %s",
                        payment.id, other.reference, exc.message)
            continue
        _detail(other, cancelled_at_stripe=True)


def verdict(payment: OnlinePayment, intent: dict[str, Any]) -> str:
    """``paid``, ``failed`` or ``pending``, from the PaymentIntent."""
    status = intent.get("status")
    if status == "succeeded":
        if (service.received(intent) == payment.amount
                and str(intent.get("currency", "")).lower() == payment.currency.lower()):
            return "paid"
        return "pending"  # not what was asked: the webhook confirms it with what was taken
    if status == "canceled":
        return "failed"
    if status == "requires_payment_method" and intent.get("last_payment_error"):
        return "failed"
    return "pending"


def check(request: Any, payment: OnlinePayment) -> str:
    """The customer is back: ask Stripe. When Stripe does not answer, the customer waits for
    the webhook (``pending``)."""
    if not payment.reference:
        return "pending"
    try:
        intent = service.intent_record(client_of(request.registry), payment.reference)
    except XTSError as exc:
        log.warning("stripe: payment %s: the return could not ask Stripe: %s", payment.id,
                    exc.message)
        return "pending"
    taken = service.fee(intent, payment.currency)
    if taken is not None:  # the same answer says the fee: fee() need not ask again
        _detail(payment, fee=taken)
    return verdict(payment, intent)


def fee(request: Any, payment: OnlinePayment) -> int | None:
    """Stripe's fee for taking the payment, from its charge's balance transaction: as the
    customer's return found it, or looked up now (the webhook came first). ``None`` when
    Stripe does not say (yet), or does not answer: the order completes all the same."""
    known = (payment.detail or {}).get("fee")
    if known is not None:
        return int(known)
    if not payment.reference:
        return None
    try:
        intent = service.intent_record(client_of(request.registry), payment.reference)
    except XTSError as exc:
        log.warning("stripe: payment %s: its fee could not be looked up: %s", payment.id,
                    exc.message)
        return None
    return service.fee(intent, payment.currency)


# -- money given back --------------------------------------------------------------------------

#: The reference of a refund that was made in Stripe's dashboard and recorded in XTS2 later.
DASHBOARD = "made in Stripe's dashboard"


def refund(request: Any, payment: OnlinePayment, amount: int, key: str) -> str:
    """Give ``amount`` back to the card; the same ``key`` never refunds twice.

    What Stripe's dashboard refunded and XTS2 has not recorded yet (``refunded_outside``, from
    ``charge.refunded``) is counted first: the box office recording that refund gives nothing
    back a second time, and only the rest is refunded at Stripe.

    :raises Conflict: Stripe refused (in its words), or did not answer (try again, same key).
    """
    if not payment.reference:
        raise Conflict(f"payment {payment.id} has no Stripe payment to refund")
    if amount <= 0:
        raise Conflict("a refund is of more than 0.00")
    detail = payment.detail or {}
    outside = min(int(detail.get("refunded_outside") or 0), amount)
    reference = DASHBOARD
    if amount > outside:
        made = service.create_refund(
            client_of(request.registry), intent_id=payment.reference, amount=amount - outside,
            key=key, metadata={"xts2_payment": str(payment.id), "xts2_key": key[:200]})
        if made.get("status") in ("failed", "canceled"):
            raise Conflict(f"Stripe could not refund the payment: "
                           f"{made.get('failure_reason') or made.get('status')}")
        reference = str(made["id"])
    refunds = dict(detail.get("refunds") or {})
    refunds[key] = {"id": reference, "amount": amount}
    if outside:
        refunds[key]["from_dashboard"] = outside
    _detail(payment, refunds=refunds, refunded_outside=int(detail.get("refunded_outside") or 0)
            - outside)
    request.dbsession.flush()
    return reference


def refunded_here(payment: OnlinePayment) -> int:
    """What XTS2 has refunded of the payment (minor units)."""
    return sum(int(r.get("amount") or 0)
               for r in ((payment.detail or {}).get("refunds") or {}).values())


def late_key(payment: OnlinePayment) -> str:
    return f"xts2-late-{payment.id}-{_stamp(payment)}"


def late(request: Any, payment: OnlinePayment) -> None:
    """Paid when the basket could no longer take it (``payment.message`` says why): the whole
    amount goes back to the card, and the customer is told. When Stripe does not answer, the
    payment stays ``late`` and the next delivery of Stripe's webhook tries again (same key)."""
    try:
        refund_id = refund(request, payment, payment.amount, late_key(payment))
    except XTSError as exc:
        _detail(payment, late_refund_error=exc.message)
        request.dbsession.flush()
        log.error("stripe: payment %s was paid too late and could not be refunded yet: %s",
                  payment.id, exc.message)
        return
    detail = _detail(payment, late_refund=refund_id)
    detail.pop("late_refund_error", None)
    payment.state, payment.updated = "refunded", request.now
    request.dbsession.flush()
    log.warning("stripe: payment %s was paid too late for basket %s (%s): refunded (%s)",
                payment.id, payment.basket_id, payment.message, refund_id)
    _mail_late(request, payment, refund_id)


def _mail_late(request: Any, payment: OnlinePayment, refund_id: str) -> None:
    if not payment.email:
        return
    settings = request.registry.settings
    venue = str(settings.get("stripe.venue_name") or settings.get("shop.venue_name")
                or "The box office").strip()
    amount = page.money(payment.amount, payment.currency)
    name = payment.payer or "customer"
    text = (f"Dear {name},\n\n"
            f"we received your card payment of {amount} for order {payment.basket_id}, but it "
            f"reached us after the tickets in your basket were no longer held for you, so we "
            f"could not complete the order.\n\n"
            f"We have refunded the whole {amount} to your card. It usually shows on your "
            f"statement within 5 to 10 working days (refund reference {refund_id}).\n\n"
            f"We are sorry for the trouble. You are welcome to book again.\n\n{venue}\n")
    html = page.render("late_mail.html", name=name, amount=amount, order=payment.basket_id,
                       refund=refund_id, venue=venue)
    try:
        queue_mail(request, to=(payment.payer or "", payment.email),
                   subject=f"Your payment to {venue} has been refunded", text=text, html=html,
                   basket_id=payment.basket_id)
    except ValueError as exc:
        log.warning("stripe: payment %s: the refund mail could not be queued: %s", payment.id,
                    exc)


# -- a payment that never ends -----------------------------------------------------------------

def settle(request: Any, payment: OnlinePayment) -> None:
    """Past its bound: paid after all (confirmed), or cancelled at Stripe and then here. While
    Stripe cannot say, or the payment is still being processed, its basket is held longer."""
    if not payment.reference:
        cancel_payment(request, payment, "not paid in time")
        return
    client = client_of(request.registry)
    try:
        intent = service.retrieve_intent(client, payment.reference)
        if intent["status"] in ("requires_payment_method", "requires_confirmation",
                                "requires_action"):
            try:  # stop it at Stripe first, so it can no longer succeed
                intent = service.cancel_intent(client, payment.reference,
                                               f"xts2-cancel-{payment.id}-{_stamp(payment)}")
            except StripeUnavailable:
                raise
            except XTSError:  # refused: it moved on meanwhile (paid?): look again
                intent = service.retrieve_intent(client, payment.reference)
    except XTSError as exc:
        _hold_longer(request, payment, exc.message)
        return
    status = intent["status"]
    if status == "succeeded":
        confirm_payment(request, payment, amount=service.received(intent))
    elif status == "canceled":
        cancel_payment(request, payment, "not paid in time; cancelled at Stripe")
    else:  # processing, requires_capture, or a cancel that did not take: it may yet succeed
        _hold_longer(request, payment, f"Stripe says {status}")


def _hold_longer(request: Any, payment: OnlinePayment, why: str) -> None:
    cfg: StripeSettings = settings_of(request.registry)
    seconds = max(cfg.settle_margin, 120)
    terminal = request.dbsession.get(Terminal, payment.terminal_id)
    try:
        call_command(request, "baskets/touchbasket",
                     {"basket": payment.basket_id, "expiry": 2 * seconds}, terminal=terminal)
    except XTSError as exc:
        log.warning("stripe: payment %s: its basket %s could not be held longer: %s",
                    payment.id, payment.basket_id, exc.message)
    payment.hold_until = request.now + timedelta(seconds=seconds)
    payment.updated = request.now
    request.dbsession.flush()
    log.warning("stripe: payment %s is past its bound but may still succeed (%s): held until %s",
                payment.id, why, payment.hold_until.isoformat())


def payment_method(cfg: StripeSettings) -> PaymentMethod:
    return PaymentMethod(
        name=NAME, label=cfg.label, paymenttype=cfg.paymenttype, start=start,
        hold_seconds=cfg.hold_seconds, check=check, refund=refund, late=late, settle=settle,
        fee=fee, description=cfg.description, content_security=cfg.content_security())

