"""Bookings, as the box office does them at a quieter hour: a phone booking saved under the
customer's name with their phone number, found again by part of the name, paid and closed; and a
ticket moved from one booking to a friend's. Each step is checked against the server's own
answers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from browser_till import run_axe
from playwright.sync_api import expect


def _add_tickets(page, ticket_type: str, how_many: int) -> None:
    """On the selling screen: tonight's Hamlet, ``how_many`` × ``ticket_type``."""
    page.locator("#whatson .perf", has_text="Hamlet").first.click()
    expect(page.get_by_role("heading", name=re.compile("^Hamlet"))).to_be_visible()
    page.get_by_role("button", name=str(how_many), exact=True).click()
    before = page.locator(".items .item-ticket").count()
    page.get_by_role("button", name=re.compile(ticket_type)).click()
    expect(page.locator(".items .item-ticket")).to_have_count(before + 1)


def _save_as_booking(page, shoot=None, **fields: str) -> int:
    """The basket column's "Save as booking…" form; answers the booking's number."""
    page.get_by_role("button", name="Save as booking…").click()
    form = page.get_by_role("form", name="Save as a booking")
    expect(form.get_by_label("Name (required)")).to_be_focused()
    for label, value in fields.items():
        form.get_by_label(label.capitalize() if label != "name" else "Name (required)").fill(value)
    if shoot:
        shoot(page, "23-save-booking")
    form.get_by_role("button", name="Save booking").click()
    told = page.get_by_role("status").filter(has_text=re.compile(r"Saved as booking \d+ for"))
    expect(told).to_have_text(re.compile(rf"Saved as booking \d+ for {re.escape(fields['name'])}$"))
    return int(re.search(r"booking (\d+)", told.inner_text())[1])


def _find(page, name: str) -> None:
    page.get_by_role("navigation", name="Screens").get_by_role("button", name="Bookings").click()
    search = page.get_by_role("search", name="Find bookings")
    search.get_by_label("Name contains").fill(name)
    search.get_by_role("button", name="Find").click()


def _api_booking(t, name: str, tickets: list[tuple[str, int]], **metadata: str) -> dict:
    """A booking made by Box office 1 through the API (quicker than the screen)."""
    perf = t.performance("Hamlet")
    types = {tt["name"]: tt["id"] for tt in
             t.call("tickets/getperformance", {"performance": perf["id"]},
                    key=False)["performance"]["tickettypes"]}
    basket = t.call("baskets/newbasket")["basket"]
    for tickettype, quantity in tickets:
        t.call("baskets/additem", {"basket": basket["id"], "type": "ticket",
                                   "item.performance": perf["id"],
                                   "item.tickettype": types[tickettype],
                                   "item.quantity": quantity})
    saved = t.call("baskets/savebasket", {"basket": basket["id"], "name": name})["basket"]
    for key, value in metadata.items():
        t.call("baskets/setmetadata", {"basket": saved["id"], "key": key, "value": value})
    return saved


