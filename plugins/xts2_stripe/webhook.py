"""``POST /shop/stripe/webhook``: Stripe's events.

The signature is checked against the raw body with the library's own
``stripe.Webhook.construct_event`` (Stripe's scheme, its time tolerance): a bad or stale one is
400 and changes nothing. Then, under the payment's row lock:

``payment_intent.succeeded``       :func:`confirm_payment` with what Stripe took (the order
                                   completes, unless the customer's return did it first: then
                                   nothing changes); a payment too late for its basket is
                                   refunded (:func:`.method.late`)
``payment_intent.payment_failed``  :func:`fail_payment` in Stripe's words
``payment_intent.canceled``        :func:`cancel_payment`
``charge.refunded``                recorded: what Stripe has refunded in all, and whether XTS2
                                   made those refunds (one made in Stripe's dashboard is logged)

Each event handled is kept in ``stripe_event``; the same event again answers 200 and changes
nothing. An event about a PaymentIntent this server does not know answers 200 (Stripe stops
sending it). A database that is busy answers 503, and so does a late payment whose refund Stripe
did not take yet: Stripe sends the event again later.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import stripe
from pyramid.response import Response
from pyramid_retry import mark_error_retryable

from xts2_core import (
    OnlinePayment,
    cancel_payment,
    confirm_payment,
    fail_payment,
    find_payment,
    is_transient,
)

from . import method, service
from .models import StripeEvent
from .service import settings_of

log = logging.getLogger(__name__)


def _text(body: str, status: int = 200) -> Response:
    return Response(body, status=status, content_type="text/plain", charset="utf-8")


def webhook_view(request: Any) -> Response:
    cfg = settings_of(request.registry)
    try:
        event = stripe.Webhook.construct_event(
            request.body, request.headers.get("Stripe-Signature"), cfg.webhook_secret,
            tolerance=cfg.webhook_tolerance).to_dict()
    except stripe.SignatureVerificationError as exc:
        log.warning("stripe: webhook refused: %s", exc.user_message or exc)
        return _text("bad signature", 400)
    except ValueError:
        log.warning("stripe: webhook refused: the body is not JSON")
        return _text("bad payload", 400)
    kind = str(event.get("type") or "")
    obj = (event.get("data") or {}).get("object") or {}
    handler = HANDLERS.get(kind)
    if handler is None:
        return _text(f"ignored {kind}")
    intent_id = obj.get("id") if obj.get("object") == "payment_intent" else obj.get(
        "payment_intent")
    if not isinstance(intent_id, str) or not intent_id:
        return _text(f"ignored {kind} of no payment intent")
    payment = find_payment(request, method.NAME, intent_id)  # locked
    if _seen(request, str(event["id"])):
        return _text("already handled")
    if payment is None:
        log.info("stripe: %s for %s, which is no payment here", kind, intent_id)
        return _record(request, event, intent_id, None, None, "unknown payment")
    return handler(request, event, obj, payment)


def _seen(request: Any, event_id: str) -> bool:
    return request.dbsession.execute(
        sa.select(StripeEvent.id).where(StripeEvent.id == event_id)).first() is not None


def _record(request: Any, event: dict[str, Any], intent_id: str | None,
            payment: OnlinePayment | None, amount: int | None, outcome: str) -> Response:
    created = event.get("created")
    try:
        with request.dbsession.begin_nested():
            request.dbsession.execute(sa.insert(StripeEvent.__table__), {
                "id": str(event["id"])[:255], "type": str(event.get("type"))[:100],
                "intent": intent_id, "payment_id": payment.id if payment is not None else None,
                "amount": amount, "received": request.now, "outcome": outcome[:200],
                "created": datetime.fromtimestamp(created, UTC) if isinstance(created, int)
                else None})
    except sa.exc.IntegrityError:  # the same event, handled meanwhile by another delivery
        return _text("already handled")
    return _text(outcome)


def _succeeded(request: Any, event: dict[str, Any], intent: dict[str, Any],
               payment: OnlinePayment) -> Response:
    taken = service.received(intent)
    before = payment.state
    confirm_payment(request, payment, amount=taken)  # paid too late: refunded (method.late)
    if before == "late":  # an earlier delivery found Stripe away for the refund: try again
        method.late(request, payment)
    if payment.state == "late":  # Stripe has not taken the refund yet: send the event again
        return _text("refund pending; send it again", 503)
    outcome = "confirmed" if before in ("pending", "failed", "cancelled") else f"already {before}"
    return _record(request, event, intent["id"], payment, taken, f"{outcome} ({payment.state})")


def _failed(request: Any, event: dict[str, Any], intent: dict[str, Any],
            payment: OnlinePayment) -> Response:
    error = intent.get("last_payment_error") or {}
    fail_payment(request, payment, str(error.get("message") or "the card payment failed"))
    return _record(request, event, intent["id"], payment, None, f"payment {payment.state}")


def _canceled(request: Any, event: dict[str, Any], intent: dict[str, Any],
              payment: OnlinePayment) -> Response:
    cancel_payment(request, payment, "cancelled at Stripe")
    return _record(request, event, intent["id"], payment, None, f"payment {payment.state}")


def _refunded(request: Any, event: dict[str, Any], charge: dict[str, Any],
              payment: OnlinePayment) -> Response:
    """Stripe has refunded ``amount_refunded`` of the charge in all: kept on the payment; what
    XTS2 did not refund itself is a refund made in Stripe's dashboard."""
    total = int(charge.get("amount_refunded") or 0)
    detail = dict(payment.detail or {})
    detail["stripe_refunded"] = max(total, int(detail.get("stripe_refunded") or 0))
    detail["charge"] = charge.get("id")
    ours = method.refunded_here(payment)
    outside = detail["stripe_refunded"] - ours
    detail["refunded_outside"] = max(outside, 0)
    payment.detail = detail
    request.dbsession.flush()
    if outside > 0:
        log.warning("stripe: %s of payment %s (basket %s) was refunded at Stripe, not through "
                    "XTS2: the takings show it once the box office refunds the order in its Refunds "
                    "screen (the card is not refunded again)", outside, payment.id,
                    payment.basket_id)
        outcome = f"refunded outside XTS2: {outside}"
    else:
        outcome = "refunds agree"
    return _record(request, event, payment.reference, payment, total, outcome)


HANDLERS = {
    "payment_intent.succeeded": _succeeded,
    "payment_intent.payment_failed": _failed,
    "payment_intent.canceled": _canceled,
    "charge.refunded": _refunded,
}


def _busy(exc: BaseException) -> bool:
    """A database that could not be had in time (the core's transient errors: locked, a
    serialization failure, a deadlock, the writer queue's wait) or not reached at all: Stripe
    may send the event again."""
    return is_transient(exc) or isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError)


def webhook_failed(exc: Exception, request: Any) -> Response:
    """The webhook's own answer to what went wrong: 503 for a busy database (replayed here
    first while pyramid_retry has attempts left), 500 for a bug; text, never the API's
    envelope."""
    if _busy(exc):
        mark_error_retryable(exc)
        log.warning("stripe: webhook: the database is busy (%s); Stripe will send it again",
                    type(exc).__name__)
        return _text("busy; send it again", 503)
    log.error("stripe: webhook failed", exc_info=exc)
    return _text("internal error", 500)
