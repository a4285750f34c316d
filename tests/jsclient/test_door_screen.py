"""The door screen: a handheld scanner types a ticket's code and Enter; the answer is large and
coloured (admitted, already admitted with when, wrong performance with which), the field is
cleared and focused for the next scan; the counts follow; a booking found by name is admitted a
ticket at a time; no accessibility violations; screenshots at a desk and at a tablet/phone."""

from __future__ import annotations

import re
from typing import Any

from browser_till import run_axe, season
from playwright.sync_api import expect


def sell(t: Any, name: str, tickets: list[tuple[str, int]], show: str = "Hamlet",
         index: int = 0) -> dict[str, Any]:
    """A closed booking under ``name`` for ``show``'s performance ``index``: its id, performance
    and ticket codes (from getbasket, as the API gives them)."""
    perf = t.performance(show, index)
    types = {tt["name"]: tt["id"] for tt in
             t.call("tickets/getperformance", {"performance": perf["id"]},
                    key=False)["performance"]["tickettypes"]}
    basket = t.call("baskets/newbasket")["basket"]["id"]
    total = 0
    for tickettype, quantity in tickets:
        item = t.call("baskets/additem", {"basket": basket, "type": "ticket",
                                          "item.performance": perf["id"],
                                          "item.tickettype": types[tickettype],
                                          "item.quantity": quantity})["item"]
        total += int(item["value"].replace(".", ""))
    t.call("baskets/savebasket", {"basket": basket, "name": name})
    t.call("baskets/additem", {"basket": basket, "type": "payment", "item.paymenttype": "card",
                               "item.amount": f"{total // 100}.{total % 100:02d}"})
    t.call("baskets/closebasket", {"basket": basket})
    got = t.call("baskets/getbasket", {"basket": basket})["basket"]
    codes = [c for i in got["item"] if i["type"] == "ticket" for c in ticket_codes(i)]
    return {"basket": basket, "performance": perf["id"], "codes": codes}


def ticket_codes(item: dict[str, Any]) -> list[str]:
    return list((item.get("ticket") or item).get("code") or [])


def open_door(t: Any, width: int = 1280, height: int = 800) -> Any:
    page = t.page(context=t.context(width, height))
    page.get_by_role("button", name="Door", exact=True).click()
    expect(page.get_by_label("Scan or type a ticket code")).to_be_focused()
    expect(page.locator("#door-sold")).to_be_visible()  # the performance chosen, its list read
    return page


def test_typed_scans_admit_refuse_and_say_which_performance(till, shoot):
    t = till()
    dalloway = sell(t, "Mrs Dalloway", [("Adult", 1), ("Concession", 1)])
    other = sell(t, "Mr Ramsay", [("Adult", 1)], index=1)  # Hamlet tomorrow
    page = open_door(t)
    field = page.get_by_label("Scan or type a ticket code")
    answer = page.locator("#door-answer")
    # The next performance is chosen by itself: Hamlet tonight.
    expect(page.get_by_label("Performance")).to_have_value(str(dalloway["performance"]))
    expect(page.locator("#door-sold")).to_have_text("2")
    expect(page.locator("#door-admitted")).to_have_text("0")

    code = dalloway["codes"][0]
    page.keyboard.type(code + "\n")  # as a handheld scanner types it
    expect(answer).to_have_attribute("data-result", "admitted")
    expect(answer).to_contain_text("Admitted")
    expect(answer).to_contain_text("Adult · Mrs Dalloway")
    expect(answer).to_have_attribute("data-sound", "yes")
    expect(field).to_be_focused()
    expect(field).to_have_value("")
    expect(page.locator("#door-admitted")).to_have_text("1")
    expect(page.locator("#door-tocome")).to_have_text("1")
    shoot(page, "door-admitted-1280")

    # The same again, in lower case with the dashes a printed code has: already admitted, when.
    grouped = "-".join(code[i:i + 4] for i in range(0, 20, 4)).lower()
    page.keyboard.type(grouped + "\n")
    expect(answer).to_have_attribute("data-result", "alreadyadmitted")
    expect(answer).to_contain_text(re.compile(r"Already admitted.*Came in .*\d\d:\d\d at Box office 1",
                                              re.S))
    expect(answer).to_have_attribute("data-sound", "no")
    expect(field).to_be_focused()
    shoot(page, "door-already-1280")

    # Tomorrow's ticket at tonight's door: amber, and which performance it is for.
    page.keyboard.type(other["codes"][0] + "\n")
    expect(answer).to_have_attribute("data-result", "wrongperformance")
    expect(answer).to_have_class(re.compile("door-a-wrong"))
    expect(answer).to_contain_text("This ticket is for Hamlet")
    expect(answer).to_contain_text("Mr Ramsay")
    shoot(page, "door-wrong-1280")

    page.keyboard.type("BCDEBCDEBCDEBCDEBCDE\n")
    expect(answer).to_have_attribute("data-result", "unknown")
    expect(answer).to_have_class(re.compile("door-a-no"))
    expect(field).to_be_focused()
    assert run_axe(page) == []


