"""Stripe's fee on the cash-up sheet: what Stripe charged for taking a card payment is recorded
on its payment item as the order completes (``item.fee``), so the online terminal's takings say
what was taken, what Stripe kept, and what reaches the bank.

localstripe's charges carry a balance transaction whose fee is always 0; a transport in front
of it answers as Stripe does, with Stripe's UK card price (1.5% + 20p)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import stripe
from stripekit import SECRET_KEY, VISA, WEBSITE_KEY, event, intent_of, payment, post_event


def stripes_price(amount: int) -> int:
    """1.5% + 20p, in whole pence (Stripe rounds half up)."""
    return (amount * 15 + 500) // 1000 + 20


class StripesFees(stripe.RequestsClient):
    """Stripe's answers to a PaymentIntent's lookup carry Stripe's fee (``fee_currency``: the
    balance transaction's currency; ``away``: nothing reaches Stripe). ``lookups`` counts
    the PaymentIntents looked up."""

    def __init__(self, fee_currency: str = "gbp") -> None:
        super().__init__(timeout=10)
        self.fee_currency = fee_currency
        self.lookups = 0
        self.away = False

    def request(self, method: str, url: str, headers: Any, post_data: Any = None) -> Any:
        looked_up = (method.lower() == "get"
                     and urlsplit(url).path.startswith("/v1/payment_intents/"))
        if looked_up:
            self.lookups += 1
            if self.away:
                self._handle_request_error(stripe.APIConnectionError("Stripe is away"))
        body, status, headers_back = super().request(method, url, headers, post_data)
        if not looked_up or status != 200:
            return body, status, headers_back
        intent = json.loads(body)
        txn = (intent.get("latest_charge") or {}).get("balance_transaction")
        if isinstance(txn, dict):
            txn.update(fee=stripes_price(txn.get("amount") or intent["amount"]),
                       currency=self.fee_currency)
        return json.dumps(intent), status, headers_back


#: The day the tests' clock stands in (the clock does not move: a payment is added "now").
DAY = {"since": "2026-11-30T00:00:00+00:00", "until": "2026-12-01T00:00:00+00:00"}


def with_fees(venue: Any, **kw: Any) -> StripesFees:
    transport = StripesFees(**kw)
    venue.registry["stripe.client"] = stripe.StripeClient(
        SECRET_KEY, base_addresses={"api": venue.localstripe.url}, max_network_retries=0,
        http_client=transport)
    return transport


def paid_at_stripe(venue: Any, customer: Any, adults: int = 2) -> tuple[Any, dict[str, Any]]:
    ann = customer()
    ann.add(venue.perf, {venue.adult: adults})
    intent = intent_of(ann.checkout())
    return ann, venue.localstripe.pay(intent, VISA)


def recorded_fee(venue: Any) -> str | None:
    p = payment(venue)
    items = venue.call("baskets/getbasket", {"basket": p.basket_id})["basket"]["item"]
    (paid,) = [i for i in items if i["type"] == "payment"]
    return paid["payment"].get("fee")


def takings(venue: Any) -> dict[str, Any]:
    return venue.call("money/gettakings", DAY, key=WEBSITE_KEY)["takings"]


def test_the_fee_is_on_the_cash_up_sheet_when_the_webhook_comes_first(venue: Any,
                                                                      customer: Any) -> None:
    fees = with_fees(venue)
    _, paid = paid_at_stripe(venue, customer)
    assert post_event(venue, event("payment_intent.succeeded", paid)).text == "confirmed (paid)"
    assert fees.lookups == 1  # the event does not say the fee: it is looked up once
    assert stripes_price(2400) == 56 and recorded_fee(venue) == "0.56"
    t = takings(venue)
    assert (t["total"], t["fees"], t["paymenttype"]) == ("24.00", "0.56", [
        {"code": "stripe", "name": "Card (Stripe)", "amount": "24.00", "count": 1,
         "fees": "0.56"}])
    sheet = venue.call("xts/report", {"type": "takings", "from": DAY["since"],
                                      "until": DAY["until"]}, admin=True)["report"]
    (row,) = [r for r in sheet["row"] if r["paymenttype"] == "stripe"]
    assert (row["terminalname"], row["amount"], row["fees"], row["afterfees"]) == (
        "Website", "24.00", "0.56", "23.44")
    assert (sheet["total"]["fees"], sheet["total"]["afterfees"]) == ("0.56", "23.44")
    # The day's report of card payments against Stripe says the same fee.
    stripe_report = venue.call("xts/report", {"type": "stripe", "day": "2026-11-30"},
                               admin=True)["report"]
    assert [r["fee"] for r in stripe_report["row"] if r.get("reference")] == ["0.56"]


def test_the_customers_return_brings_the_fee_with_it(venue: Any, customer: Any) -> None:
    fees = with_fees(venue)
    ann, paid = paid_at_stripe(venue, customer, adults=1)
    assert "/shop/order/" in ann.back(payment(venue).id, status=303).location
    assert fees.lookups == 1  # the return's one lookup said the fee too
    assert recorded_fee(venue) == "0.38"  # 1.5% of 12.00 is 18p, and 20p
    assert post_event(venue, event("payment_intent.succeeded", paid)).text == \
        "already paid (paid)"
    assert (fees.lookups, takings(venue)["fees"]) == (1, "0.38")


def test_an_order_completes_when_the_fee_cannot_be_had(venue: Any, customer: Any) -> None:
    fees = with_fees(venue)
    _, paid = paid_at_stripe(venue, customer)
    fees.away = True  # the webhook came, but Stripe does not answer the lookup that follows
    assert post_event(venue, event("payment_intent.succeeded", paid)).text == "confirmed (paid)"
    assert (payment(venue).state, recorded_fee(venue)) == ("paid", None)
    t = takings(venue)
    assert (t["total"], t["fees"]) == ("24.00", "0.00")


def test_a_fee_in_another_currency_is_not_taken_from_the_payment(venue: Any,
                                                                  customer: Any) -> None:
    # The account settles in euros: Stripe's fee is in euros and is no part of the pounds
    # taken, so the sheet does not subtract it (the Stripe report still shows it).
    with_fees(venue, fee_currency="eur")
    _, paid = paid_at_stripe(venue, customer)
    assert post_event(venue, event("payment_intent.succeeded", paid)).text == "confirmed (paid)"
    assert recorded_fee(venue) is None and takings(venue)["fees"] == "0.00"
