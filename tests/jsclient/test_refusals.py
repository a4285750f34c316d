"""What the counter sees when the server says no, and what it sees when names carry markup."""

from __future__ import annotations

import re
import urllib.request

from browser_till import season
from playwright.sync_api import expect


def open_basket(t) -> int:
    """A basket of Box office 1 opened through the API (another sale at the same till)."""
    return t.call("baskets/newbasket")["basket"]["id"]


def basket_on_screen(page) -> int:
    return int(re.search(r"Basket (\d+)", page.locator("#basket-h").inner_text())[1])


def test_more_tickets_than_are_left_and_a_sold_out_cafe_item(till, shoot):
    data = season()
    data["shows"][0]["performances"][0]["capacity"] = 5
    data["stock"] += [{"name": "Scone", "price": "2.00", "category": "food", "level": 1},
                      {"name": "Brownie", "price": "2.40", "category": "food", "level": 0}]
    t = till(data=data)
    perf = t.performance("Hamlet")
    stock = {s["name"]: s for s in t.call("cafe/getstock", key=False)["stock"]}
    # Elsewhere, three of the five seats and the last scone go into another basket.
    other = open_basket(t)
    t.call("baskets/additem", {"basket": other, "type": "ticket", "item.performance": perf["id"],
                               "item.tickettype": t.call("tickets/getperformance",
                                                         {"performance": perf["id"]}, key=False)
                               ["performance"]["tickettypes"][0]["id"], "item.quantity": 3})
    t.call("baskets/additem", {"basket": other, "type": "cafe", "item.stock": stock["Scone"]["id"]})

    page = t.page()
    # A coffee first, so there is a basket to keep unchanged.
    page.locator("#cafe button.stock", has_text="Coffee").click()
    expect(page.locator(".items .item-cafe")).to_have_count(1)
    basket_id = basket_on_screen(page)
    before = t.call("baskets/getbasket", {"basket": basket_id})["basket"]

    # Four Adult for tonight's Hamlet: only two are left.
    page.locator("#whatson .perf", has_text="Hamlet").first.click()
    expect(page.locator("#performance .counts")).to_contain_text("2 left")
    page.get_by_role("button", name="4", exact=True).click()
    page.get_by_role("button", name=re.compile("Adult")).click()
    tickets = page.locator("#performance")
    expect(tickets.get_by_role("alert")).to_contain_text(
        re.compile(r"Only 2 tickets are available for Hamlet"))
    expect(page.locator(".items .item")).to_have_count(1)
    expect(page.locator(".items .item-ticket")).to_have_count(0)
    expect(page.locator("#owed")).to_have_text("2.20")
    shoot(page, "02-refused-tickets")
    after = t.call("baskets/getbasket", {"basket": basket_id})["basket"]
    assert after["item"] == before["item"] and after["value"] == "2.20"
    assert t.counts(perf["id"])["reserved"] == 3

    # The last scone is in the other basket (the screen may not know yet): refused.
    page.locator("#cafe button.stock", has_text="Scone").click()
    cafe = page.locator("#cafe")
    expect(cafe.get_by_role("alert")).to_contain_text("Scone is sold out")
    # The server's words stay only until the next action: the ticket message is gone.
    expect(tickets.get_by_role("alert")).to_have_count(0)
    # A brownie was never in stock: its tile says so in words, and the server refuses it too.
    brownie = page.locator("#cafe button.stock", has_text="Brownie")
    expect(brownie).to_contain_text("sold out")
    expect(page.locator("#cafe button.stock", has_text="Scone")).to_contain_text("sold out")
    brownie.click()
    expect(cafe.get_by_role("alert")).to_contain_text("Brownie is sold out")
    expect(page.locator(".items .item")).to_have_count(1)
    expect(page.locator("#owed")).to_have_text("2.20")
    shoot(page, "02-refused-cafe")
    after = t.call("baskets/getbasket", {"basket": basket_id})["basket"]
    assert after["item"] == before["item"]
    levels = {s["name"]: s.get("available") for s in t.call("cafe/getstock", key=False)["stock"]}
    assert levels["Scone"] == 0 and levels["Brownie"] == 0


def test_markup_in_names_stays_text(till, shoot):
    show = "<img src=x onerror=alert(1)>"
    item = "<script>alert(2)</script>"
    data = season()
    data["shows"][0]["name"] = show
    data["stock"][0]["name"] = item
    t = till(data=data)

    # The page carries a policy that forbids inline script, whatever the data.
    with urllib.request.urlopen(t.url + "/client/") as r:
        csp = r.headers["Content-Security-Policy"]
    assert csp, "no Content-Security-Policy on /client/"
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src is not None and "'unsafe-inline'" not in script_src, csp

    page = t.page()
    perf = page.locator("#whatson .perf", has_text=show).first
    expect(perf.get_by_text(show, exact=True)).to_be_visible()
    expect(page.locator("#cafe").get_by_text(item, exact=True)).to_be_visible()
    perf.click()
    expect(page.get_by_role("heading", name=re.compile(re.escape(show)))).to_be_visible()
    page.get_by_role("button", name=re.compile("Adult")).click()
    page.locator("#cafe button.stock", has_text=item).click()
    basket = page.locator(".items")
    expect(basket.locator(".item")).to_have_count(2)
    expect(basket.get_by_text(re.compile(re.escape(show)))).to_be_visible()
    expect(basket.get_by_text(f"1 × {item}", exact=True)).to_be_visible()
    # Nothing was made of the markup: no image, no script in the page.
    assert page.locator("#app img").count() == 0
    assert page.locator("#app script").count() == 0
    shoot(page, "07-markup-stays-text")
