"""A purchase paid by card through Stripe (localstripe standing in), as the customer and the box
office see it: Stripe's webhook before the customer's return, after it, twice, out of order; a
declined card and a second try; 3-D Secure; what the card page is made of."""

from __future__ import annotations

import re
from typing import Any

import pytest
from stripekit import (
    DECLINED,
    THREE_D_SECURE,
    VISA,
    basket,
    client_secret,
    counts,
    event,
    intent_of,
    payment,
    payments,
    post_event,
    rows,
)

from xts2_stripe.models import StripeEvent


def buy(venue: Any, customer: Any, adults: int = 2) -> tuple[Any, str, Any]:
    """A customer with ``adults`` Adult tickets at the card page: (customer, intent, page)."""
    ann = customer()
    ann.add(venue.perf, {venue.adult: adults})
    page = ann.checkout()
    return ann, intent_of(page), page


def sold(venue: Any, basket_id: int) -> dict[str, Any]:
    """What the box office sees of a paid order: the basket, its payment, the seats."""
    found = basket(venue, basket_id)
    paid = [i for i in found["item"] if i["type"] == "payment"]
    return {"state": found["state"], "name": found.get("name"), "value": found["value"],
            "payments": [(i["value"], i["payment"]["paymenttype"]) for i in paid],
            "counts": counts(venue, venue.perf)}


PAID = {"state": "closed", "name": "Ann Example", "value": "0.00",
        "payments": [("-24.00", "stripe")], "counts": {"sold": 2, "reserved": 0, "available": 8}}


def test_the_webhook_first_then_the_customer_returns(venue: Any, customer: Any) -> None:
    ann, intent, _ = buy(venue, customer)
    assert payment(venue).state == "pending" and payment(venue).reference == intent
    paid = venue.localstripe.pay(intent, VISA)
    assert paid["status"] == "succeeded"

    answer = post_event(venue, event("payment_intent.succeeded", paid))
    assert answer.text == "confirmed (paid)"
    p = payment(venue)
    assert (p.state, p.amount, p.item_id is not None) == ("paid", 2400, True)
    assert sold(venue, p.basket_id) == PAID

    back = ann.back(p.id, status=303)  # the return finds it done, and shows the order
    order = back.follow()
    assert "/shop/order/" in back.location and order.status_int == 200
    assert sold(venue, p.basket_id) == PAID
    assert [(e.type, e.intent, e.payment_id, e.amount) for e in rows(venue, StripeEvent)] == [
        ("payment_intent.succeeded", intent, p.id, 2400)]


def test_the_customer_first_then_the_webhook_changes_nothing(venue: Any, customer: Any) -> None:
    ann, intent, _ = buy(venue, customer)
    paid = venue.localstripe.pay(intent, VISA)
    back = ann.back(payment(venue).id, status=303)
    assert "/shop/order/" in back.location
    p = payment(venue)
    assert p.state == "paid" and sold(venue, p.basket_id) == PAID

    answer = post_event(venue, event("payment_intent.succeeded", paid))
    assert answer.text == "already paid (paid)"
    assert sold(venue, p.basket_id) == PAID
    assert [(q.state, q.item_id) for q in payments(venue)] == [("paid", p.item_id)]


def test_the_same_event_twice_and_events_out_of_order(venue: Any, customer: Any) -> None:
    ann, intent, _ = buy(venue, customer)
    declined = venue.localstripe.pay(intent, DECLINED)
    assert declined["status"] == "requires_payment_method"
    failed = event("payment_intent.payment_failed", declined)
    paid = venue.localstripe.pay(intent, VISA)
    succeeded = event("payment_intent.succeeded", paid)

    assert post_event(venue, succeeded).text == "confirmed (paid)"
    assert post_event(venue, succeeded).text == "already handled"  # Stripe sends it again
    # The failure of the first try arrives last: the payment stays paid.
    assert post_event(venue, failed).text == "payment paid"
    again = event("payment_intent.succeeded", paid)  # another event of the same success
    assert post_event(venue, again).text == "already paid (paid)"
    p = payment(venue)
    assert p.state == "paid" and sold(venue, p.basket_id) == PAID
    assert [e.type for e in sorted(rows(venue, StripeEvent), key=lambda e: e.received)] == [
        "payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.succeeded"]
    assert ann.back(p.id, status=303).location.count("/shop/order/") == 1


def test_a_declined_card_then_a_second_try_with_the_same_payment_intent(
        venue: Any, customer: Any) -> None:
    ann, intent, _ = buy(venue, customer)
    first = payment(venue)
    venue.localstripe.pay(intent, DECLINED)
    back = ann.back(first.id, status=303)  # the return asks Stripe: declined
    assert back.location.endswith("/shop/checkout")
    assert "declined" in back.follow().text
    assert (payment(venue).state, payment(venue).message) == ("failed",
                                                              "the payment was declined")
    assert basket(venue, first.basket_id)["state"] == "open"
    assert counts(venue, venue.perf)["sold"] == 0

    page = ann.checkout()  # a second try: the same payment, the same PaymentIntent
    assert intent_of(page) == intent
    assert [(p.id, p.state) for p in payments(venue)] == [(first.id, "pending")]
    venue.localstripe.pay(intent, VISA)
    assert "/shop/order/" in ann.back(first.id, status=303).location
    assert sold(venue, first.basket_id) == PAID


