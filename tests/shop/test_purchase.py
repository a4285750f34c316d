"""A whole purchase with the test payment service, as the customer sees it and as the box office
sees it afterwards: the notification before the customer's return, and after it; the same
notification twice; a forged one; a declined payment and a second try."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from shopkit import (
    ANN,
    SECRET,
    basket,
    counts,
    items,
    latest_payment,
    notify,
    orders,
    outbox,
    payments,
    snapshot,
    takings,
    token_of,
    words,
)

from xts2_core.models import AuditEntry
from xts2_shop import testpay


@pytest.fixture
def hamlet(shop: Any) -> dict[str, int]:
    ids = shop.ids
    return {"perf": ids.perfs[("Hamlet", "2026-12-05T19:30")],
            "adult": ids.tickettypes[("Hamlet", "Adult")],
            "concession": ids.tickettypes[("Hamlet", "Concession")]}


def assert_sold(shop: Any, hamlet: dict[str, int], basket_id: int, token: str, page: Any) -> None:
    """What one paid order of 2 Adult + 1 Concession (£32.00) leaves behind."""
    # The customer's order page: what was bought and what was paid.
    assert page.status_int == 200
    text = words(page)
    assert "your order is confirmed" in text
    assert "Hamlet" in text and "Adult" in text and "Concession" in text
    assert "£24.00" in text and "£8.00" in text  # 2 Adult, 1 Concession
    assert re.search(r"Online payment:? £32\.00", text)
    assert f"Order {basket_id} for Ann Example" in text
    # The box office: one basket, closed, saved under the customer's name, one payment.
    found = shop.call("baskets/getbaskets", {"name": "ann example"})["baskets"]
    assert [(b["id"], b["name"], b["state"], b["persistent"], b["value"]) for b in found] == [
        (basket_id, "Ann Example", "closed", True, "0.00")]
    (paid,) = items(shop, basket_id, "payment")
    assert (paid["value"], paid["payment"]["paymenttype"]) == ("-32.00", "online")
    assert sorted((i["description"], i["quantity"]) for i in items(shop, basket_id, "ticket")) == [
        ("Hamlet, Sat 5 Dec 19:30, Adult", 2), ("Hamlet, Sat 5 Dec 19:30, Concession", 1)]
    metadata = shop.call("baskets/getmetadata", {"basket": basket_id})["metadata"]
    assert metadata == {"email": "ann@example.org", "customer": "Ann Example", "source": "shop"}
    assert counts(shop, hamlet["perf"]) == {"sold": 3, "reserved": 0, "available": 97}
    assert takings(shop)["total"] == "32.00"
    assert [(p.state, p.amount, p.item_id) for p in payments(shop)] == [
        ("paid", 3200, paid["id"])]
    assert [(o.state, o.basket_id) for o in orders(shop)] == [("paid", basket_id)]
    assert [m.subject for m in outbox(shop)] == ["Your tickets from Riverside Theatre"]
    # Another look at the order, from the mail's link, in another browser, is the same.
    assert "your order is confirmed" in page.goto(f"/shop/order/{token}").text


def start_paying(customer: Any, hamlet: dict[str, int]) -> tuple[Any, Any]:
    c = customer()
    basket_page = c.add(hamlet["perf"], {hamlet["adult"]: 2, hamlet["concession"]: 1})
    assert "£32.00" in words(basket_page)
    assert "held for you" in words(basket_page)
    service = c.checkout().follow()
    assert "Test payment service" in service.text and "£32.00" in service.text
    return c, service


def test_notification_before_the_return(shop, customer, hamlet):
    c, _ = start_paying(customer, hamlet)
    back = c.pay()  # the customer pressed Pay; the service tells the shop before they come back
    payment = latest_payment(shop)
    assert notify(shop, payment.reference, "paid").text == "ok"
    assert latest_payment(shop).state == "paid"
    order = back.follow(status=303)
    token = token_of(order.location)
    page = order.follow()
    assert_sold(shop, hamlet, payment.basket_id, token, page)
    # The customer's next visit starts a new basket.
    assert "Your basket is empty" in c.get("/shop/basket").text


def test_notification_after_the_return(shop, customer, hamlet):
    c, _ = start_paying(customer, hamlet)
    back = c.pay()
    order = back.follow(status=303)  # the return asks the service, which says paid
    token = token_of(order.location)
    payment = latest_payment(shop)
    assert payment.state == "paid"
    before = snapshot(shop)
    assert notify(shop, payment.reference, "paid").text == "ok"  # the late notification
    assert snapshot(shop) == before
    assert_sold(shop, hamlet, payment.basket_id, token, order.follow())


def test_the_same_notification_twice_changes_nothing(shop, customer, hamlet):
    c, _ = start_paying(customer, hamlet)
    back = c.pay()
    reference = latest_payment(shop).reference
    notify(shop, reference, "paid")
    before = snapshot(shop)
    notify(shop, reference, "paid")
    notify(shop, reference, "declined")  # a stray later word from the service neither
    assert snapshot(shop) == before
    order = back.follow(status=303)
    assert_sold(shop, hamlet, latest_payment(shop).basket_id, token_of(order.location),
                order.follow())


def test_a_notification_with_a_bad_signature_is_refused(shop, customer, hamlet):
    c, _ = start_paying(customer, hamlet)
    reference = latest_payment(shop).reference
    before = snapshot(shop)
    notify(shop, reference, "paid", secret="guessed", status=400)
    notify(shop, reference, "paid", secret="", status=400)
    # Signed for another outcome, or another payment: not this one.
    response = c.post("/shop/testpay/notify", {
        "reference": reference, "outcome": "paid",
        "signature": testpay.signature(SECRET, reference, "declined")}, status=400)
    assert "bad signature" in response.text
    assert snapshot(shop) == before
    assert latest_payment(shop).state == "pending"
    # Nothing was paid: the order is not complete, and the seats are only held.
    assert counts(shop, hamlet["perf"]) == {"sold": 0, "reserved": 3, "available": 97}
    assert takings(shop)["total"] == "0.00"


def test_the_return_before_the_service_knows_waits(shop, customer, hamlet):
    c, _ = start_paying(customer, hamlet)
    payment = latest_payment(shop)
    waiting = c.get(f"/shop/pay/{payment.id}/return")
    assert waiting.status_int == 200 and "Waiting for your payment" in waiting.text
    assert latest_payment(shop).state == "pending"
    notify(shop, payment.reference, "paid")
    order = c.get(f"/shop/pay/{payment.id}/return", status=303)
    assert "your order is confirmed" in order.follow().text


def test_a_declined_payment_then_a_second_try_with_the_same_payment(shop, customer, hamlet):
    c, _ = start_paying(customer, hamlet)
    back = c.pay("declined")
    notify(shop, latest_payment(shop).reference, "declined")
    checkout = back.follow(status=303)
    assert checkout.location.endswith("/shop/checkout")
    checkout = checkout.follow()
    assert "Your payment was declined, and nothing was taken" in checkout.text
    assert checkout.forms["details"]["name"].value == ANN["name"]  # the details are kept
    (declined,) = payments(shop)
    assert declined.state == "failed"
    assert items(shop, declined.basket_id, "payment") == []
    assert takings(shop)["total"] == "0.00"

    # Again, the same way: the same payment is tried again, and paid once.
    service = c.checkout().follow()
    assert "Pay £32.00" in service.text
    back = c.pay()
    notify(shop, latest_payment(shop).reference, "paid")
    order = back.follow(status=303)
    (paid,) = payments(shop)
    assert (paid.id, paid.state) == (declined.id, "paid")
    assert_sold(shop, hamlet, paid.basket_id, token_of(order.location), order.follow())


def test_a_declined_payment_then_another_way_to_pay(shop, customer, hamlet):
    """Declined online, then reserved to pay at the box office: the online payment is given up,
    nothing is taken, and the basket is reserved."""
    c, _ = start_paying(customer, hamlet)
    c.pay("declined").follow(status=303)
    reserved = c.checkout(method="boxoffice").follow()
    assert "Your tickets are reserved" in reserved.text
    declined, reservation = payments(shop)
    assert (declined.method, declined.state) == ("testpay", "cancelled")
    assert (reservation.method, reservation.state) == ("boxoffice", "pending")
    assert items(shop, reservation.basket_id, "payment") == []
    assert takings(shop)["total"] == "0.00"
    # The customer goes back to the service's page after all and pays there: the money is
    # taken once, and the order is paid (online; the box office has nothing left to take).
    page = c.get(f"/shop/testpay/{declined.reference}")
    back = page.forms["pay"].submit("outcome", value="paid", status=303)
    order = back.follow(status=303)
    assert "your order is confirmed" in order.follow().text
    notify(shop, declined.reference, "paid")
    (paid,) = items(shop, reservation.basket_id, "payment")
    assert (paid["value"], paid["payment"]["paymenttype"]) == ("-32.00", "online")
    assert basket(shop, reservation.basket_id)["state"] == "closed"
    assert takings(shop)["total"] == "32.00"
    assert payments(shop)[0].state == "paid"
    assert orders(shop)[0].state == "paid"


def sell_at_the_box_office(shop, hamlet, quantity):
    box = shop.call("baskets/newbasket")["basket"]["id"]
    while quantity:
        n = min(quantity, 50)
        shop.call("baskets/additem", {"basket": box, "type": "ticket",
                                      "item.performance": hamlet["perf"],
                                      "item.tickettype": hamlet["adult"], "item.quantity": n})
        quantity -= n


def test_a_payment_after_the_hold_ended_completes_the_order_while_its_seats_are_free(
        shop, customer, hamlet):
    """The customer took longer at the service than the basket is held, but nobody took the
    seats meanwhile: the basket is taken back and the order completes."""
    c, _ = start_paying(customer, hamlet)
    shop.clock.advance(minutes=31)
    sell_at_the_box_office(shop, hamlet, 97)  # three seats left: the customer's
    order = c.pay().follow(status=303)
    assert "your order is confirmed" in order.follow().text
    payment = latest_payment(shop)
    assert (payment.state, payment.detail.get("refunds")) == ("paid", None)
    assert basket(shop, payment.basket_id)["state"] == "closed"
    assert counts(shop, hamlet["perf"]) == {"sold": 3, "reserved": 97, "available": 0}
    assert takings(shop)["total"] == "32.00"
    with shop.session() as s:
        audit = s.execute(sa.select(AuditEntry.command).where(
            AuditEntry.basket_id == payment.basket_id).order_by(AuditEntry.id)).scalars().all()
    assert audit[-4:] == ["revivebasket", "additem", "savebasket", "closebasket"]


def test_a_payment_after_the_hold_ended_is_given_back(shop, customer, hamlet):
    """The customer took longer at the service than the basket is held, and the seats went to
    others meanwhile: the payment cannot complete the order, and the money is given back,
    once."""
    c, _ = start_paying(customer, hamlet)
    shop.clock.advance(minutes=31)
    sell_at_the_box_office(shop, hamlet, 98)  # two seats left of the customer's three
    back = c.pay()
    page = back.follow(status=409)
    text = words(page)
    assert "came too late" in text and "£32.00" in text
    payment = latest_payment(shop)
    assert payment.state == "refunded"
    assert payment.detail["refunds"] == {f"late-{payment.id}": 3200}
    before = snapshot(shop)
    notify(shop, payment.reference, "paid")  # the service's notification, later
    c.get(back.location, status=409)  # and the return page again
    assert snapshot(shop) == before
    assert latest_payment(shop).detail["refunds"] == {f"late-{payment.id}": 3200}
    assert counts(shop, hamlet["perf"]) == {"sold": 0, "reserved": 98, "available": 2}
    assert takings(shop)["total"] == "0.00"
    assert [o.state for o in orders(shop)] == ["checkout"]
    assert outbox(shop) == []


def test_a_declined_payment_then_a_changed_basket_pays_anew(shop, customer, hamlet):
    """Declined; the customer takes a line out (the amount changes): a new payment, and the old
    one, should the service take it after all, is given back - nothing is paid twice."""
    c, _ = start_paying(customer, hamlet)
    c.pay("declined").follow(status=303)
    page = c.get("/shop/basket")
    (concession,) = [i for i in items(shop, latest_payment(shop).basket_id, "ticket")
                     if i["quantity"] == 1]
    remove = next(f for f in page.forms.values()
                  if "item" in f.fields and f["item"].value == str(concession["id"]))
    assert "£24.00" in words(remove.submit(status=303).follow())
    service = c.checkout().follow()
    assert "Pay £24.00" in words(service)
    old, new = payments(shop)
    assert (old.state, old.amount, new.state, new.amount) == ("cancelled", 3200, "pending", 2400)
    back = c.pay()
    order = back.follow(status=303)
    assert "your order is confirmed" in words(order.follow())
    # The service takes the old payment after all: it cannot pay the order twice.
    notify(shop, old.reference, "paid")
    old, new = payments(shop)
    assert (old.state, new.state) == ("refunded", "paid")
    assert old.detail["refunds"] == {f"late-{old.id}": 3200}
    (paid,) = items(shop, new.basket_id, "payment")
    assert paid["value"] == "-24.00"
    assert takings(shop)["total"] == "24.00"
