"""Money given back from the box office: a refund basket whose refund payment names the card
payment (``item.refundof``) gives the money back to the card through Stripe, and is recorded
only once Stripe has made the refund; a retry after a lost answer refunds once; the takings show
the payment and its refund on the online terminal, whose account the money left."""

from __future__ import annotations

from typing import Any

from stripekit import VISA, event, flaky, intent_of, payment, post_event

from xts2_core.models import BasketItem


def paid_order(venue: Any, customer: Any) -> tuple[int, str]:
    """Ann's order of two Adult tickets (24.00), paid by card: (its basket, the intent). The
    box office (the test terminal) takes cash only."""
    venue.add_terminal("Test terminal", venue.terminal_key, paymenttypes=["cash"])
    ann = customer()
    ann.add(venue.perf, {venue.adult: 2})
    intent = intent_of(ann.checkout())
    venue.localstripe.pay(intent, VISA)
    ann.back(payment(venue).id)
    return payment(venue).basket_id, intent


def lines(venue: Any, basket: int) -> dict[str, dict[str, Any]]:
    items = venue.call("baskets/getbasket", {"basket": basket})["basket"]["item"]
    return {i["type"]: i for i in items}


def refund_basket(venue: Any, sale: int, quantity: int = 2) -> int:
    """A refund basket at the box office giving back ``quantity`` of the sale's tickets."""
    back = venue.call("baskets/newbasket")["basket"]["id"]
    venue.call("baskets/additem", {"basket": back, "type": "ticket", "item.quantity": quantity,
                                   "item.refundof": lines(venue, sale)["ticket"]["id"]})
    return back


def pay_back(venue: Any, back: int, sale: int, amount: str, status: int = 200,
             **extra: Any) -> dict[str, Any]:
    return venue.call("baskets/additem", {
        "basket": back, "type": "payment", "item.paymenttype": "stripe", "item.amount": amount,
        "item.refund": "true", "item.refundof": lines(venue, sale)["payment"]["id"], **extra},
        status=status)


def takings(venue: Any) -> dict[tuple[str, str], tuple[str, str]]:
    """The cash-up sheet: (terminal, payment type) -> (taken, refunded)."""
    body = venue.call("xts/report", {"type": "takings", "from": "2026-11-30T00:00:00Z",
                                      "until": "2026-12-01T00:00:00Z"},
                      admin=True)
    return {(r["terminalname"], r["paymenttype"]): (r["payments"], r["refunds"])
            for r in body["report"]["row"]}


def test_a_whole_refund_goes_back_to_the_card(venue: Any, customer: Any) -> None:
    sale, intent = paid_order(venue, customer)
    back = refund_basket(venue, sale)
    added = pay_back(venue, back, sale, "24.00")["item"]
    (made,) = venue.localstripe.refunds(intent)
    assert (made["amount"], made["metadata"]["xts2_key"]) == (
        2400, "xts2-refund-1-20261130120000-1")
    assert added["payment"]["reference"] == made["id"]
    assert added["payment"]["refundof"] == lines(venue, sale)["payment"]["id"]
    assert venue.call("baskets/closebasket", {"basket": back})["basket"]["state"] == "closed"
    website = payment(venue).terminal_id
    assert added["payment"]["terminal"] == website  # the money left the online account
    assert takings(venue) == {("Website", "stripe"): ("24.00", "24.00")}
    assert venue.call("tickets/getticketcounts", {"performance": venue.perf}
                      )["ticketcounts"][0]["sold"] == 0


def test_part_refunds_each_once_and_never_more_than_was_paid(venue: Any, customer: Any
                                                             ) -> None:
    sale, intent = paid_order(venue, customer)
    for _ in range(2):
        back = refund_basket(venue, sale, quantity=1)
        pay_back(venue, back, sale, "12.00")
        venue.call("baskets/closebasket", {"basket": back})
    # Two refunds, each under its own key (localstripe lists refunds newest first by the
    # second they were made in, so two made in one second come in either order).
    assert sorted((r["amount"], r["metadata"]["xts2_key"][-2:]) for r in
                  venue.localstripe.refunds(intent)) == [(1200, "-1"), (1200, "-2")]
    # Nothing is left to give back, even for a refund basket that owes more back (the box
    # office refunds a cash sale's tickets, and names the card payment by mistake).
    cash_sale = venue.call("baskets/newbasket")["basket"]["id"]
    venue.call("baskets/additem", {"basket": cash_sale, "type": "ticket", "item.quantity": 2,
                                   "item.performance": venue.perf, "item.tickettype": venue.adult})
    venue.call("baskets/additem", {"basket": cash_sale, "type": "payment",
                                   "item.paymenttype": "cash", "item.amount": "24.00"})
    venue.call("baskets/closebasket", {"basket": cash_sale})
    other = refund_basket(venue, cash_sale)
    body = pay_back(venue, other, sale, "24.00", status=409)
    assert (body["error"]["code"], body["error"]["message"], body["error"]["param"]) == (
        "item_rejected", f"Payment {lines(venue, sale)['payment']['id']} has been given back "
        "already", "item.amount")
    assert len(venue.localstripe.refunds(intent)) == 2


