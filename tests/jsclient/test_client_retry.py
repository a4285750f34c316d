"""A lost answer: the server did the work, the browser never heard. The client says it is retrying,
sends the same request again with the same opid, and the sale holds the item once."""

from __future__ import annotations

import itertools
import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect


def test_a_lost_answer_is_retried_with_the_same_opid(till, shoot):
    t = till()
    page = t.page()
    seen: list[str] = []
    held: list = []

    def lose_the_first_answer(route):
        seen.append(route.request.url)
        if len(seen) == 1:
            route.fetch()  # it reaches the server, which adds the item …
            route.abort("connectionreset")  # … and the browser hears nothing
        elif len(seen) == 2:
            held.append(route)  # the retry waits until the test has seen the banner
        else:
            route.continue_()

    page.route("**/v2/baskets/additem*", lose_the_first_answer)
    page.locator("#whatson .perf", has_text="Hamlet").first.click()
    page.get_by_role("button", name="2", exact=True).click()
    additems = itertools.count(1)
    banner = page.get_by_role("status").filter(has_text="retrying")
    with page.expect_request(lambda r: "/v2/baskets/additem" in r.url and next(additems) == 2):
        page.get_by_role("button", name=re.compile("Adult")).click()
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("2 × Adult")
    expect(page.get_by_role("button", name="Give up")).to_be_visible()
    # Until the answer comes, the screen does not pretend the item is in the basket.
    expect(page.locator(".items .item")).to_have_count(0)
    shoot(page, "03-retrying")
    assert len(held) == 1 and len(seen) == 2
    held[0].continue_()

    expect(page.locator(".items .item-ticket")).to_have_count(1)
    expect(banner).to_have_count(0)
    expect(page.locator("#owed")).to_have_text("24.00")
    shoot(page, "03-retried")

    opids = [parse_qs(urlsplit(u).query)["opid"] for u in seen]
    assert len(seen) == 2 and opids[0] == opids[1] and len(opids[0]) == 1, seen
    basket_id = int(re.search(r"Basket (\d+)", page.locator("#basket-h").inner_text())[1])
    basket = t.call("baskets/getbasket", {"basket": basket_id})["basket"]
    assert [(i["type"], i["quantity"], i["value"]) for i in basket["item"]] == [
        ("ticket", 2, "24.00")]


def test_quick_taps_on_a_slow_first_answer_land_in_one_basket(till, shoot):
    t = till()
    page = t.page()
    held: list = []

    def slow(route):
        if held is not None and len(held) < 10:
            held.append(route)
        else:
            route.continue_()

    page.route("**/v2/baskets/newbasket*", slow)
    # The first tap of a sale opens the basket; its answer is slow, and the operator taps again.
    with page.expect_request("**/v2/baskets/newbasket*"):
        page.locator("#cafe button.stock", has_text="Coffee").click()
    page.locator("#cafe button.stock", has_text="Tea").click()
    expect(page.locator(".items .item")).to_have_count(0)
    shoot(page, "03-slow-first-answer")
    waiting, held = held, None
    for route in waiting:
        route.continue_()

    expect(page.locator(".items .item-cafe")).to_have_count(2)
    expect(page.locator("#owed")).to_have_text("4.00")
    assert len(waiting) == 1, "a second basket was opened for the second tap"
    body = t.call("baskets/getbaskets", {"state": "open"})
    assert body["total"] == 1, body
    basket = t.call("baskets/getbasket", {"basket": body["baskets"][0]["id"]})["basket"]
    assert sorted(i["description"] for i in basket["item"]) == ["Coffee", "Tea"]
