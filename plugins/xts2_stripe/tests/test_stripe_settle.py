"""A payment that never ends: ``xts2 expire`` (``settle_overdue``) hands it to the method past
its bound, which comes a margin before its basket expires. Stripe is asked first: paid after all
(the webhook was lost) completes the order; otherwise the PaymentIntent is cancelled at Stripe
before the payment is given up here, and no basket lets its seats go while its payment could
still succeed."""

from __future__ import annotations

from typing import Any

import stripe
from stripekit import (
    SECRET_KEY,
    VISA,
    Customer,
    FlakyStripe,
    app_request,
    basket,
    counts,
    flaky,
    intent_of,
    payment,
    settings,
)

from xts2_core import settle_overdue

# The tests settle 21 minutes on: past the payment's bound (20 min), before its basket's (30).


def at_the_card_page(venue: Any, customer: Any) -> str:
    ann = customer()
    ann.add(venue.perf, {venue.adult: 2})
    return intent_of(ann.checkout())


def settle(venue: Any) -> int:
    with app_request(venue) as request:
        return settle_overdue(request)


def test_the_payment_is_held_a_margin_less_than_its_basket(venue: Any, customer: Any,
                                                           xts2_clock: Any) -> None:
    at_the_card_page(venue, customer)
    p = payment(venue)
    expires = basket(venue, p.basket_id)["expires"]
    assert p.hold_until.isoformat() == "2026-11-30T12:20:00+00:00"
    assert expires.startswith("2026-11-30T12:30:00")
    xts2_clock.advance(minutes=19)
    assert settle(venue) == 0 and payment(venue).state == "pending"


def test_never_paid_cancelled_at_stripe_first(venue: Any, customer: Any,
                                              xts2_clock: Any) -> None:
    intent = at_the_card_page(venue, customer)
    xts2_clock.advance(minutes=21)
    assert counts(venue, venue.perf)["available"] == 8  # still held when it is settled
    assert settle(venue) == 1
    assert venue.localstripe.intent(intent)["status"] == "canceled"
    p = payment(venue)
    assert (p.state, p.message) == ("cancelled", "not paid in time; cancelled at Stripe")
    assert settle(venue) == 0
    xts2_clock.advance(minutes=10)  # the basket expires as any other: the seats go back
    assert counts(venue, venue.perf)["available"] == 10


def test_paid_but_the_webhook_was_lost(venue: Any, customer: Any, xts2_clock: Any) -> None:
    intent = at_the_card_page(venue, customer)
    venue.localstripe.pay(intent, VISA)
    xts2_clock.advance(minutes=21)
    assert settle(venue) == 1
    p = payment(venue)
    assert p.state == "paid"
    assert basket(venue, p.basket_id)["state"] == "closed"
    assert counts(venue, venue.perf) == {"sold": 2, "reserved": 0, "available": 8}


def test_paid_just_as_it_is_cancelled(venue: Any, customer: Any, xts2_clock: Any) -> None:
    """The customer's payment lands between the look-up and the cancel: Stripe refuses to
    cancel, the method looks again and completes the order."""
    intent = at_the_card_page(venue, customer)

    class PaysFirst(FlakyStripe):
        def request(self, method: str, url: str, headers: Any, post_data: Any = None) -> Any:
            if url.endswith(f"/payment_intents/{intent}/cancel"):
                venue.localstripe.pay(intent, VISA)
            return super().request(method, url, headers, post_data)

    venue.registry["stripe.client"] = stripe.StripeClient(
        SECRET_KEY, base_addresses={"api": venue.localstripe.url}, max_network_retries=0,
        http_client=PaysFirst())
    xts2_clock.advance(minutes=21)
    assert settle(venue) == 1
    assert payment(venue).state == "paid"
    assert venue.localstripe.intent(intent)["status"] == "succeeded"


def test_stripe_away_keeps_the_basket_held(venue: Any, customer: Any, xts2_clock: Any) -> None:
    intent = at_the_card_page(venue, customer)
    away = flaky(venue).down()
    xts2_clock.advance(minutes=21)
    assert settle(venue) == 1
    p = payment(venue)
    assert p.state == "pending"
    assert p.hold_until.isoformat() == "2026-11-30T12:31:00+00:00"  # ten minutes more
    assert basket(venue, p.basket_id)["expires"].startswith("2026-11-30T12:41:00")
    xts2_clock.advance(minutes=10)
    assert counts(venue, venue.perf)["available"] == 8  # the seats are still held
    away.down(False)
    assert settle(venue) == 1
    assert payment(venue).state == "cancelled"
    assert venue.localstripe.intent(intent)["status"] == "canceled"


def test_never_started_at_stripe(venue: Any, customer: Any, xts2_clock: Any,
                                 xts2_app_factory: Any) -> None:
    """Stripe was away when the customer chose to pay: the checkout says so and nothing is
    under way; with Stripe back, the next try works."""
    away = xts2_app_factory(**{**settings(venue.localstripe.url),
                               "stripe.api_base": "http://127.0.0.1:9"})
    ann = Customer(away)
    ann.add(venue.perf, {venue.adult: 2})
    page = ann.checkout(status=409)
    assert "The card payment service did not answer, and nothing was taken" in page.text
    assert (away.call("baskets/getbaskets", {})["baskets"][0]["state"], settle(venue)) == (
        "open", 0)
