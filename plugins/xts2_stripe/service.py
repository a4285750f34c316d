"""Talking to Stripe: one ``stripe.StripeClient`` per app (its key and API address from the
settings), and the few calls the method makes, each answering plain dicts and raising
:class:`xts2_core.Conflict` in Stripe's own words when Stripe refuses or does not answer.

Every call that creates something carries an idempotency key, so a call sent again — by the
library after a lost answer, or by us in a replayed request — never makes a second one.
"""

from __future__ import annotations

import logging
from typing import Any

import stripe

from xts2_core import Conflict

from .settings import StripeSettings

log = logging.getLogger(__name__)

CLIENT = "stripe.client"
SETTINGS = "stripe.settings"


class StripeUnavailable(Conflict):
    """Stripe did not answer (a network failure, a time-out, an error on its side): the same
    call may work later."""


def make_client(cfg: StripeSettings) -> stripe.StripeClient:
    return stripe.StripeClient(
        cfg.secret_key, base_addresses={"api": cfg.api_base},
        max_network_retries=cfg.network_retries,
        http_client=stripe.RequestsClient(timeout=cfg.timeout))


def settings_of(registry: Any) -> StripeSettings:
    return registry[SETTINGS]


def client_of(registry: Any) -> stripe.StripeClient:
    """The app's client (tests may put another in ``registry["stripe.client"]``)."""
    return registry[CLIENT]


def words(exc: stripe.StripeError) -> str:
    """What Stripe said, for a person."""
    message = exc.user_message or str(exc) or type(exc).__name__
    return " ".join(str(message).split())[:400]


def _call(what: str, func: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        return func(*args, **kwargs).to_dict()
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        log.warning("stripe: %s: no answer: %s", what, words(exc))
        raise StripeUnavailable(f"Stripe did not answer ({what}): {words(exc)}") from None
    except stripe.IdempotencyError as exc:
        # The same key with other details: an earlier try (whose answer may have been lost,
        # so it may have been made) asked for something else.
        log.warning("stripe: %s: an earlier try under the same key differs: %s", what,
                    words(exc))
        raise Conflict(f"Stripe has an earlier try to {what} with other details, which may have "
                       f"been made though its answer was lost: try again exactly as before (the "
                       f"same amount), or look the payment up in Stripe's dashboard") from None
    except stripe.StripeError as exc:
        status = exc.http_status or 0
        log.warning("stripe: %s: refused (%s): %s", what, status, words(exc))
        if status >= 500 or status == 0:
            raise StripeUnavailable(f"Stripe could not {what}: {words(exc)}") from None
        raise Conflict(f"Stripe refused to {what}: {words(exc)}") from None


def retrieve_intent(client: stripe.StripeClient, intent_id: str) -> dict[str, Any]:
    return _call("look the payment up", client.v1.payment_intents.retrieve, intent_id)


#: What the day's report needs of a PaymentIntent beyond itself: its latest charge (what Stripe
#: has refunded of it) and that charge's balance transaction (Stripe's fee).
RECORD_EXPAND = ["latest_charge.balance_transaction"]


def intent_record(client: stripe.StripeClient, intent_id: str) -> dict[str, Any]:
    """The PaymentIntent with its latest charge and the charge's balance transaction expanded
    (the day's report). :raises StripeUnavailable: Stripe did not answer."""
    return _call("look the payment up", client.v1.payment_intents.retrieve, intent_id,
                 params={"expand": RECORD_EXPAND})


def list_intents(client: stripe.StripeClient, *, gte: int, lt: int, page: int = 100
                 ) -> list[dict[str, Any]]:
    """Every PaymentIntent created from ``gte`` until ``lt`` (Unix seconds), each as
    :func:`intent_record` gives it, read ``page`` at a time (Stripe lists newest first).

    :raises StripeUnavailable: Stripe did not answer (at any page).
    :raises Conflict: Stripe refused the listing (localstripe does not filter by ``created``).
    """
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"created": {"gte": gte, "lt": lt}, "limit": page,
                              "expand": [f"data.{e}" for e in RECORD_EXPAND]}
    while True:
        answer = _call("list the payments", client.v1.payment_intents.list, params=params)
        data = list(answer.get("data") or [])
        found.extend(data)
        if not answer.get("has_more") or not data:
            return found
        params = {**params, "starting_after": data[-1]["id"]}


def create_intent(client: stripe.StripeClient, *, amount: int, currency: str,
                  metadata: dict[str, str], key: str) -> dict[str, Any]:
    # Only what a card payment needs (and what localstripe takes): the card Element confirms it.
    return _call("start the payment", client.v1.payment_intents.create,
                 params={"amount": amount, "currency": currency.lower(),
                         "payment_method_types": ["card"], "metadata": metadata},
                 options={"idempotency_key": key})


def cancel_intent(client: stripe.StripeClient, intent_id: str, key: str) -> dict[str, Any]:
    return _call("cancel the payment", client.v1.payment_intents.cancel, intent_id,
                 options={"idempotency_key": key})


def create_refund(client: stripe.StripeClient, *, intent_id: str, amount: int,
                  metadata: dict[str, str], key: str) -> dict[str, Any]:
    return _call("refund the payment", client.v1.refunds.create,
                 params={"payment_intent": intent_id, "amount": amount, "metadata": metadata},
                 options={"idempotency_key": key})


def received(intent: dict[str, Any]) -> int:
    """What Stripe took for a succeeded PaymentIntent (``amount_received``; an emulator that
    leaves it out: the amount)."""
    value = intent.get("amount_received")
    return int(value if value is not None else intent.get("amount") or 0)


def fee(intent: dict[str, Any], currency: str | None = None) -> int | None:
    """Stripe's fee for taking a PaymentIntent (minor units): its latest charge's balance
    transaction's, when those are expanded (:func:`intent_record`) and say; never guessed.
    With ``currency``, only a fee in that currency: one in the account's settlement currency
    is not a part of what the customer paid."""
    charge = intent.get("latest_charge")
    txn = charge.get("balance_transaction") if isinstance(charge, dict) else None
    if not isinstance(txn, dict) or txn.get("fee") is None:
        return None
    if currency is not None and str(txn.get("currency") or "").lower() != currency.lower():
        return None
    return int(txn["fee"])
