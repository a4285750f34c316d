"""The Refunds screen, as a person uses it: find a closed sale, give back one of its tickets,
print the refund receipt; the same ticket refunded again is refused in the server's words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from browser_till import run_axe
from playwright.sync_api import expect


def _closed_sale(t, perf):
    """One Adult (12.00) and one Concession (8.00) for tonight's Hamlet, paid by card: the
    basket and its Adult item."""
    show = t.call("tickets/getshows", key=False)["shows"]
    hamlet = next(s["id"] for s in show if s["name"] == "Hamlet")
    types = {tt["name"]: tt["id"] for tt in t.call("tickets/gettickettypes", {"show": hamlet},
                                                   key=False)["tickettypes"]}
    b = t.call("baskets/newbasket")["basket"]["id"]
    items = {}
    for name in ("Adult", "Concession"):
        items[name] = t.call("baskets/additem", {
            "basket": b, "type": "ticket", "item.performance": perf, "item.tickettype": types[name],
            "item.quantity": 1})["item"]["id"]
    t.call("baskets/additem", {"basket": b, "type": "payment", "item.paymenttype": "card",
                               "item.amount": "20.00"})
    t.call("baskets/closebasket", {"basket": b})
    return b, items["Adult"]


def _find(page, basket):
    page.get_by_role("button", name="Refunds").click()
    page.get_by_label("Basket number (on the receipt) or name").fill(str(basket))
    page.get_by_role("button", name="Find sale").click()
    expect(page.locator(".refund-of")).to_contain_text(f"basket {basket}")


def test_refund_one_of_two_tickets(till, shoot):
    t = till()
    perf = t.performance("Hamlet")["id"]
    since = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    basket, adult = _closed_sale(t, perf)
    assert t.counts(perf)["sold"] == 2
    assert t.call("money/gettakings", {"since": since})["takings"]["total"] == "20.00"

    page = t.page()
    other = t.page()                       # a second till with the same sale on screen
    _find(page, basket)
    _find(other, basket)
    expect(page.get_by_text("A refund is a new sale")).to_be_visible()
    assert run_axe(page) == []
    page.get_by_role("button", name=re.compile("^One more of Hamlet.*Adult")).click()
    expect(page.locator("#refund-total")).to_have_text("12.00")
    expect(page.get_by_label("Pay back by")).to_have_value("card")      # as it was paid
    shoot(page, "41-refund-pick")
    page.get_by_role("button", name="Refund 12.00").click()

    receipt = page.locator("#refund-receipt")
    expect(receipt.get_by_role("heading", name="Refund complete")).to_be_visible()
    expect(receipt.locator(".total")).to_contain_text("12.00")
    expect(receipt).to_contain_text(f"of sale {basket}")
    assert run_axe(page) == []
    shoot(page, "42-refund-receipt")
    expect(page.get_by_role("button", name="Next refund")).to_be_focused()
    page.emulate_media(media="print")          # only the refund receipt prints
    expect(receipt).to_be_visible()
    for hidden in (".top", ".basketcol", ".refund-hint", "#refunds > h2", ".receipt-actions"):
        expect(page.locator(hidden).first).to_be_hidden()
    page.emulate_media(media="screen")

    # The server agrees: one seat fewer sold, 12.00 fewer taken, the Adult shows it.
    assert t.counts(perf)["sold"] == 1
    assert t.call("money/gettakings", {"since": since})["takings"]["total"] == "8.00"
    sale = t.call("baskets/getbasket", {"basket": basket})["basket"]
    assert next(i for i in sale["item"] if i["id"] == adult)["ticket"]["refunded"] == 1

    # The other till still offers the Adult: the server refuses, and says why.
    other.get_by_role("button", name=re.compile("^One more of Hamlet.*Adult")).click()
    other.get_by_role("button", name="Refund 12.00").click()
    expect(other.locator("#refund-error")).to_contain_text(
        f"Item {adult} has been refunded already")
    expect(other.locator(".refund-lines tr", has_text="Adult")).to_contain_text(
        "Nothing left to refund")
    assert t.counts(perf)["sold"] == 1
    assert t.call("money/gettakings", {"since": since})["takings"]["total"] == "8.00"

    # Next refund: the same sale shows the Adult as refunded, the Concession still refundable.
    page.get_by_role("button", name="Next refund").click()
    _find(page, basket)
    row = page.locator(".refund-lines tr", has_text="Adult")
    expect(row).to_contain_text("1 refunded")
    expect(row).to_contain_text("Nothing left to refund")
    expect(page.get_by_label(re.compile("Give back how many of Hamlet.*Concession"))).to_be_visible()