def test_a_phone_booking_saved_found_paid_and_closed(till, shoot):
    t = till()
    perf = t.performance("Hamlet")
    since = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    page = t.page()

    # The caller wants two Adult tickets for tonight; they will pay when they collect.
    _add_tickets(page, "Adult", 2)
    expect(page.locator("#owed")).to_have_text("24.00")
    booking = _save_as_booking(page, shoot, name="Mrs Dalloway", phone="01632 960123")

    # A fresh sale starts; the server has the booking, named, kept, with the phone number.
    expect(page.get_by_role("heading", name="New sale")).to_be_visible()
    expect(page.locator("#owed")).to_have_text("0.00")
    expect(page.get_by_role("button", name="Save as booking…")).to_have_count(0)
    saved = t.call("baskets/getbasket", {"basket": booking})["basket"]
    assert (saved["name"], saved["state"], saved["persistent"], saved["value"]) == (
        "Mrs Dalloway", "open", True, "24.00")
    assert "expires" not in saved
    assert t.call("baskets/getmetadata", {"basket": booking})["metadata"] == {
        "phone": "01632 960123"}
    assert t.counts(perf["id"])["reserved"] == 2

    # Later: a walk-up sale that is not a booking is not listed among the bookings.
    walk_up = t.call("baskets/newbasket")["basket"]
    tea = next(i for i in t.call("cafe/getstock", key=False)["stock"] if i["name"] == "Tea")
    t.call("baskets/additem", {"basket": walk_up["id"], "type": "cafe", "item.stock": tea["id"]})

    # She calls back: the Bookings screen finds her by part of her name.
    _find(page, "dallo")
    expect(page.get_by_role("status").filter(has_text="1–1 of 1 booking")).to_be_visible()
    page.get_by_label("Holds tickets").check()
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("status").filter(has_text="1–1 of 1 booking")).to_be_visible()
    rows = page.locator("table.bk-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(str(booking))
    expect(rows.first).to_contain_text("24.00")
    expect(rows.first).to_contain_text("Open")
    shoot(page, "21-bookings-list")
    assert run_axe(page) == []
    listed = t.call("baskets/getbaskets", {"name": "dallo", "persistent": "true"})
    assert listed["total"] == 1 and listed["baskets"][0]["id"] == booking

    # Open it: its phone number and its tickets.
    page.get_by_role("button", name="Mrs Dalloway").click()
    heading = page.get_by_role("heading", name=f"Booking {booking} · Mrs Dalloway")
    expect(heading).to_be_focused()
    details = page.locator("dl.bk-details")
    expect(details.locator("dt")).to_have_text(["Phone"])
    expect(details.locator("dd")).to_have_text(["01632 960123"])
    items = page.get_by_role("list", name=f"Items in booking {booking}")
    expect(items.locator("li")).to_have_count(1)
    expect(items).to_contain_text("2 × Hamlet")
    shoot(page, "22-booking-open")
    assert run_axe(page) == []

    # She is at the counter: mark it collected (the server keeps it), then take payment.
    page.get_by_role("button", name="Mark collected").click()
    expect(details.locator("dt")).to_have_text(["Phone", "Collected"])
    expect(page.get_by_role("button", name="Not collected after all")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Take payment")).click()

    # The selling screen, with her booking in the basket; the card pays it and the sale closes.
    expect(page.get_by_role("navigation", name="Screens").get_by_role(
        "button", name="Sell")).to_have_attribute("aria-current", "page")
    expect(page.locator("#basket-h")).to_have_text(f"Basket {booking}")
    expect(page.locator(".bookingname")).to_have_text("Booking for Mrs Dalloway")
    expect(page.locator("#owed")).to_have_text("24.00")
    expect(page.get_by_label("Amount tendered")).to_be_focused()
    page.get_by_role("button", name=re.compile("^Card")).click()
    receipt = page.locator("#receipt")
    expect(receipt.get_by_role("heading", name="Sale complete")).to_be_visible()
    expect(receipt.locator(".receipt-meta")).to_contain_text(f"Basket {booking} · Mrs Dalloway")

    # The server: closed, still named, the phone kept, the money in this till's takings.
    closed = t.call("baskets/getbasket", {"basket": booking})["basket"]
    assert (closed["state"], closed["name"], closed["value"]) == ("closed", "Mrs Dalloway", "0.00")
    assert t.call("baskets/getmetadata", {"basket": booking})["metadata"] == {
        "phone": "01632 960123", "collected": "yes"}
    takings = t.call("money/gettakings", {"since": since})["takings"]
    assert takings["total"] == "24.00"
    assert {p["code"]: p["amount"] for p in takings["paymenttype"]} == {"card": "24.00"}
    counts = t.counts(perf["id"])
    assert (counts["sold"], counts["reserved"]) == (2, 0)

    # Back on Bookings, her booking as the server has it now: closed, paid; so says the list.
    page.keyboard.press("Enter")  # next customer
    page.get_by_role("navigation", name="Screens").get_by_role("button", name="Bookings").click()
    expect(page.locator(".bk-meta")).to_contain_text("Closed: paid")
    expect(items.locator("li")).to_have_count(2)
    expect(page.get_by_role("button", name=re.compile("^Take payment"))).to_have_count(0)
    page.keyboard.press("Escape")
    expect(page.locator("table.bk-list tbody tr").first).to_contain_text("Closed")
    expect(page.get_by_role("button", name="Mrs Dalloway")).to_be_focused()
    # A note can still be added to a closed booking.
    page.get_by_role("search", name="Find bookings").get_by_label("State").select_option("closed")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("status").filter(has_text="1–1 of 1 booking")).to_be_visible()
    page.get_by_role("button", name="Mrs Dalloway").click()
    expect(page.get_by_role("button", name=re.compile("^Take payment"))).to_have_count(0)
    page.get_by_role("button", name="Add a note").click()
    page.get_by_label("Note", exact=True).fill("Collected by her husband")
    page.get_by_role("button", name="Save note").click()
    expect(details.locator("dt")).to_have_text(["Phone", "Collected", "Note"])
    assert t.call("baskets/getmetadata", {"basket": booking})["metadata"]["note"] == (
        "Collected by her husband")


def test_a_ticket_moved_to_a_friends_booking(till, shoot):
    t = till()
    perf = t.performance("Hamlet")
    page = t.page()

    # Mr Ramsay booked two Adult tickets by phone (through the API, for speed); Mrs Ramsay one.
    ramsay = _api_booking(t, "Mr Ramsay", [("Adult", 2)], phone="01632 960456")
    mrs = _api_booking(t, "Mrs Ramsay", [("Adult", 1)])

    # Mrs Woolf books an Adult and a Concession at the counter.
    _add_tickets(page, "Adult", 1)
    _add_tickets(page, "Concession", 1)
    expect(page.locator("#owed")).to_have_text("20.00")
    woolf = _save_as_booking(page, name="Mrs Woolf", email="v.woolf@example.org",
                             note="Aisle seat please")
    assert t.counts(perf["id"])["reserved"] == 5

    # The Concession is her nephew's: he is coming with Mr Ramsay.
    _find(page, "woolf")
    page.get_by_role("button", name="Mrs Woolf").click()
    expect(page.get_by_role("heading", name=f"Booking {woolf} · Mrs Woolf")).to_be_visible()
    expect(page.locator("dl.bk-details dt")).to_have_text(["Email", "Note"])
    expect(page.locator("dl.bk-details dd")).to_have_text(["v.woolf@example.org",
                                                           "Aisle seat please"])
    items = page.get_by_role("list", name=f"Items in booking {woolf}")
    concession = items.locator("li", has_text="Concession")
    concession.get_by_role("button", name="Move to another booking…").click()
    find = concession.get_by_label("Move to the booking of (name contains)")
    expect(find).to_be_focused()
    find.fill("ramsay")
    concession.get_by_role("button", name="Find booking").click()
    targets = concession.get_by_role("list", name="Open bookings to move it to")
    expect(targets.get_by_role("button")).to_have_count(2)

    # Meanwhile Mrs Ramsay paid at the other till: the server refuses, in its own words, and
    # nothing moves.
    t.call("baskets/additem", {"basket": mrs["id"], "type": "payment",
                               "item.paymenttype": "card", "item.amount": "12.00"})
    t.call("baskets/closebasket", {"basket": mrs["id"]})
    targets.get_by_role("button", name=re.compile(f"booking {mrs['id']} ")).click()
    refusal = concession.get_by_role("alert")
    expect(refusal).to_have_text(re.compile(f"basket {mrs['id']} is closed"))
    expect(items.locator("li.bk-item")).to_have_count(2)
    assert len(t.call("baskets/getbasket", {"basket": woolf})["basket"]["item"]) == 2

    # Mr Ramsay's booking is still open: it goes there.
    targets.get_by_role("button", name=re.compile(f"booking {ramsay['id']} ")).click()
    told = page.get_by_role("status").filter(has_text="Moved 1 × Hamlet")
    expect(told).to_contain_text(f"to booking {ramsay['id']} (Mr Ramsay), which now has 3 tickets "
                                 "and owes 32.00")
    expect(items.locator("li.bk-item")).to_have_count(1)
    expect(items).not_to_contain_text("Concession")
    expect(page.locator(".bk-owes strong")).to_have_text("12.00")

    # The server agrees on both baskets and on the counts (the seats are still reserved, once).
    left = t.call("baskets/getbasket", {"basket": woolf})["basket"]
    moved = t.call("baskets/getbasket", {"basket": ramsay["id"]})["basket"]
    assert left["value"] == "12.00"
    assert [(i["ticket"]["tickettypename"], i["quantity"]) for i in left["item"]] == [("Adult", 1)]
    assert moved["value"] == "32.00"
    assert sorted((i["ticket"]["tickettypename"], i["quantity"]) for i in moved["item"]) == [
        ("Adult", 2), ("Concession", 1)]
    counts = t.counts(perf["id"])
    assert (counts["reserved"], counts["sold"]) == (4, 1)

    # … and so does Mr Ramsay's booking on screen.
    page.keyboard.press("Escape")
    _find(page, "mr ramsay")
    page.get_by_role("button", name="Mr Ramsay").click()
    theirs = page.get_by_role("list", name=f"Items in booking {ramsay['id']}")
    expect(theirs.locator("li.bk-item")).to_have_count(2)
    expect(theirs).to_contain_text("1 × Hamlet")
    expect(theirs).to_contain_text("Concession")
    expect(page.locator(".bk-owes strong")).to_have_text("32.00")
    expect(page.locator("dl.bk-details dd")).to_have_text(["01632 960456"])
    assert run_axe(page) == []

    # A walk-up sale is on the till: taking payment for a booking would leave it, so the screen
    # says so and the till keeps the sale.
    nav = page.get_by_role("navigation", name="Screens")
    nav.get_by_role("button", name="Sell").click()
    page.locator("#cafe button.stock", has_text="Tea").click()
    expect(page.locator(".items .item-cafe")).to_have_count(1)
    walk_up = int(re.search(r"Basket (\d+)", page.locator("#basket-h").inner_text())[1])
    nav.get_by_role("button", name="Bookings").click()
    page.get_by_role("button", name=re.compile("^Take payment")).click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"The till holds an unfinished sale (basket {walk_up})")
    expect(page.locator("#basket-h")).to_have_text(f"Basket {walk_up}")
    page.get_by_role("button", name=re.compile("^Remove .*Tea")).click()
    expect(page.get_by_role("heading", name="New sale")).to_be_visible()

    # Now it goes to the till; he will pay later after all: the booking is put aside, kept.
    page.get_by_role("button", name=re.compile("^Take payment")).click()
    expect(page.locator(".bookingname")).to_have_text("Booking for Mr Ramsay")
    expect(page.locator("#owed")).to_have_text("32.00")
    page.get_by_role("button", name="Put booking aside").click()
    expect(page.get_by_role("heading", name="New sale")).to_be_visible()
    aside = page.get_by_role("status").filter(has_text=f"Booking {ramsay['id']} for Mr Ramsay")
    expect(aside).to_contain_text("is kept on the Bookings screen")
    kept = t.call("baskets/getbasket", {"basket": ramsay["id"]})["basket"]
    assert (kept["state"], kept["persistent"], kept["value"]) == ("open", True, "32.00")


