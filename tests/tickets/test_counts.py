"""What counts as sold and reserved through a basket's life (API.md §5, §8)."""

from __future__ import annotations

import pytest


@pytest.fixture
def perf(venue):
    return venue.ids["Hamlet@2026-12-01T19:30"]


@pytest.fixture
def adult(venue):
    return venue.ids["Hamlet/Adult"]


def _srh(venue, perf):
    c = venue.counts(perf)
    return c["sold"], c["reserved"], c["available"]


def test_open_basket_reserves_until_it_expires(venue, perf, adult):
    b = venue.basket(expiry=120)
    venue.add(b, perf, adult, 4)
    assert _srh(venue, perf) == (0, 4, 6)
    venue.clock.advance(seconds=119)
    assert _srh(venue, perf) == (0, 4, 6)
    venue.clock.advance(seconds=1)          # expires == now: gone
    assert _srh(venue, perf) == (0, 0, 10)
    assert venue.call("baskets/getbasket", {"basket": b}, status=409)["error"]["code"] == \
        "basket_expired"


def test_touching_a_basket_keeps_its_tickets(venue, perf, adult):
    b = venue.basket(expiry=60)
    venue.add(b, perf, adult, 2)
    venue.clock.advance(seconds=50)
    venue.call("baskets/touchbasket", {"basket": b, "expiry": 600})
    venue.clock.advance(seconds=50)
    assert _srh(venue, perf) == (0, 2, 8)


def test_persistent_basket_reserves_without_end(venue, perf, adult):
    b = venue.basket(expiry=60)
    venue.add(b, perf, adult, 3)
    venue.call("baskets/savebasket", {"basket": b, "name": "Smith"})
    venue.clock.advance(days=30)
    assert _srh(venue, perf) == (0, 3, 7)


def test_closing_turns_reserved_into_sold(venue, perf, adult):
    b = venue.basket()
    venue.add(b, perf, adult, 2)
    venue.add(b, perf, venue.ids["Hamlet/Concession"], 1)
    assert _srh(venue, perf) == (0, 3, 7)
    venue.settle(b)
    assert _srh(venue, perf) == (3, 0, 7)
    venue.clock.advance(days=30)            # closed baskets never expire
    assert _srh(venue, perf) == (3, 0, 7)


def test_removing_an_item_frees_its_seats(venue, perf, adult):
    b = venue.basket()
    item = venue.add(b, perf, adult, 5)["item"]["id"]
    venue.add(b, perf, adult, 1)
    venue.call("baskets/removeitem", {"basket": b, "item": item})
    assert _srh(venue, perf) == (0, 1, 9)


def test_moving_an_item_keeps_it_reserved(venue, perf, adult):
    a, b = venue.basket(expiry=60), venue.basket(expiry=6000)
    item = venue.add(a, perf, adult, 2)["item"]["id"]
    venue.call("baskets/moveitem", {"item": item, "to": b})
    assert _srh(venue, perf) == (0, 2, 8)
    venue.clock.advance(seconds=120)        # the first basket expired; the item moved away
    assert _srh(venue, perf) == (0, 2, 8)
    venue.settle(b)
    assert _srh(venue, perf) == (2, 0, 8)


def test_available_never_negative(venue, perf, adult):
    venue.sell(perf, adult, 8)
    # the operator lowers the capacity below what was sold
    venue.load({"shows": [{"name": "Hamlet", "performances": [
        {"start": "2026-12-01T19:30", "capacity": 6}]}]})
    c = venue.counts(perf)
    assert (c["capacity"], c["sold"], c["available"]) == (6, 8, 0)
    body = venue.call("tickets/getperformances", {"show": venue.ids["Hamlet"]})
    assert [p["status"] for p in body["performances"]][1] == "soldout"


def test_counts_are_per_performance(venue, perf, adult):
    other = venue.ids["Hamlet@2026-12-02T19:30"]
    venue.sell(perf, adult, 2)
    venue.add(venue.basket(), other, adult, 5)
    both = venue.call("tickets/getticketcounts", {"performance": f"{perf},{other}"})
    assert [(c["sold"], c["reserved"]) for c in both["ticketcounts"]] == [(2, 0), (0, 5)]


def test_complimentary_tickets_close_without_payment(venue):
    perf = venue.ids["Macbeth@2026-11-30T19:00"]
    b = venue.basket()
    venue.add(b, perf, venue.ids["Macbeth/Guest"], 2)
    basket = venue.call("baskets/closebasket", {"basket": b})["basket"]
    assert basket["state"] == "closed" and basket["value"] == "0.00"
    assert venue.counts(perf)["sold"] == 2
