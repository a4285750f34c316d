"""A whole sale without the mouse: search, choose, quantity, add, a coffee, pay, next customer."""

from __future__ import annotations

import re

from playwright.sync_api import expect

FOCUS_VISIBLE = "document.activeElement && document.activeElement.matches(':focus-visible')"


def test_a_whole_sale_from_the_keyboard(till, shoot):
    t = till()
    page = t.page()
    kb = page.keyboard
    focused = page.locator("*:focus")
    expect(page.locator("#whatson .perf")).to_have_count(3)

    # "/" finds a show; Enter chooses the first match and moves to its ticket types.
    kb.press("/")
    expect(page.get_by_label(re.compile("Find a show"))).to_be_focused()
    kb.type("haml")
    expect(page.locator("#whatson .perf")).to_have_count(2)
    kb.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("^Hamlet"))).to_be_visible()
    expect(focused).to_have_class(re.compile(r"\btt\b"))
    expect(focused).to_contain_text("Adult")
    assert page.evaluate(FOCUS_VISIBLE), "the focused ticket type shows no focus ring"
    shoot(page, "06-keyboard-ticket-types")

    # A digit sets how many; Enter adds them.
    kb.press("3")
    expect(focused).to_contain_text("3 × Adult")
    kb.press("Enter")
    expect(page.locator(".items .item-ticket")).to_have_count(1)
    expect(page.locator(".items .item-ticket")).to_contain_text("3 × Hamlet")
    expect(page.locator("#owed")).to_have_text("36.00")
    # The focus stays where it was (Enter again would add more), and the quantity is back to 1.
    expect(focused).to_have_text(re.compile(r"^1 × Adult"))

    # Tab (and the arrow keys) reach the cafe; Enter adds a tea.
    for _ in range(5):
        kb.press("Tab")
        if page.evaluate("document.activeElement.matches('#cafe button.stock')"):
            break
    expect(focused).to_have_class(re.compile(r"\bstock\b"))
    expect(focused).to_contain_text("Coffee")
    kb.press("ArrowDown")
    expect(focused).to_contain_text("Tea")
    assert page.evaluate(FOCUS_VISIBLE), "the focused cafe item shows no focus ring"
    shoot(page, "06-keyboard-cafe")
    kb.press("Enter")
    expect(page.locator(".items .item-cafe")).to_have_count(1)
    expect(page.locator("#owed")).to_have_text("37.80")

    # F1 is the first payment type, and its button says so.
    expect(page.locator("button.pay").first).to_have_text(re.compile(r"^Card\s*F1$"))
    expect(page.locator("button.pay").nth(1)).to_have_text(re.compile(r"^Cash\s*F2$"))
    kb.press("F1")
    receipt = page.locator("#receipt")
    expect(receipt.get_by_role("heading", name="Sale complete")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Next customer"))).to_be_focused()
    shoot(page, "06-keyboard-receipt")
    basket_id = int(re.search(r"Basket (\d+)", receipt.locator(".receipt-meta").inner_text())[1])

    kb.press("Enter")
    expect(page.get_by_role("heading", name="New sale")).to_be_visible()
    expect(page.locator("#owed")).to_have_text("0.00")

    basket = t.call("baskets/getbasket", {"basket": basket_id})["basket"]
    assert basket["state"] == "closed" and basket["value"] == "0.00"
    lines = sorted((i["type"], i["quantity"], i["value"]) for i in basket["item"])
    assert lines == [("cafe", 1, "1.80"), ("payment", 1, "-37.80"), ("ticket", 3, "36.00")]
    assert [i["payment"]["paymenttype"] for i in basket["item"] if i["type"] == "payment"] == [
        "card"]
