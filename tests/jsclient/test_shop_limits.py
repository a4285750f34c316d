"""What the shop refuses, and how the customer is told: a basket left too long (it expires, the
seats go back), more tickets than an order may hold, a number that is not one, two customers
after the last seats (one gets them, the other is told; never more sold than there are), and
too many new baskets from one connection (429)."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect
from shop_browser import (
    PHONE,
    add_tickets,
    choose_performance,
    look,
    shop_fixture,  # noqa: F401
)

EXPIRY = 30  # seconds: the shortest a terminal's baskets may last


def test_a_basket_left_too_long_expires(shop, shoot):
    s = shop(expiry=EXPIRY)
    perf = s.performance("Hamlet")
    page = s.customer(PHONE)
    choose_performance(page, s, "Hamlet")
    add_tickets(page, Adult=2)
    added = time.monotonic()
    hold = page.locator(".hold")
    # The time left counts down by itself, and looks urgent in the last two minutes.
    expect(hold.locator("[data-countdown]")).to_have_text(re.compile(r"^0 min [0-3]\d s$"))
    expect(hold).to_have_class(re.compile(r"\bshort\b"))
    assert s.counts(perf["id"])["reserved"] == 2

    # The customer wanders off; the countdown reaches its end on the page.
    expect(hold.locator("[data-countdown]")).to_have_text("no time", timeout=(EXPIRY + 15) * 1000)
    page.wait_for_timeout(max(0, (added + EXPIRY + 2 - time.monotonic()) * 1000))
    page.get_by_role("navigation", name="Shop").get_by_role("link", name=re.compile("Basket")
                                                             ).click()
    expect(page.get_by_role("heading", level=1, name="Your basket has expired")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("gone back on sale")
    look(page, shoot, "17-basket-expired")
    assert s.counts(perf["id"])["reserved"] == 0

    # Start again: the programme, and an empty basket.
    page.get_by_role("button", name="Start again").click()
    expect(page.get_by_role("heading", level=1, name="What's on")).to_be_visible()
    page.get_by_role("navigation", name="Shop").get_by_role("link", name=re.compile("Basket")
                                                             ).click()
    expect(page.get_by_text("Your basket is empty")).to_be_visible()


def test_the_ticket_limit_and_a_number_that_is_not_one(shop):
    s = shop(**{"shop.max_tickets": "4"})
    page = s.customer(PHONE)
    choose_performance(page, s, "Hamlet")
    expect(page.get_by_text("Up to 4 in one order.")).to_be_visible()

    # Not a number: said next to its field, which is marked and tied to the words.
    add_tickets(page, Adult="two")
    adult = page.get_by_label(re.compile("^Adult"))
    expect(adult).to_have_attribute("aria-invalid", "true")
    expect(adult).to_have_accessible_description(re.compile("is not a number of tickets"))
    expect(adult).to_have_value("two")  # what was typed, to correct
    expect(page.get_by_label(re.compile("^Concession"))).not_to_have_attribute("aria-invalid",
                                                                              "true")
    # Too many at once.
    add_tickets(page, Adult=5)
    expect(adult).to_have_accessible_description(re.compile("At most 4 tickets"))
    # Three, then two more: the order would hold five.
    add_tickets(page, Adult=3)
    expect(page.get_by_role("heading", level=1, name="Your basket")).to_be_visible()
    choose_performance(page, s, "Hamlet", 1)
    add_tickets(page, Concession=2)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("An order can hold at most 4 tickets; your basket has 3")
    expect(page.get_by_role("group", name="How many tickets?")).to_have_accessible_description(
        re.compile("at most 4 tickets"))
    alert.get_by_role("link", name="Go to your basket").click()
    expect(page.locator(".line")).to_have_count(1)
    # None at all.
    choose_performance(page, s, "Hamlet", 1)
    add_tickets(page, Concession=0)
    expect(page.get_by_role("alert")).to_contain_text("Choose how many tickets")


def test_two_customers_after_the_last_seats(shop, shoot):
    """Macbeth has two seats. Two customers choose both at once: one gets them; the other is
    told on the page, and nothing more is sold than there is."""
    s = shop()
    perf = s.performance("Macbeth")
    first, second = s.customer(PHONE), s.customer(PHONE)
    for page in (first, second):
        choose_performance(page, s, "Macbeth")
        expect(page.get_by_text("Few left")).to_be_visible()
        page.get_by_label(re.compile("^Standard")).fill("2")
    # Both send at the same moment (neither waits for the other's answer).
    for page in (first, second):
        page.evaluate("document.getElementById('tickets').requestSubmit()")
    for page in (first, second):
        page.wait_for_load_state()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            re.compile("^(Your basket|Macbeth)$"))
    winners = [p for p in (first, second)
               if p.get_by_role("heading", level=1).inner_text() == "Your basket"]
    assert len(winners) == 1, "both or neither got the last seats"
    loser = second if winners[0] is first else first
    expect(winners[0].locator(".line")).to_contain_text("2 × Standard")
    told = loser.get_by_role("alert")
    expect(told).to_contain_text("the last tickets were sold while you were choosing")
    expect(told).to_contain_text("none were added to your basket")
    expect(loser.get_by_role("button", name="Add to basket")).to_have_count(0)
    look(loser, shoot, "18-lost-the-last-seats")
    counts = s.counts(perf["id"])
    assert (counts["reserved"], counts["sold"], counts["available"]) == (2, 0, 0), counts


def test_too_many_baskets_from_one_connection(shop, shoot):
    s = shop(**{"shop.baskets_per_window": "1", "shop.rate_window": "600"})
    first = s.customer()
    choose_performance(first, s, "Hamlet")
    add_tickets(first, Adult=1)
    expect(first.get_by_role("heading", level=1, name="Your basket")).to_be_visible()
    # A second browser on the same connection: its basket would be the second in the window.
    second = s.customer(PHONE)
    choose_performance(second, s, "Hamlet")
    add_tickets(second, Adult=1)
    expect(second.get_by_role("heading", level=1, name="Please wait a moment")).to_be_visible()
    expect(second.get_by_role("status")).to_contain_text("try again in 10 minutes")
    look(second, shoot, "19-too-many-baskets")
    # The first customer's basket is unharmed, and can still grow.
    choose_performance(first, s, "Hamlet", 1)
    add_tickets(first, Adult=1)
    expect(first.locator(".line")).to_have_count(2)
