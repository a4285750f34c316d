"""Money back to the card from the Refunds screen: a customer pays online (the test payment
service standing in for Stripe); at the counter, Refunds finds the order, offers "Back to the
card" first, and the refund payment names the online payment, so the server gives the money
back through the payment method before it records anything. The receipt shows the service's
reference; the takings show the refund on the online terminal, not in the drawer."""

from __future__ import annotations

import re

from browser_till import run_axe
from playwright.sync_api import expect
from shop_browser import (
    PHONE,
    add_tickets,
    check_out,
    choose_performance,
    order_number,
    pay,
    shop_fixture,  # noqa: F401
)

from xts2_core.payments import OnlinePayment


def test_an_online_order_refunded_to_the_card(shop, shoot):
    s = shop()
    customer = s.customer(PHONE)
    choose_performance(customer, s, "Hamlet")
    add_tickets(customer, Adult=2)
    check_out(customer, name="Ada Lovelace", email="ada@example.org")
    pay(customer)
    expect(customer.get_by_role("heading", level=1,
                                name=re.compile("your order is confirmed"))).to_be_visible()
    order = order_number(customer)

    till = s.till.page()
    till.get_by_role("navigation", name="Screens").get_by_role("button", name="Refunds").click()
    till.get_by_label("Basket number (on the receipt) or name").fill(str(order))
    till.get_by_role("button", name="Find sale").click()
    expect(till.locator(".refund-of")).to_contain_text(f"basket {order}")
    till.get_by_role("button", name=re.compile("^One more of Hamlet.*Adult")).click()
    way = till.get_by_label("Pay back by")
    expect(way.locator("option:checked")).to_have_text(re.compile("^Back to the card"))
    expect(till.locator("#refund-card-hint")).to_contain_text("goes back to the card")
    shoot(till, "shop-30-refund-to-card")
    assert run_axe(till) == []
    total = till.locator("#refund-total").inner_text()
    till.get_by_role("button", name=f"Refund {total}").click()

    receipt = till.locator("#refund-receipt")
    expect(receipt.get_by_role("heading", name="Refund complete")).to_be_visible()
    expect(receipt).to_contain_text(
        re.compile(r"Paid back to the card Online payment \(tpr_\d+_xts2-refund-"))
    assert run_axe(till) == []
    with s.till.app.session() as db:
        (paid,) = db.query(OnlinePayment).all()
        assert list(paid.detail["refunds"].values()) == [int(total.replace(".", ""))]
    refund_basket = int(re.search(r"Refund basket (\d+)", receipt.inner_text())[1])
    (back,) = [i for i in s.till.call("baskets/getbasket", {"basket": refund_basket}
                                      )["basket"]["item"] if i["type"] == "payment"]
    assert back["payment"]["terminal"] == paid.terminal_id  # the website's account, not the drawer