def test_stripe_away_records_nothing_and_says_why(venue: Any, customer: Any) -> None:
    sale, intent = paid_order(venue, customer)
    back = refund_basket(venue, sale)
    transport = flaky(venue).down()
    body = pay_back(venue, back, sale, "24.00", status=409)
    assert body["error"]["code"] == "item_rejected"
    assert body["error"]["message"].startswith("Nothing was given back: Stripe did not answer")
    assert body["error"]["param"] == "item.refundof"
    assert set(lines(venue, back)) == {"ticket"}  # no payment recorded
    assert venue.localstripe.refunds(intent) == []
    transport.down(False)  # Stripe is back: the same refund again
    pay_back(venue, back, sale, "24.00")
    assert [r["amount"] for r in venue.localstripe.refunds(intent)] == [2400]


def test_a_lost_answer_and_a_retry_from_a_new_basket_refund_once(venue: Any, customer: Any
                                                                 ) -> None:
    """Stripe made the refund but its answer was lost: nothing is recorded, the screen says so;
    the retry — here from a fresh refund basket, as the client does after an error — sends the
    same key, and Stripe answers with the refund it made."""
    sale, intent = paid_order(venue, customer)
    first = refund_basket(venue, sale)
    transport = flaky(venue).lose(1)
    assert "did not answer" in pay_back(venue, first, sale, "24.00",
                                        status=409)["error"]["message"]
    venue.call("baskets/removeitem", {"basket": first, "item": lines(venue, first)["ticket"]["id"]})
    again = refund_basket(venue, sale)
    added = pay_back(venue, again, sale, "24.00")["item"]
    (made,) = venue.localstripe.refunds(intent)
    assert added["payment"]["reference"] == made["id"]
    keys = [key for _, url, key in transport.sent if url.endswith("/v1/refunds")]
    assert keys == ["xts2-refund-1-20261130120000-1"] * 2


def test_a_lost_answer_then_another_amount_is_refused_until_the_first_is_asked_again(
        venue: Any, customer: Any) -> None:
    """Stripe made a 24.00 refund whose answer was lost; the box office then asks for 12.00: the
    same key with another amount, which Stripe refuses. Nothing is recorded and the screen says
    what to do; asking for the 24.00 again records the refund Stripe made."""
    sale, intent = paid_order(venue, customer)
    first = refund_basket(venue, sale)
    flaky(venue).lose(1)
    pay_back(venue, first, sale, "24.00", status=409)
    venue.call("baskets/removeitem", {"basket": first, "item": lines(venue, first)["ticket"]["id"]})
    smaller = refund_basket(venue, sale, quantity=1)
    body = pay_back(venue, smaller, sale, "12.00", status=409)
    assert "an earlier try to refund the payment with other details" in body["error"]["message"]
    assert "try again exactly as before (the same amount)" in body["error"]["message"]
    assert set(lines(venue, smaller)) == {"ticket"}
    venue.call("baskets/removeitem", {"basket": smaller,
                                      "item": lines(venue, smaller)["ticket"]["id"]})
    again = refund_basket(venue, sale)
    added = pay_back(venue, again, sale, "24.00")["item"]
    (made,) = venue.localstripe.refunds(intent)
    assert (made["amount"], added["payment"]["reference"]) == (2400, made["id"])


def test_a_retried_request_gets_its_first_answer(venue: Any, customer: Any) -> None:
    """The answer to the box office was lost (not Stripe's): the client sends the same opid
    again and gets the refund it made; Stripe is not asked again."""
    sale, intent = paid_order(venue, customer)
    back = refund_basket(venue, sale)
    first = pay_back(venue, back, sale, "24.00", opid="refund-7f3a")
    second = pay_back(venue, back, sale, "24.00", opid="refund-7f3a")
    assert second["item"]["id"] == first["item"]["id"]
    assert len(venue.localstripe.refunds(intent)) == 1
    with venue.session() as s:
        assert s.query(BasketItem).filter_by(basket_id=back, type="payment").count() == 1


def test_a_refund_made_in_stripes_dashboard_is_recorded_not_made_again(
        venue: Any, customer: Any) -> None:
    sale, intent = paid_order(venue, customer)
    venue.localstripe.client().v1.refunds.create(params={"payment_intent": intent})
    charge = venue.localstripe.client().v1.charges.retrieve(
        venue.localstripe.intent(intent)["latest_charge"]["id"])
    post_event(venue, event("charge.refunded", charge.to_dict()))
    back = refund_basket(venue, sale)
    added = pay_back(venue, back, sale, "24.00")["item"]
    assert added["payment"]["reference"] == "made in Stripe's dashboard"
    assert len(venue.localstripe.refunds(intent)) == 1
    venue.call("baskets/closebasket", {"basket": back})
    assert takings(venue) == {("Website", "stripe"): ("24.00", "24.00")}


def test_bad_input_is_refused_and_changes_nothing(venue: Any, customer: Any) -> None:
    sale, intent = paid_order(venue, customer)
    back = refund_basket(venue, sale)
    ticket = lines(venue, sale)["ticket"]["id"]
    cases = [
        ({"item.refundof": ticket}, 409, "item.refundof", f"Item {ticket} is not a payment"),
        ({"item.refundof": 99999}, 404, "item.refundof", None),
        ({"item.paymenttype": "cash"}, 409, "item.paymenttype",
         "goes back the same way (item.paymenttype=stripe)"),
        ({"item.amount": "30.00"}, 409, "item.amount", "a refund of 30.00 is too much"),
        ({"item.refundof": "x"}, 400, "item.refundof", None),
    ]
    for extra, status, param, words in cases:
        body = pay_back(venue, back, sale, "24.00", status=status, **extra)
        assert body["error"]["param"] == param, extra
        if words:
            assert words in body["error"]["message"], extra
    assert venue.localstripe.refunds(intent) == []
    assert set(lines(venue, back)) == {"ticket"}
