"""A basket left alone expires (the operator is told, a fresh sale starts); a basket being worked
on does not. Both tills run side by side so the test waits for one expiry only (about 30 s)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from browser_till import SECOND_KEY
from playwright.sync_api import expect

EXPIRY = 30  # seconds: the shortest the API allows


def add_a_coffee(page) -> int:
    page.locator("#cafe button.stock", has_text="Coffee").click()
    expect(page.locator(".items .item-cafe")).to_have_count(1)
    return int(re.search(r"Basket (\d+)", page.locator("#basket-h").inner_text())[1])


def test_a_basket_left_alone_expires_and_one_in_use_does_not(till, shoot):
    t = till(**{"xts2.basket_expiry": str(EXPIRY)})
    idle = t.page()
    busy = t.page(key=SECOND_KEY)
    left_alone = add_a_coffee(idle)
    in_use = add_a_coffee(busy)
    busy.locator("#whatson .perf", has_text="Hamlet").first.click()
    first_expiry = datetime.fromisoformat(
        t.call("baskets/getbasket", {"basket": in_use})["basket"]["expires"])
    assert (first_expiry - datetime.now(UTC)).total_seconds() <= EXPIRY

    # The operator at Box office 2 keeps working: a tap every few seconds (how many tickets?),
    # until well past the moment its basket would have expired had nobody touched it.
    told = idle.get_by_role("alert").filter(has_text=f"Basket {left_alone} expired")
    taps = 0
    past_it = first_expiry + timedelta(seconds=3)
    while datetime.now(UTC) < past_it or not told.count():
        busy.get_by_role("button", name=str(1 + taps % 2), exact=True).click()
        taps += 1
        assert taps < 30, "the idle basket never expired on screen"
        busy.wait_for_timeout(3000)  # the operator's pace, not an assertion

    # Box office 1, left alone: told, and a fresh sale.
    expect(told).to_be_visible()
    expect(told).to_contain_text("Nothing was sold")
    expect(idle.get_by_role("heading", name="New sale")).to_be_visible()
    expect(idle.locator("#owed")).to_have_text("0.00")
    expect(idle.locator(".items .item")).to_have_count(0)
    shoot(idle, "05-basket-expired")
    status, body = t.server.call("baskets/getbasket", {"basket": left_alone})
    assert status == 409 and body["error"]["code"] == "basket_expired", body

    # Box office 2, at work: its basket is alive, on screen and on the server.
    expect(busy.get_by_role("heading", name=f"Basket {in_use}")).to_be_visible()
    expect(busy.locator(".items .item-cafe")).to_have_count(1)
    expect(busy.get_by_role("alert")).to_have_count(0)
    basket = t.call("baskets/getbasket", {"basket": in_use})["basket"]
    assert basket["state"] == "open" and len(basket["item"]) == 1
    assert datetime.fromisoformat(basket["expires"]) > first_expiry
    shoot(busy, "05-basket-kept-alive")

    # The next item at Box office 1 starts a new basket.
    assert add_a_coffee(idle) != left_alone
    expect(told).to_have_count(0)