def test_bookings_are_listed_twenty_at_a_time(till):
    t = till()
    tea = next(i for i in t.call("cafe/getstock", key=False)["stock"] if i["name"] == "Tea")
    for n in range(1, 24):
        basket = t.call("baskets/newbasket")["basket"]
        t.call("baskets/additem", {"basket": basket["id"], "type": "cafe", "item.stock": tea["id"]})
        t.call("baskets/savebasket", {"basket": basket["id"], "name": f"Guest {n:02}"})
    unsaved = t.call("baskets/newbasket")["basket"]  # a sale, not a booking: never listed
    t.call("baskets/additem", {"basket": unsaved["id"], "type": "cafe", "item.stock": tea["id"]})
    page = t.page()

    page.get_by_role("navigation", name="Screens").get_by_role("button", name="Bookings").click()
    expect(page.get_by_role("status").filter(has_text="1–20 of 23 bookings")).to_be_visible()
    rows = page.locator("table.bk-list tbody tr")
    expect(rows).to_have_count(20)
    expect(rows.first).to_contain_text("Guest 23")  # newest first
    expect(rows.first).to_contain_text("1 other item")
    page.get_by_role("button", name="Next →").click()
    expect(page.get_by_role("status").filter(has_text="21–23 of 23 bookings")).to_be_visible()
    expect(rows).to_have_count(3)
    expect(rows.last).to_contain_text("Guest 01")
    expect(page.get_by_role("button", name="Next →")).to_be_disabled()
    page.get_by_role("button", name="← Previous").click()
    expect(page.get_by_role("status").filter(has_text="1–20 of 23 bookings")).to_be_visible()

    # The filters are the server's: none of these holds tickets; all are open.
    page.get_by_label("Holds tickets").check()
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("status").filter(has_text="No booking matches.")).to_be_visible()
    expect(rows).to_have_count(0)
    assert t.call("baskets/getbaskets", {"persistent": "true", "contains": "ticket"})["total"] == 0
    page.get_by_label("Holds tickets").uncheck()
    page.get_by_label("State").select_option("open")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("status").filter(has_text="1–20 of 23 bookings")).to_be_visible()
    page.get_by_label("State").select_option("closed")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("status").filter(has_text="No booking matches.")).to_be_visible()
    assert t.call("baskets/getbaskets", {"persistent": "true"})["total"] == 23

    # From the keyboard alone: type a name, Enter finds; Tab to it, Enter opens; Esc goes back.
    page.get_by_label("State").select_option("")
    name = page.get_by_label("Name contains")
    name.fill("guest 05")
    name.press("Enter")
    expect(page.get_by_role("status").filter(has_text="1–1 of 1 booking")).to_be_visible()
    for _ in range(4):  # state, holds tickets, Find, the booking
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Guest 05")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile(r"Booking \d+ · Guest 05"))).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Guest 05")).to_be_focused()
