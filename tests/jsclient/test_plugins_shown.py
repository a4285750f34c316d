"""The screen is made of what the server has installed: no cafe without the cafe plugin, and an
item of a type the client has no panel for (a donation) is shown as the server describes it."""

from __future__ import annotations

import re

from browser_till import season
from playwright.sync_api import expect


def test_without_the_cafe_there_is_no_cafe_and_a_sale_still_works(till, shoot):
    data = season()
    del data["stock"]
    t = till(plugins=["tickets", "money", "jsclient"], data=data)
    assert "cafe" not in {s["name"] for s in t.call("", key=False)["servlets"]}
    page = t.page()
    expect(page.locator("#whatson .perf")).to_have_count(3)
    expect(page.get_by_role("heading", name="Cafe")).to_have_count(0)
    expect(page.locator("#cafe")).to_have_count(0)

    page.locator("#whatson .perf", has_text="Late Night Jazz").click()
    page.get_by_role("button", name="2", exact=True).click()
    page.get_by_role("button", name=re.compile("Standard")).click()
    expect(page.locator(".items .item-ticket")).to_have_count(1)
    expect(page.locator("#owed")).to_have_text("30.00")
    shoot(page, "09-no-cafe")
    page.get_by_role("button", name=re.compile("^Card")).click()
    receipt = page.locator("#receipt")
    expect(receipt.get_by_role("heading", name="Sale complete")).to_be_visible()
    basket_id = int(re.search(r"Basket (\d+)", receipt.locator(".receipt-meta").inner_text())[1])
    basket = t.call("baskets/getbasket", {"basket": basket_id})["basket"]
    assert basket["state"] == "closed"
    assert sorted((i["type"], i["value"]) for i in basket["item"]) == [("payment", "-30.00"),
                                                                        ("ticket", "30.00")]


def test_an_item_of_a_type_the_client_does_not_know(till, shoot):
    t = till()  # every installed plugin: donations too
    page = t.page()
    page.locator("#cafe button.stock", has_text="Tea").click()
    expect(page.locator(".items .item")).to_have_count(1)
    basket_id = int(re.search(r"Basket (\d+)", page.locator("#basket-h").inner_text())[1])

    # Someone adds a donation to this basket (a card reader's tip screen, a script …).
    added = t.call("baskets/additem", {"basket": basket_id, "type": "donation",
                                       "item.amount": "5", "item.giftaid": "true",
                                       "item.donor": "Jane Smith", "item.postcode": "sw1a1aa"})
    item = added["item"]
    assert item["description"] == "Donation from Jane Smith (Gift Aid)" and item["value"] == "5.00"

    # The screen shows it by itself (no one touches the till), as the server describes it.
    donation = page.locator(".items .item-donation")
    expect(donation).to_have_count(1, timeout=10_000)
    expect(donation.locator(".kind")).to_have_text("Donation")
    expect(donation.locator(".what")).to_have_text("1 × Donation from Jane Smith (Gift Aid)")
    expect(donation.locator(".value")).to_have_text("5.00")
    expect(page.locator("#owed")).to_have_text("6.80")
    expect(page.get_by_label("Amount tendered")).to_have_value("6.80")
    shoot(page, "09-donation-shown")

    # It is paid for like anything else; the receipt lists it.
    page.get_by_role("button", name=re.compile("^Card")).click()
    receipt = page.locator("#receipt")
    expect(receipt.get_by_role("heading", name="Sale complete")).to_be_visible()
    expect(receipt).to_contain_text("1 × Donation from Jane Smith (Gift Aid)")
    expect(receipt.locator(".total")).to_contain_text("6.80")
    basket = t.call("baskets/getbasket", {"basket": basket_id})["basket"]
    assert basket["state"] == "closed"
    assert sorted((i["type"], i["value"]) for i in basket["item"]) == [
        ("cafe", "1.80"), ("donation", "5.00"), ("payment", "-6.80")]
