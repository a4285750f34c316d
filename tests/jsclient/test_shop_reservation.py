"""Pay at the box office: a customer reserves online; at the counter the box office finds the
reservation by name on its Bookings screen, takes cash and closes it; the customer's order page
then says it is paid. Checked against the server's own answers at each step."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from shop_browser import (
    PHONE,
    add_tickets,
    check_out,
    choose_performance,
    order_number,
    shop_fixture,  # noqa: F401
)


def test_a_reservation_collected_and_paid_at_the_box_office(shop, shoot):
    s = shop()
    perf = s.performance("Hamlet")
    customer = s.customer(PHONE)
    choose_performance(customer, s, "Hamlet")
    add_tickets(customer, Adult=1, Concession=1)
    check_out(customer, name="Grace Hopper", email="grace@example.org", method="box office")

    # Reserved: what to pay, where, and by when.
    expect(customer.get_by_role("heading", level=1, name="Your tickets are reserved")
           ).to_be_visible()
    due = customer.locator(".due")
    expect(due).to_contain_text("To pay at the box office")
    expect(due.locator(".total strong")).to_have_text("£20.00")
    expect(due).to_contain_text(re.compile(r"Pay by \w+day \d+ \w+ \d{4}, \d\d:\d\d"))
    order = order_number(customer)
    reserved = s.till.call("baskets/getbasket", {"basket": order})["basket"]
    assert (reserved["state"], reserved["persistent"], reserved["name"], reserved["value"]) == (
        "open", True, "Grace Hopper", "20.00")
    counts = s.counts(perf["id"])
    assert (counts["sold"], counts["reserved"]) == (0, 2), counts
    # The shop's basket is done with: the customer's next purchase starts a new one.
    expect(customer.get_by_role("navigation", name="Shop")).not_to_contain_text("tickets")

    # At the counter: Bookings finds her by part of her name.
    till = s.till.page()
    till.get_by_role("navigation", name="Screens").get_by_role("button", name="Bookings").click()
    search = till.get_by_role("search", name="Find bookings")
    search.get_by_label("Name contains").fill("hopper")
    search.get_by_role("button", name="Find").click()
    rows = till.locator("table.bk-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(str(order))
    expect(rows.first).to_contain_text("20.00")
    till.get_by_role("button", name="Grace Hopper").click()
    expect(till.get_by_role("heading", name=f"Booking {order} · Grace Hopper")).to_be_visible()
    shoot(till, "shop-20-boxoffice-finds-reservation")

    # Take payment: her reservation on the selling screen; cash; the sale closes.
    till.get_by_role("button", name=re.compile("^Take payment")).click()
    expect(till.locator("#basket-h")).to_have_text(f"Basket {order}")
    expect(till.locator("#owed")).to_have_text("20.00")
    till.get_by_role("button", name=re.compile(r"^Cash F")).click()
    receipt = till.locator("#receipt")
    expect(receipt.get_by_role("heading", name="Sale complete")).to_be_visible()
    closed = s.till.call("baskets/getbasket", {"basket": order})["basket"]
    assert (closed["state"], closed["value"]) == ("closed", "0.00"), closed
    counts = s.counts(perf["id"])
    assert (counts["sold"], counts["reserved"]) == (2, 0), counts

    # Her order page, looked at again: paid.
    customer.reload()
    expect(customer.get_by_role("heading", level=1, name=re.compile("your order is confirmed"))
           ).to_be_visible()
    expect(customer.locator(".paid")).to_contain_text("£20.00")
