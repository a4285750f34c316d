"""Money given back: the method's ``refund`` (what the box office's Refunds screen will call)
makes one Stripe refund per key, however often it is asked, answers Stripe's reference, and
says in Stripe's words why not; a refund made in Stripe's dashboard arrives by webhook
(``charge.refunded``) and is recorded beside the payment."""

from __future__ import annotations

from typing import Any

import pytest
from stripekit import (
    DECLINED,
    VISA,
    app_request,
    event,
    flaky,
    intent_of,
    method,
    payment,
    post_event,
    rows,
)

from xts2_core import Conflict, lock_payment
from xts2_stripe.models import StripeEvent


def paid_order(venue: Any, customer: Any, card: str = VISA) -> str:
    ann = customer()
    ann.add(venue.perf, {venue.adult: 2})
    intent = intent_of(ann.checkout())
    venue.localstripe.pay(intent, card)
    ann.back(payment(venue).id)
    return intent


def refund(venue: Any, amount: int, key: str) -> str:
    with app_request(venue) as request:
        return method(venue).refund(request, lock_payment(request, payment(venue).id), amount,
                                    key)


def test_a_refund(venue: Any, customer: Any) -> None:
    intent = paid_order(venue, customer)
    reference = refund(venue, 1200, "boxoffice-refund-7")
    (made,) = venue.localstripe.refunds(intent)
    assert (made["id"], made["amount"], made["metadata"]) == (
        reference, 1200, {"xts2_payment": "1", "xts2_key": "boxoffice-refund-7"})
    assert payment(venue).detail["refunds"] == {"boxoffice-refund-7": {"id": reference,
                                                                       "amount": 1200}}
    assert payment(venue).state == "paid"  # the takings change with the box office's refund


def test_a_lost_answer_and_a_retry_with_the_same_key_refund_once(venue: Any,
                                                                 customer: Any) -> None:
    intent = paid_order(venue, customer)
    transport = flaky(venue).lose(1)
    with pytest.raises(Conflict, match="Stripe did not answer"):
        refund(venue, 1200, "boxoffice-refund-8")
    assert "refunds" not in payment(venue).detail  # nothing recorded: it is not known yet
    reference = refund(venue, 1200, "boxoffice-refund-8")  # the box office tries again
    assert [(r["id"], r["amount"]) for r in venue.localstripe.refunds(intent)] == [
        (reference, 1200)]
    assert [key for _, url, key in transport.sent if url.endswith("/v1/refunds")] == [
        "boxoffice-refund-8"] * 2
    assert refund(venue, 1200, "boxoffice-refund-8") == reference  # and again: still one
    assert len(venue.localstripe.refunds(intent)) == 1


def test_the_library_retries_a_lost_answer_itself_with_the_same_key(venue: Any,
                                                                    customer: Any) -> None:
    intent = paid_order(venue, customer)
    transport = flaky(venue, retries=2).lose(1)
    reference = refund(venue, 2400, "boxoffice-refund-9")
    assert [r["id"] for r in venue.localstripe.refunds(intent)] == [reference]
    assert len([url for _, url, _ in transport.sent if url.endswith("/v1/refunds")]) == 2


def test_stripe_refuses_in_its_words(venue: Any, customer: Any) -> None:
    paid_order(venue, customer, card=DECLINED)
    with pytest.raises(Conflict) as refused:
        refund(venue, 1200, "boxoffice-refund-10")
    assert refused.value.message == ("Stripe refused to refund the payment: Cannot refund a "
                                     "failed payment.")


def test_stripe_away(venue: Any, customer: Any) -> None:
    intent = paid_order(venue, customer)
    flaky(venue).down()
    with pytest.raises(Conflict, match="Stripe did not answer"):
        refund(venue, 1200, "boxoffice-refund-11")
    assert venue.localstripe.refunds(intent) == []


def charge_refunded(venue: Any, intent: str) -> dict[str, Any]:
    client = venue.localstripe.client()
    charge = client.v1.charges.retrieve(venue.localstripe.intent(intent)["latest_charge"]["id"])
    return event("charge.refunded", charge.to_dict())


def test_a_refund_made_in_stripes_dashboard_is_recorded(venue: Any, customer: Any) -> None:
    intent = paid_order(venue, customer)
    venue.localstripe.client().v1.refunds.create(params={"payment_intent": intent,
                                                         "amount": 500})
    notice = charge_refunded(venue, intent)
    assert post_event(venue, notice).text == "refunded outside XTS2: 500"
    assert post_event(venue, notice).text == "already handled"
    p = payment(venue)
    assert (p.state, p.detail["stripe_refunded"], p.detail["refunded_outside"]) == (
        "paid", 500, 500)
    # The box office then refunds a 12.00 ticket through XTS2: the 5.00 the dashboard gave
    # back counts towards it, so the card gets 7.00 more, and the records agree again.
    assert refund(venue, 1200, "boxoffice-refund-12") != "made in Stripe's dashboard"
    assert sorted(r["amount"] for r in venue.localstripe.refunds(intent)) == [500, 700]
    assert post_event(venue, charge_refunded(venue, intent)).text == "refunds agree"
    p = payment(venue)
    assert (p.detail["stripe_refunded"], p.detail["refunded_outside"]) == (1200, 0)
    assert p.detail["refunds"]["boxoffice-refund-12"]["from_dashboard"] == 500
    assert [(e.type, e.amount, e.outcome) for e in
            sorted(rows(venue, StripeEvent), key=lambda e: e.amount)] == [
        ("charge.refunded", 500, "refunded outside XTS2: 500"),
        ("charge.refunded", 1200, "refunds agree")]


def test_a_dashboard_refund_recorded_by_the_box_office_is_not_made_twice(
        venue: Any, customer: Any) -> None:
    intent = paid_order(venue, customer)
    venue.localstripe.client().v1.refunds.create(params={"payment_intent": intent,
                                                         "amount": 2400})
    post_event(venue, charge_refunded(venue, intent))
    assert refund(venue, 2400, "boxoffice-refund-14") == "made in Stripe's dashboard"
    assert [r["amount"] for r in venue.localstripe.refunds(intent)] == [2400]
    assert payment(venue).detail["refunded_outside"] == 0


def test_refunds_made_through_xts2_agree(venue: Any, customer: Any) -> None:
    intent = paid_order(venue, customer)
    refund(venue, 2400, "boxoffice-refund-13")
    assert post_event(venue, charge_refunded(venue, intent)).text == "refunds agree"
    assert payment(venue).detail["refunded_outside"] == 0