def test_admitting_a_booking_by_name(till, shoot):
    t = till()
    sell(t, "Mrs Dalloway", [("Adult", 2)])
    sell(t, "Mr Ramsay", [("Concession", 1)])
    page = open_door(t)
    page.get_by_label("Find a booking by name").fill("dallo")
    bookings = page.get_by_role("list", name="Bookings")
    expect(bookings.locator(":scope > li")).to_have_count(1)
    expect(bookings).to_contain_text("Mrs Dalloway")
    buttons = bookings.get_by_role("button", name=re.compile("^Admit Adult"))
    expect(buttons).to_have_count(2)
    buttons.first.click()
    answer = page.locator("#door-answer")
    expect(answer).to_have_attribute("data-result", "admitted")
    expect(answer).to_contain_text("Mrs Dalloway")
    expect(page.get_by_label("Scan or type a ticket code")).to_be_focused()
    expect(bookings.get_by_role("button", name=re.compile("^Admit Adult"))).to_have_count(1)
    expect(page.locator("#door-admitted")).to_have_text("1")
    assert run_axe(page) == []
    shoot(page, "door-by-name-1280")
    # A mistake: the door undoes it (the server lets the same terminal, within 10 minutes).
    answer.get_by_role("button", name="Undo this admission").click()
    expect(answer).to_contain_text("Admission undone")
    expect(page.locator("#door-admitted")).to_have_text("0")
    expect(bookings.get_by_role("button", name=re.compile("^Admit Adult"))).to_have_count(2)
    expect(page.get_by_label("Scan or type a ticket code")).to_be_focused()


def test_door_at_tablet_and_phone_sizes(till, shoot):
    t = till()
    dalloway = sell(t, "Mrs Dalloway", [("Adult", 1)])
    for width, height, name in ((800, 1280, "tablet"), (390, 844, "phone")):
        page = open_door(t, width, height)
        page.keyboard.type(dalloway["codes"][0] + "\n")
        expect(page.locator("#door-answer")).to_have_attribute(
            "data-result", re.compile("admitted|alreadyadmitted"))
        shoot(page, f"door-{name}")
        assert run_axe(page) == [], name


def test_now_and_next_gives_names_room_and_counts_those_in(till, shoot):
    """At 1280 px one long show name does not squeeze the others to "Ha…"; once the door has
    admitted someone, the strip says how many are in."""
    data = season()
    data["shows"][1]["name"] = ("The Tragical History of the Life and Death of Doctor Faustus, "
                                "a Late Night Jazz Opera")
    t = till(data=data)
    dalloway = sell(t, "Mrs Dalloway", [("Adult", 2)])
    page = t.page()
    strip = page.get_by_role("region", name="Now and next")
    expect(strip.locator(".nn")).to_have_count(3)
    names = strip.locator(".nnname")
    for i in range(3):
        text = names.nth(i).inner_text()
        clipped = names.nth(i).evaluate("e => e.scrollWidth > e.clientWidth")
        assert not clipped or text.startswith("The Tragical"), (text, clipped)
    assert strip.locator(".nn").first.evaluate(
        "e => e.getBoundingClientRect().bottom") <= page.viewport_size["height"]
    t.call("tickets/checkin", {"code": dalloway["codes"][0],
                               "performance": dalloway["performance"]})
    expect(strip.locator(".nn").first).to_contain_text("1 in")
    shoot(page, "door-nowandnext-long-name-1280")
