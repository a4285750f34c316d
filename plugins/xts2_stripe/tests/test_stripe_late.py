"""Paid when the basket could no longer take it: the money goes back to the card by itself (one
Stripe refund, under a key tied to the payment) and the customer is told by email; whichever of
the webhook and the return comes first does it, the other changes nothing. When Stripe does not
take the refund at once, the webhook answers 503 until it does."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from typing import Any

import sqlalchemy as sa
from stripekit import VISA, counts, event, flaky, intent_of, payment, post_event, rows

from xts2_core.mail import OutboxMail


def sell_at_the_box_office(venue: Any, quantity: int) -> None:
    box = venue.call("baskets/newbasket")["basket"]["id"]
    venue.call("baskets/additem", {"basket": box, "type": "ticket", "item.performance": venue.perf,
                                   "item.tickettype": venue.adult, "item.quantity": quantity})


def paid_too_late(venue: Any, customer: Any, xts2_clock: Any, *, sold_meanwhile: int = 9
                  ) -> tuple[Any, dict[str, Any]]:
    """A customer pays 31 minutes after the card page opened: the basket held for 30 has
    expired, and the box office has meanwhile sold ``sold_meanwhile`` of the 10 seats (9: one
    is left of the customer's two)."""
    ann = customer()
    ann.add(venue.perf, {venue.adult: 2})
    intent = intent_of(ann.checkout())
    xts2_clock.advance(minutes=31)
    if sold_meanwhile:
        sell_at_the_box_office(venue, sold_meanwhile)
    return ann, venue.localstripe.pay(intent, VISA)


def mails(venue: Any) -> list[Any]:
    return [message_from_bytes(m.message, policy=default) for m in rows(venue, OutboxMail)]


def assert_refunded(venue: Any, intent: str) -> None:
    p = payment(venue)
    assert (p.state, p.amount, p.item_id) == ("refunded", 2400, None)
    assert "Only 1 of the 2 tickets is still available for Hamlet" in p.message
    (refund,) = venue.localstripe.refunds(intent)
    assert (refund["amount"], refund["metadata"]["xts2_key"]) == (
        2400, "xts2-late-1-20261130120000")
    assert p.detail["late_refund"] == refund["id"]
    (mail,) = mails(venue)
    assert mail["To"] == "Ann Example <ann@example.org>"
    assert mail["Subject"] == "Your payment to Riverside Theatre has been refunded"
    text = mail.get_body(("plain",)).get_content()
    assert "£24.00 for order 1" in text and "refunded the whole £24.00" in text
    assert refund["id"] in text
    # Nothing was sold to the customer: the basket stays as it was, unpaid and expired.
    lost = venue.call("baskets/getbasket", {"basket": p.basket_id}, status=409)
    assert lost["error"]["code"] == "basket_expired"
    assert counts(venue, venue.perf) == {"sold": 0, "reserved": 9, "available": 1}


def test_the_webhook_of_a_payment_too_late_refunds_it_and_tells_the_customer(
        venue: Any, customer: Any, xts2_clock: Any) -> None:
    ann, paid = paid_too_late(venue, customer, xts2_clock)
    answer = post_event(venue, event("payment_intent.succeeded", paid))
    assert answer.text == "confirmed (refunded)"
    assert_refunded(venue, paid["id"])
    # The customer comes back: the shop says so; nothing more is refunded or sent.
    page = ann.back(payment(venue).id, status=409)
    assert "came too late" in page.text and "£24.00, has been given back" in page.text
    assert post_event(venue, event("payment_intent.succeeded", paid)).text == \
        "already refunded (refunded)"
    assert_refunded(venue, paid["id"])


def test_the_return_of_a_payment_too_late_refunds_it_once(venue: Any, customer: Any,
                                                           xts2_clock: Any) -> None:
    ann, paid = paid_too_late(venue, customer, xts2_clock)
    assert "came too late" in ann.back(payment(venue).id, status=409).text
    assert_refunded(venue, paid["id"])
    assert post_event(venue, event("payment_intent.succeeded", paid)).text == \
        "already refunded (refunded)"
    assert_refunded(venue, paid["id"])


def test_a_refund_stripe_does_not_take_at_once_is_tried_again_by_the_webhook(
        venue: Any, customer: Any, xts2_clock: Any) -> None:
    ann, paid = paid_too_late(venue, customer, xts2_clock)
    stripe_away = flaky(venue).down()
    succeeded = event("payment_intent.succeeded", paid)
    assert post_event(venue, succeeded, status=503).text == "refund pending; send it again"
    p = payment(venue)
    assert (p.state, mails(venue)) == ("late", [])
    assert "Stripe did not answer" in p.detail["late_refund_error"]
    assert post_event(venue, succeeded, status=503).status_int == 503  # still away
    stripe_away.down(False)
    assert post_event(venue, succeeded).text == "already late (refunded)"
    assert_refunded(venue, paid["id"])
    assert "late_refund_error" not in payment(venue).detail


def test_a_lost_answer_to_the_refund_refunds_once(venue: Any, customer: Any,
                                                  xts2_clock: Any) -> None:
    """Stripe made the refund but its answer was lost: the next delivery asks again with the
    same key and gets the same refund (Stripe keeps its answers by key; localstripe does not, so
    the tests' transport keeps them, as Stripe does)."""
    ann, paid = paid_too_late(venue, customer, xts2_clock)
    transport = flaky(venue).lose(1)
    succeeded = event("payment_intent.succeeded", paid)
    assert post_event(venue, succeeded, status=503).status_int == 503
    assert post_event(venue, succeeded).text == "already late (refunded)"
    assert_refunded(venue, paid["id"])
    keys = [key for method, url, key in transport.sent if url.endswith("/v1/refunds")]
    assert keys == ["xts2-late-1-20261130120000"] * 2


def test_paid_too_late_while_the_seats_could_still_be_had(venue: Any, customer: Any,
                                                          xts2_clock: Any) -> None:
    """The basket expired but nobody took its seats: the basket is taken back and the order
    completes, as if the payment had come in time; nothing is refunded."""
    ann, paid = paid_too_late(venue, customer, xts2_clock, sold_meanwhile=8)
    assert counts(venue, venue.perf)["available"] == 2  # the customer's two are still there
    assert post_event(venue, event("payment_intent.succeeded", paid)).text == \
        "confirmed (paid)"
    p = payment(venue)
    assert (p.state, p.amount, venue.localstripe.refunds(paid["id"])) == ("paid", 2400, [])
    closed = venue.call("baskets/getbasket", {"basket": p.basket_id})["basket"]
    assert (closed["state"], closed["name"]) == ("closed", "Ann Example")
    assert counts(venue, venue.perf) == {"sold": 2, "reserved": 8, "available": 0}
    (mail,) = mails(venue)
    assert mail["Subject"] == "Your tickets from Riverside Theatre"
    order = ann.back(p.id)  # the customer's return finds the order paid
    assert "your order is confirmed" in order.follow().text
    assert post_event(venue, event("payment_intent.succeeded", paid)).text == \
        "already paid (paid)"
    assert len(mails(venue)) == 1


def test_paid_too_late_when_the_seats_were_sold_meanwhile(venue: Any, customer: Any,
                                                          xts2_clock: Any) -> None:
    ann, paid = paid_too_late(venue, customer, xts2_clock, sold_meanwhile=10)
    assert post_event(venue, event("payment_intent.succeeded", paid)).text == \
        "confirmed (refunded)"
    p = payment(venue)
    assert p.state == "refunded"
    assert [r["amount"] for r in venue.localstripe.refunds(paid["id"])] == [2400]
    with venue.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 1
