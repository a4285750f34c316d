"""``baskets/revivebasket``: an expired basket taken back while its seats are still there.

The core makes the basket live again and asks the providers (``validate_revive_basket``); the
tickets provider refuses when that would oversell, sell a show that has started, or refund what
was refunded meanwhile, and then nothing changes: the basket stays expired, the counts stay.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from xts2_core.models import AuditEntry


@pytest.fixture
def hamlet(venue: Any) -> int:
    return venue.ids["Hamlet@2026-12-01T19:30"]  # 10 seats


def expired_basket(venue: Any, perf: int, quantity: int, tickettype: str = "Hamlet/Adult"
                   ) -> int:
    basket = venue.basket(expiry=60)
    venue.add(basket, perf, venue.ids[tickettype], quantity)
    venue.clock.advance(61)
    return basket


def revive(venue: Any, basket: int, status: int = 200, **params: Any) -> dict[str, Any]:
    return venue.call("baskets/revivebasket", {"basket": basket, **params}, status=status)


def test_seats_still_there_are_held_again(venue: Any, hamlet: int) -> None:
    basket = expired_basket(venue, hamlet, 3)
    assert venue.counts(hamlet)["available"] == 10  # expired: its seats are on sale
    answer = revive(venue, basket, expiry=600)["basket"]
    assert answer["expires"] == "2026-11-30T12:11:01+00:00"
    assert [i["quantity"] for i in answer["item"]] == [3]
    counts = venue.counts(hamlet)
    assert (counts["reserved"], counts["available"]) == (3, 7)
    with venue.session() as s:
        (entry,) = s.execute(sa.select(AuditEntry).where(
            AuditEntry.command == "revivebasket")).scalars()
        assert (entry.basket_id, entry.detail["expiry"], entry.detail["before"]) == (
            basket, 600, "2026-11-30T12:01:00+00:00")
    venue.settle(basket)  # and it can be sold
    assert venue.counts(hamlet)["sold"] == 3


def test_seats_sold_meanwhile_refuse_and_change_nothing(venue: Any, hamlet: int) -> None:
    basket = expired_basket(venue, hamlet, 3)
    venue.sell(hamlet, venue.ids["Hamlet/Adult"], 8)
    body = revive(venue, basket, status=409)
    assert body["error"]["code"] == "item_rejected"
    assert body["error"]["message"] == ("Only 2 of the 3 tickets are still available for "
                                        "Hamlet, Tue 1 Dec 19:30")
    assert venue.call("baskets/getbasket", {"basket": basket},
                      status=409)["error"]["code"] == "basket_expired"
    counts = venue.counts(hamlet)
    assert (counts["sold"], counts["reserved"], counts["available"]) == (8, 0, 2)


def test_a_sold_out_performance_refuses(venue: Any, hamlet: int) -> None:
    basket = expired_basket(venue, hamlet, 1)
    venue.sell(hamlet, venue.ids["Hamlet/Adult"], 10)
    assert revive(venue, basket, status=409)["error"]["message"] == \
        "Hamlet, Tue 1 Dec 19:30 is sold out"


def test_seats_held_back_meanwhile_count(venue: Any) -> None:
    perf = venue.ids["Hamlet@2026-12-02T19:30"]  # 120 seats, 4 held back
    basket = expired_basket(venue, perf, 5)
    venue.call("tickets/holdbacktickets", {"performance": perf, "count": 116}, admin=True)
    assert "Only 4 of the 5 tickets" in revive(venue, basket, status=409)["error"]["message"]


def test_a_show_that_has_started_is_not_sold(venue: Any) -> None:
    perf = venue.ids["Macbeth@2026-11-30T11:30"]  # started half an hour ago: still sold
    basket = expired_basket(venue, perf, 1, "Macbeth/Standard")
    venue.clock.advance(3600)  # now 90 minutes after the start
    assert "started more than 60 minutes ago" in revive(venue, basket,
                                                        status=409)["error"]["message"]


def test_several_performances_are_all_checked(venue: Any, hamlet: int) -> None:
    macbeth = venue.ids["Macbeth@2026-11-30T19:00"]  # 5 seats
    basket = venue.basket(expiry=60)
    venue.add(basket, hamlet, venue.ids["Hamlet/Adult"], 2)
    venue.add(basket, hamlet, venue.ids["Hamlet/Concession"], 2)
    venue.add(basket, macbeth, venue.ids["Macbeth/Standard"], 2)
    venue.clock.advance(61)
    venue.sell(macbeth, venue.ids["Macbeth/Standard"], 4)
    venue.sell(hamlet, venue.ids["Hamlet/Adult"], 6)  # the 4 of this basket still fit
    assert revive(venue, basket, status=409)["error"]["message"] == \
        "Only 1 of the 2 tickets is still available for Macbeth, Mon 30 Nov 19:00"
    assert venue.counts(hamlet)["reserved"] == 0


def test_a_refund_of_an_item_refunded_meanwhile_is_refused(venue: Any, hamlet: int) -> None:
    sale = venue.sell(hamlet, venue.ids["Hamlet/Adult"], 2)
    item = venue.call("baskets/getbasket", {"basket": sale})["basket"]["item"][0]["id"]
    refund = venue.basket(expiry=60)
    venue.call("baskets/additem", {"basket": refund, "type": "ticket", "item.refundof": item,
                                   "item.quantity": 2})
    venue.clock.advance(61)
    other = venue.basket()
    venue.call("baskets/additem", {"basket": other, "type": "ticket", "item.refundof": item,
                                   "item.quantity": 1})
    assert revive(venue, refund, status=409)["error"]["message"] == \
        f"Item {item} has been refunded in another basket meanwhile"
    venue.call("baskets/removeitem", {"basket": other, "item": venue.call(
        "baskets/getbasket", {"basket": other})["basket"]["item"][0]["id"]})
    assert revive(venue, refund)["basket"]["value"] == "-24.00"


def test_a_basket_that_has_not_expired_is_touched(venue: Any, hamlet: int) -> None:
    basket = venue.basket(expiry=60)
    venue.add(basket, hamlet, venue.ids["Hamlet/Adult"], 1)
    assert revive(venue, basket, expiry=300)["basket"]["expires"] == "2026-11-30T12:05:00+00:00"


def test_closed_deleted_and_bad_input(venue: Any, hamlet: int) -> None:
    sale = venue.sell(hamlet, venue.ids["Hamlet/Adult"], 1)
    assert revive(venue, sale, status=409)["error"]["code"] == "basket_closed"
    assert revive(venue, 999, status=404)["error"]["code"] == "not_found"
    basket = expired_basket(venue, hamlet, 1)
    body = revive(venue, basket, status=400, expiry=5)
    assert (body["error"]["code"], body["error"]["param"]) == ("bad_param", "expiry")
    assert venue.call("baskets/getbasket", {"basket": basket},
                      status=409)["error"]["code"] == "basket_expired"
