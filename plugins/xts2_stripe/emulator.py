"""Trying the card page against localstripe, a Stripe emulator (``stripe.emulator = true``).

localstripe serves a stand-in for Stripe.js whose ``confirmCardPayment`` never sends the card
typed into its card Element: it only answers the 3-D Secure question of a PaymentIntent already
confirmed with a card. Its ``confirmCardSetup`` does send the card, from the browser straight to
the emulator. So, with the setting on (refused with live keys, or against Stripe itself), the
card page pays in three steps instead of one:

1. the browser confirms a SetupIntent made for this try (:func:`setup_secret`) with the card —
   the emulator makes a PaymentMethod of it; the card never reaches this server;
2. it asks this server (:func:`bridge_view`, ``POST /shop/stripe/emulator/{payment}``, with the
   PaymentIntent's client secret as proof that it holds the card page) to confirm the
   PaymentIntent with that PaymentMethod, as Stripe does inside ``confirmCardPayment``;
3. when the emulator asks for 3-D Secure, the browser calls ``confirmCardPayment`` as usual.

Everything after that — the return, the webhook, late payments, refunds — is the same code as
with Stripe. Nothing here runs unless the setting is on.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

import requests
import stripe
from pyramid.response import Response

from xts2_core import OnlinePayment

from .service import client_of, settings_of, words

log = logging.getLogger(__name__)


def setup_secret(registry: Any, payment: OnlinePayment) -> str:
    """A new SetupIntent for one try at the card page of ``payment``: its client secret."""
    made = client_of(registry).v1.setup_intents.create(params={
        "usage": "on_session", "metadata": {"xts2_payment": str(payment.id)}})
    return str(made.client_secret)


def _answer(code: int, **body: Any) -> Response:
    response = Response(json_body=body, status=code)
    response.headers["Cache-Control"] = "no-store"
    return response


def bridge_view(request: Any) -> Response:
    """Confirm the payment's PaymentIntent with the PaymentMethod the browser's SetupIntent made:
    ``{"status": …}``, or ``{"error": {"message": …}, "setup": <a new SetupIntent's secret>}``
    (402) when the card is declined, so the customer can try another at once. ``{"renew": true}``
    asks only for a new SetupIntent (the browser's failed: 3-D Secure refused)."""
    registry = request.registry
    try:
        body = request.json_body
        payment_id = int(request.matchdict["payment"])
        secret = str(body["client_secret"])
        setup_id = None if body.get("renew") else str(body["setup_intent"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return _answer(400, error={"message": "setup_intent and client_secret are required"})
    payment = request.dbsession.get(OnlinePayment, payment_id)
    if payment is None or payment.method != "stripe" or not payment.reference:
        return _answer(404, error={"message": "no such card payment"})
    client = client_of(registry)
    try:
        intent = client.v1.payment_intents.retrieve(payment.reference).to_dict()
        if setup_id is None:  # the SetupIntent failed in the browser (3-D Secure refused)
            if not hmac.compare_digest(str(intent.get("client_secret")), secret):
                return _answer(403, error={"message": "this card page is not the payment's"})
            return _answer(200, setup=setup_secret(registry, payment))
        setup = client.v1.setup_intents.retrieve(setup_id).to_dict()
    except stripe.StripeError as exc:
        return _answer(503, error={"message": words(exc)})
    method = setup.get("payment_method")
    if (not hmac.compare_digest(str(intent.get("client_secret")), secret)
            or (setup.get("metadata") or {}).get("xts2_payment") != str(payment.id)
            or setup.get("status") != "succeeded" or not method):
        return _answer(403, error={"message": "this card page is not the payment's"})
    cfg = settings_of(registry)
    # The emulator keeps a declined charge as the PaymentIntent's latest, and then refuses to
    # confirm it again, as Stripe would not: start the new try afresh (its API takes JSON).
    requests.post(f"{cfg.api_base}/v1/payment_intents/{intent['id']}", timeout=cfg.timeout,
                  headers={"Authorization": f"Bearer {cfg.secret_key}"},
                  json={"payment_method": method, "latest_charge": None}).raise_for_status()
    try:
        confirmed = client.v1.payment_intents.confirm(intent["id"])
    except stripe.CardError as exc:
        return _answer(402, error={"message": words(exc)}, setup=setup_secret(registry, payment))
    except stripe.StripeError as exc:
        return _answer(503, error={"message": words(exc)}, setup=setup_secret(registry, payment))
    log.info("stripe emulator: payment %s confirmed with %s: %s", payment.id, method,
             confirmed.status)
    return _answer(200, status=confirmed.status, id=confirmed.id)
