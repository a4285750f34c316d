"""The whole sale at the counter, as a person does it: tickets, coffee, split tender, receipt."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect


def test_a_whole_sale_split_between_card_and_cash(till, shoot):
    t = till()
    perf = t.performance("Hamlet")
    since = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    page = t.page()
    expect(page.locator("#terminal-name")).to_have_text("Box office 1")
    shoot(page, "01-selling-screen")

    # Two Adult and one Concession for tonight's Hamlet.
    page.locator("#whatson .perf", has_text="Hamlet").first.click()
    expect(page.get_by_role("heading", name=re.compile("^Hamlet"))).to_be_visible()
    page.get_by_role("button", name="2", exact=True).click()
    page.get_by_role("button", name=re.compile(r"Adult")).click()
    expect(page.locator(".items .item-ticket")).to_have_count(1)
    page.get_by_role("button", name=re.compile(r"Concession")).click()
    expect(page.locator(".items .item-ticket")).to_have_count(2)
    # Two coffees, one click each.
    coffee = page.locator("#cafe button.stock", has_text="Coffee")
    coffee.click()
    expect(page.locator(".items .item-cafe")).to_have_count(1)
    coffee.click()
    expect(page.locator(".items .item-cafe")).to_have_count(2)
    expect(page.locator("#owed")).to_have_text("36.40")
    shoot(page, "02-basket")

    # 20.00 by card, the rest in cash: 20.00 tendered, 3.60 change.
    amount = page.get_by_label("Amount tendered")
    expect(amount).to_have_value("36.40")
    amount.fill("20.00")
    page.get_by_role("button", name=re.compile("^Card")).click()
    expect(page.locator("#owed")).to_have_text("16.40")
    expect(amount).to_have_value("16.40")
    amount.fill("20")
    expect(page.get_by_text("in cash, change 3.60")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Cash F")).click()

    # The basket closes by itself; the receipt shows what was sold, paid and the change.
    receipt = page.locator("#receipt")
    expect(receipt.get_by_role("heading", name="Sale complete")).to_be_visible()
    expect(receipt.locator(".change")).to_have_text("Change due 3.60")
    expect(receipt.locator(".total")).to_contain_text("36.40")
    expect(page.get_by_role("button", name=re.compile("Next customer"))).to_be_focused()
    shoot(page, "03-receipt")
    basket_id = int(re.search(r"Basket (\d+)", receipt.locator(".receipt-meta").inner_text())[1])

    # The server agrees: the basket is closed, its items are what the screen showed.
    basket = t.call("baskets/getbasket", {"basket": basket_id})["basket"]
    assert basket["state"] == "closed" and basket["value"] == "0.00"
    kinds = sorted((i["type"], i["quantity"], i["value"]) for i in basket["item"])
    assert kinds == [("cafe", 1, "2.20"), ("cafe", 1, "2.20"), ("payment", 1, "-16.40"),
                     ("payment", 1, "-20.00"), ("ticket", 1, "8.00"), ("ticket", 2, "24.00")]
    takings = t.call("money/gettakings", {"since": since})["takings"]
    assert takings["total"] == "36.40"
    assert {p["code"]: p["amount"] for p in takings["paymenttype"]} == {"card": "20.00",
                                                                       "cash": "16.40"}
    counts = t.counts(perf["id"])
    assert counts["sold"] == 3 and counts["available"] == 47
    # … and so does the screen, after the sale.
    expect(page.locator("#whatson .perf", has_text="Hamlet").first).to_contain_text("47 left")

    # Next customer: an empty sale, no basket until the first item.
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="New sale")).to_be_visible()
    expect(page.locator("#owed")).to_have_text("0.00")