def test_a_failed_webhook_then_the_customer_pays(venue: Any, customer: Any) -> None:
    ann, intent, _ = buy(venue, customer)
    declined = venue.localstripe.pay(intent, DECLINED)
    assert post_event(venue, event("payment_intent.payment_failed", declined)).text == \
        "payment failed"
    assert payment(venue).message == "Your card was declined."
    paid = venue.localstripe.pay(intent, VISA)  # the customer tries again on the card page
    assert post_event(venue, event("payment_intent.succeeded", paid)).text == "confirmed (paid)"
    assert sold(venue, payment(venue).basket_id) == PAID


@pytest.mark.parametrize("authenticated", [True, False])
def test_three_d_secure(venue: Any, customer: Any, authenticated: bool) -> None:
    ann, intent, _ = buy(venue, customer)
    result = venue.localstripe.pay(intent, THREE_D_SECURE, authenticate=authenticated)
    p = payment(venue)
    back = ann.back(p.id, status=303)
    if authenticated:
        assert result["status"] == "succeeded"
        assert "/shop/order/" in back.location and sold(venue, p.basket_id) == PAID
    else:
        assert result["last_payment_error"]["code"] == "payment_intent_authentication_failure"
        assert back.location.endswith("/shop/checkout") and payment(venue).state == "failed"


def test_a_return_before_paying_waits(venue: Any, customer: Any) -> None:
    ann, intent, _ = buy(venue, customer)
    page = ann.back(payment(venue).id, status=200)
    assert "Waiting for your payment" in page.text and payment(venue).state == "pending"


def test_a_different_amount_taken_is_late(venue: Any, customer: Any) -> None:
    """Stripe says it took less than the basket's value: the basket cannot close on it, so the
    money goes back (a PaymentIntent changed behind the shop's back)."""
    ann, intent, _ = buy(venue, customer)
    paid = venue.localstripe.pay(intent, VISA)
    answer = post_event(venue, event("payment_intent.succeeded", {**paid, "amount": 1200,
                                                                  "amount_received": 1200}))
    assert answer.text == "confirmed (refunded)"
    p = payment(venue)
    assert (p.state, p.amount) == ("refunded", 1200)
    assert [r["amount"] for r in venue.localstripe.refunds(intent)] == [1200]
    assert basket(venue, p.basket_id)["state"] == "open"


def test_the_card_page(venue: Any, customer: Any) -> None:
    ann, intent, page = buy(venue, customer)
    url = venue.localstripe.url
    csp = dict(d.strip().split(" ", 1) for d in page.headers["Content-Security-Policy"].split(";"))
    assert url in csp["script-src"] and url in csp["frame-src"] and url in csp["connect-src"]
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    # No inline script: Stripe.js from its address, then the plugin's own module.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert [(re.search(r'src="([^"]+)"', a)[1], body) for a, body in scripts] == [
        (f"{url}/js.stripe.com/v3/", ""), ("/shop/stripe/static/card.js", "")]
    assert 'style="' not in page.text
    assert client_secret(page).startswith(intent + "_secret_")
    assert "pk_test_" in page.text and "sk_test_" not in page.text
    assert "Pay £24.00" in page.text and "Order 1" in page.text
    module = ann.get("/shop/stripe/static/card.js")
    assert "confirmCardPayment" in module.text and "text/javascript" in module.content_type
    created = venue.localstripe.intent(intent)
    assert (created["amount"], created["currency"], created["metadata"]) == (
        2400, "gbp", {"xts2_payment": "1", "xts2_basket": "1",
                      "xts2_created": "20261130120000"})


def test_a_changed_basket_after_a_decline_cancels_the_first_payment_intent(
        venue: Any, customer: Any) -> None:
    ann, first, _ = buy(venue, customer)
    venue.localstripe.pay(first, DECLINED)
    ann.back(payment(venue).id, status=303)  # declined: the basket may change again
    ann.add(venue.perf, {venue.concession: 1})
    second = intent_of(ann.checkout())
    assert second != first
    assert [(p.state, p.amount, p.reference) for p in payments(venue)] == [
        ("cancelled", 2400, first), ("pending", 3200, second)]
    assert venue.localstripe.intent(first)["status"] == "canceled"  # the old tab cannot pay
    assert payments(venue)[0].detail["cancelled_at_stripe"] is True
    venue.localstripe.pay(second, VISA)
    assert "/shop/order/" in ann.back(payment(venue).id, status=303).location


def test_a_second_try_after_the_payment_intent_was_cancelled_at_stripe(
        venue: Any, customer: Any) -> None:
    ann, first, _ = buy(venue, customer)
    venue.localstripe.pay(first, DECLINED)
    ann.back(payment(venue).id, status=303)
    venue.localstripe.client().v1.payment_intents.cancel(first)  # in Stripe's dashboard
    second = intent_of(ann.checkout())  # the same payment, a new PaymentIntent (a new key)
    assert second != first
    p = payment(venue)
    assert (len(payments(venue)), p.reference, p.detail["attempt"]) == (1, second, 1)
    venue.localstripe.pay(second, VISA)
    assert "/shop/order/" in ann.back(p.id, status=303).location
