"""Whole purchases in the shop, in a real browser against a real server: paid through the test
payment service (its notification before the customer's return, and after it), declined and
paid at the second try, and bought with JavaScript off. Each is checked against the server's own
answers: the basket closed and paid, the seats sold, nothing sold twice."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from shop_browser import (
    PHONE,
    add_tickets,
    check_out,
    choose_performance,
    look,
    order_number,
    pay,
    shop_fixture,  # noqa: F401
)

CONFIRMED = re.compile("your order is confirmed")


def _closed_and_sold(s, order: int, value: str, performance: int, sold: int) -> None:
    basket = s.till.call("baskets/getbasket", {"basket": order})["basket"]
    assert (basket["state"], basket["value"]) == ("closed", "0.00"), basket
    payments = [i for i in basket["item"] if i["type"] == "payment"]
    assert [p["value"] for p in payments] == [f"-{value}"], payments
    counts = s.counts(performance)
    assert (counts["sold"], counts["reserved"]) == (sold, 0), counts


def test_a_purchase_on_a_phone_notified_before_the_return(shop):
    s = shop()  # shop.testpay.notify = before
    perf = s.performance("Hamlet")
    page = s.customer(PHONE, has_touch=True, is_mobile=True)
    choose_performance(page, s, "Hamlet")
    add_tickets(page, Adult=2, Concession=1)
    expect(page.get_by_role("heading", level=1, name="Your basket")).to_be_visible()
    expect(page.get_by_role("navigation", name="Shop")).to_contain_text("Basket 3 tickets")
    check_out(page)
    pay(page)
    expect(page.get_by_role("heading", level=1, name=CONFIRMED)).to_be_visible()
    order = order_number(page)
    _closed_and_sold(s, order, "32.00", perf["id"], 3)
    # The basket is done with: the next purchase starts a new one.
    expect(page.get_by_role("navigation", name="Shop")).not_to_contain_text("tickets")
    # The order's address shows it again, later, in another browser too.
    again = s.customer()
    again.goto(page.url)
    expect(again.get_by_role("heading", level=1, name=CONFIRMED)).to_be_visible()
    expect(again.locator("main")).to_contain_text(f"Order {order} for Ada Lovelace")


def test_a_purchase_notified_after_the_return(shop):
    """The service tells the shop a second after the customer is back: the customer sees the
    waiting page (which looks again by itself) or, if the return found the payment made, the
    order at once; either way the order is confirmed, once."""
    s = shop(**{"shop.testpay.notify": "after", "shop.testpay.notify_delay": "1"})
    perf = s.performance("Late Night Jazz")
    page = s.customer()
    choose_performance(page, s, "Late Night Jazz")
    add_tickets(page, Standard=2)
    check_out(page, name="Alan Turing", email="alan@example.org")
    pay(page)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile("Waiting for your payment|your order is confirmed"))
    if "Waiting" in heading.inner_text():
        expect(page.get_by_role("status")).to_contain_text("has not told us yet")
    expect(page.get_by_role("heading", level=1, name=CONFIRMED)).to_be_visible()
    order = order_number(page)
    page.wait_for_timeout(1500)  # the notification comes now, and must change nothing
    _closed_and_sold(s, order, "30.00", perf["id"], 2)
    page.reload()
    expect(page.get_by_role("heading", level=1, name=CONFIRMED)).to_be_visible()


def test_a_declined_payment_and_a_second_try(shop):
    s = shop()
    perf = s.performance("Hamlet")
    page = s.customer()
    choose_performance(page, s, "Hamlet")
    add_tickets(page, Adult=1)
    check_out(page, name="Mary Somerville", email="mary@example.org")
    pay(page, "Decline")

    # Back at the checkout: told in plain words, nothing taken, the details kept.
    expect(page.get_by_role("heading", level=1, name="Check out")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Your payment was declined")
    expect(page.get_by_label("Your name")).to_have_value("Mary Somerville")
    expect(page.get_by_label("Email address", exact=True)).to_have_value("mary@example.org")
    counts = s.counts(perf["id"])
    assert (counts["sold"], counts["reserved"]) == (0, 1), counts  # still held, not sold

    # The second try is paid.
    page.get_by_label(re.compile("Pay online")).check()
    page.get_by_role("button", name="Continue").click()
    pay(page)
    expect(page.get_by_role("heading", level=1, name=CONFIRMED)).to_be_visible()
    _closed_and_sold(s, order_number(page), "12.00", perf["id"], 1)


def test_buying_with_javascript_off(shop, shoot):
    s = shop()
    perf = s.performance("Hamlet", 1)
    page = s.customer(PHONE, javascript=False)
    choose_performance(page, s, "Hamlet", 1)
    add_tickets(page, Concession=2)
    # No countdown: the time left as the server said it.
    expect(page.locator(".hold")).to_contain_text("30 minutes left")
    look(page, shoot, "nojs-basket")
    page.get_by_role("link", name="Check out").click()
    # The order's summary opens without a script.
    page.locator("details.summary summary").click()
    expect(page.locator("details.summary")).to_contain_text("2 × Concession")
    page.get_by_label("Your name").fill("Rosalind Franklin")
    page.get_by_label("Email address", exact=True).fill("rosalind@example.org")
    page.get_by_label("Email address again").fill("rosalind@example.org")
    page.get_by_label(re.compile("Pay online")).check()
    page.get_by_role("button", name="Continue").click()
    pay(page)
    expect(page.get_by_role("heading", level=1, name=CONFIRMED)).to_be_visible()
    look(page, shoot, "nojs-order-paid")
    _closed_and_sold(s, order_number(page), "16.00", perf["id"], 2)
