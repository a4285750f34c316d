"""Two tills sell the last seats of one performance: one gets them, the other is told, nobody
oversells, and each screen catches up with the other's sale by itself."""

from __future__ import annotations

import re

from browser_till import SECOND_KEY, season
from playwright.sync_api import expect

CAPACITY = 3
REFRESHED = 10_000  # ms: the client asks for counts every 4 s


def choose_hamlet(page):
    page.locator("#whatson .perf", has_text="Hamlet").first.click()
    expect(page.locator("#performance .counts")).to_contain_text(f"{CAPACITY} left")
    page.get_by_role("button", name="2", exact=True).click()


def test_two_tills_sell_the_last_seats(till, shoot):
    data = season()
    data["shows"][0]["performances"][0]["capacity"] = CAPACITY
    t = till(data=data)
    perf = t.performance("Hamlet")
    one = t.page()
    two = t.page(key=SECOND_KEY)
    expect(two.locator("#terminal-name")).to_have_text("Box office 2")
    choose_hamlet(one)
    choose_hamlet(two)

    # Both press "2 × Adult" at (nearly) the same moment.
    one.get_by_role("button", name=re.compile("Adult")).click(no_wait_after=True)
    two.get_by_role("button", name=re.compile("Adult")).click(no_wait_after=True)
    for page in (one, two):  # each till settles: an item in its basket, or the refusal
        expect(page.locator(".items .item-ticket, #performance [role=alert]")).to_have_count(1)
    sold = [p for p in (one, two) if p.locator(".items .item-ticket").count() == 1]
    refused = [p for p in (one, two) if p.locator("#performance [role=alert]").count() == 1]
    assert len(sold) == 1 and len(refused) == 1
    winner, loser = sold[0], refused[0]
    expect(loser.locator("#performance [role=alert]")).to_contain_text(
        re.compile(r"Only 1 ticket is available for Hamlet"))
    expect(loser.locator(".items .item")).to_have_count(0)
    expect(loser.locator("#owed")).to_have_text("0.00")
    counts = t.counts(perf["id"])
    assert counts["reserved"] == 2 and counts["sold"] == 0 and counts["available"] == 1
    # The refused till's screen shows what is really left.
    expect(loser.locator("#performance .counts")).to_contain_text("1 left", timeout=REFRESHED)
    shoot(loser, "04-refused-at-the-other-till")

    # The refused till sells the last seat; the winner's screen, untouched, shows it sold out.
    loser.get_by_role("button", name="1", exact=True).click()
    loser.get_by_role("button", name=re.compile("Adult")).click()
    expect(loser.locator(".items .item-ticket")).to_have_count(1)
    expect(winner.locator("#whatson .perf", has_text="Hamlet").first).to_contain_text(
        "sold out", timeout=REFRESHED)
    expect(winner.locator("#performance .counts")).to_contain_text("in baskets 3")
    shoot(winner, "04-sold-out-at-the-other-till")

    # Each pays by card (F1); the other screen follows with no one touching it.
    winner.keyboard.press("F1")
    expect(winner.get_by_role("heading", name="Sale complete")).to_be_visible()
    expect(loser.locator("#performance .counts")).to_contain_text(
        "sold 2 · in baskets 1", timeout=REFRESHED)
    loser.keyboard.press("F1")
    expect(loser.get_by_role("heading", name="Sale complete")).to_be_visible()
    expect(winner.locator("#performance .counts")).to_contain_text(
        "sold 3 · in baskets 0", timeout=REFRESHED)
    counts = t.counts(perf["id"])
    assert counts["sold"] == CAPACITY and counts["reserved"] == 0 and counts["available"] == 0
    assert counts["sold"] + counts["reserved"] <= counts["capacity"]
