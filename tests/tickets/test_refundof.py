"""``item.refundof``: a ticket refund that names the item it reverses (API.md §5, §11).

The original shows how many of it were refunded (``refunded``, done; ``refunding``, waiting), and
no item is refunded beyond what it sold less its refunds. Refunds without ``item.refundof`` keep
working as before (tests/tickets/test_items.py).
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest


def _statements(venue, path, params) -> list[str]:
    """The SQL statements one call runs."""
    with venue.statements() as seen:
        venue.call(path, params)
    return seen


@pytest.fixture
def hamlet(venue):
    return venue.ids["Hamlet@2026-12-01T19:30"]


def _sold(venue, hamlet, quantity=2, tickettype="Hamlet/Adult") -> tuple[int, int]:
    """A closed sale of ``quantity`` tickets: (basket id, item id)."""
    b = venue.sell(hamlet, venue.ids[tickettype], quantity)
    item = venue.call("baskets/getbasket", {"basket": b})["basket"]["item"][0]
    return b, item["id"]


def _refund(venue, basket, item, quantity=1, status=200, **params):
    p = {"basket": basket, "type": "ticket", "item.refundof": item, "item.quantity": quantity,
         **params}
    return venue.call("baskets/additem", p, status=status)


def _ticket(venue, basket, item):
    items = venue.call("baskets/getbasket", {"basket": basket})["basket"]["item"]
    return next(i for i in items if i["id"] == item)["ticket"]


def test_refund_one_of_two_names_its_original(venue, hamlet):
    sale, item = _sold(venue, hamlet)
    assert (_ticket(venue, sale, item)["refunded"], _ticket(venue, sale, item)["refunding"]) \
        == (0, 0)
    r = venue.basket()
    body = _refund(venue, r, item)      # performance and ticket type come from the original
    new = body["item"]
    assert (new["quantity"], new["unitprice"], new["value"]) == (1, "-12.00", "-12.00")
    assert new["description"] == "Refund: Hamlet, Tue 1 Dec 19:30, Adult"
    assert new["ticket"]["refund"] is True and new["ticket"]["refundof"] == item
    assert new["ticket"]["performance"] == hamlet
    # waiting: the original shows it, and the seat is not free yet
    assert (_ticket(venue, sale, item)["refunded"], _ticket(venue, sale, item)["refunding"]) \
        == (0, 1)
    assert venue.counts(hamlet)["sold"] == 2
    venue.settle(r)
    assert venue.counts(hamlet)["sold"] == 1
    assert (_ticket(venue, sale, item)["refunded"], _ticket(venue, sale, item)["refunding"]) \
        == (1, 0)
    root = venue.xml("baskets/getbasket", {"basket": sale})
    assert root.find("basket/item/ticket").get("refunded") == "1"
    root = venue.xml("baskets/getbasket", {"basket": r})
    assert root.find("basket/item/ticket").get("refundof") == str(item)


def test_the_same_ticket_cannot_be_refunded_twice(venue, hamlet):
    _, item = _sold(venue, hamlet)
    _sold(venue, hamlet, 3)                  # others of its kind remain sold
    err = _refund(venue, venue.basket(), item, 3, status=409)["error"]
    assert (err["code"], err["param"]) == ("item_rejected", "item.quantity")
    assert err["message"] == f"Only 2 of the 2 tickets of item {item} can still be refunded"
    r = venue.basket()
    _refund(venue, r, item, 1)
    err = _refund(venue, venue.basket(), item, 2, status=409)["error"]   # one waiting counts
    assert err["message"] == f"Only 1 of the 2 tickets of item {item} can still be refunded"
    venue.settle(r)
    _refund(venue, venue.basket(), item, 1)                              # the last one
    err = _refund(venue, venue.basket(), item, 1, status=409)["error"]
    assert (err["code"], err["param"]) == ("item_rejected", "item.refundof")
    assert err["message"] == f"Item {item} has been refunded already"
    # a refund without refundof still counts per performance and ticket type (3 left)
    venue.add(venue.basket(), hamlet, venue.ids["Hamlet/Adult"], 3, refund=True)


def test_abandoned_refund_frees_the_original(venue, hamlet, xts2_clock):
    _, item = _sold(venue, hamlet, 1)
    _refund(venue, venue.basket(expiry=60), item)
    assert _refund(venue, venue.basket(), item, status=409)["error"]["message"] == \
        f"Item {item} has been refunded already"
    xts2_clock.advance(61)
    _refund(venue, venue.basket(), item)                 # the expired refund no longer counts


def test_refunds_without_refundof_still_limit_named_ones(venue, hamlet):
    _, item = _sold(venue, hamlet, 1)
    venue.sell(hamlet, venue.ids["Hamlet/Adult"], 1, refund=True)   # the kind is all refunded
    err = _refund(venue, venue.basket(), item, status=409)["error"]
    assert err["code"] == "item_rejected" and "left to refund" in err["message"]


def test_original_must_be_a_sold_ticket_in_a_closed_basket(venue, hamlet):
    r = venue.basket()
    err = _refund(venue, r, 999999, status=404)["error"]
    assert (err["code"], err["param"]) == ("not_found", "item.refundof")
    open_basket = venue.basket()
    pending = venue.add(open_basket, hamlet, venue.ids["Hamlet/Adult"], 1)["item"]["id"]
    err = _refund(venue, r, pending, status=409)["error"]
    assert (err["code"], err["param"]) == ("item_rejected", "item.refundof")
    assert err["message"] == (f"Item {pending} is in basket {open_basket}, which is not closed; "
                              "only sold tickets can be refunded")
    settle = venue.basket()
    venue.add(settle, hamlet, venue.ids["Hamlet/Adult"], 1)
    venue.settle(settle)
    settled = [i for i in venue.call("baskets/getbasket", {"basket": settle})["basket"]["item"]
               if i["type"] == "settle"][0]["id"]
    err = _refund(venue, r, settled, status=409)["error"]
    assert err["message"] == f"Item {settled} is not a ticket item"
    _, item = _sold(venue, hamlet, 2)
    rb = venue.basket()
    refund = _refund(venue, rb, item)["item"]["id"]
    venue.settle(rb)
    err = _refund(venue, r, refund, status=409)["error"]
    assert err["message"] == f"Item {refund} is a refund; only sold tickets can be refunded"


def test_given_performance_and_tickettype_must_match(venue, hamlet):
    _, item = _sold(venue, hamlet)
    r = venue.basket()
    other = venue.ids["Hamlet@2026-12-02T19:30"]
    err = _refund(venue, r, item, status=409, **{"item.performance": other})["error"]
    assert (err["code"], err["param"]) == ("item_rejected", "item.performance")
    err = _refund(venue, r, item, status=409,
                  **{"item.tickettype": venue.ids["Hamlet/Concession"]})["error"]
    assert (err["code"], err["param"]) == ("item_rejected", "item.tickettype")
    _refund(venue, r, item, **{"item.performance": hamlet,
                               "item.tickettype": venue.ids["Hamlet/Adult"],
                               "item.refund": "true"})
    # without refundof, performance and ticket type are still required
    err = venue.call("baskets/additem", {"basket": r, "type": "ticket",
                                         "item.tickettype": venue.ids["Hamlet/Adult"]},
                     status=400)["error"]
    assert (err["code"], err["param"]) == ("bad_param", "item.performance")


def test_refund_keeps_the_price_paid(venue, hamlet):
    _, item = _sold(venue, hamlet, 1)
    venue.load({"shows": [{"name": "Hamlet", "tickettypes": [
        {"name": "Adult", "price": "15.00"}]}]})
    assert _refund(venue, venue.basket(), item)["item"]["unitprice"] == "-12.00"


def test_refunded_original_cannot_be_reopened(venue, hamlet):
    sale, item = _sold(venue, hamlet)
    _sold(venue, hamlet, 2)
    r = venue.basket()
    _refund(venue, r, item)
    err = venue.call("baskets/openbasket", {"basket": sale}, admin=True, status=409)["error"]
    assert err["code"] == "item_rejected"
    assert err["message"] == (f"Basket {sale} cannot be reopened: item {item} has been "
                              "refunded (a refund names it)")
    venue.call("baskets/removeitem", {"basket": r, "item": venue.call(
        "baskets/getbasket", {"basket": r})["basket"]["item"][0]["id"]})
    venue.call("baskets/openbasket", {"basket": sale}, admin=True)


def test_getbasket_counts_refunds_in_one_query(venue, hamlet):
    b = venue.basket()
    adult = venue.ids["Hamlet/Adult"]
    for _ in range(6):
        venue.add(b, hamlet, adult, 1)
    venue.settle(b)
    items = [i["id"] for i in venue.call("baskets/getbasket", {"basket": b})["basket"]["item"]
             if i["type"] == "ticket"]
    for item in items[:3]:
        _refund(venue, venue.basket(), item)
    few = _statements(venue, "baskets/getbasket", {"basket": b})
    b2 = venue.basket()
    for _ in range(2):
        venue.add(b2, hamlet, adult, 1)
    venue.settle(b2)
    fewer = _statements(venue, "baskets/getbasket", {"basket": b2})
    assert len(few) == len(fewer)          # the number of items does not matter
    assert len([q for q in few if "refundof" in q]) == 1
    got = venue.call("baskets/getbasket", {"basket": b})["basket"]["item"]
    assert [i["ticket"]["refunding"] for i in got if i["type"] == "ticket"] == [1, 1, 1, 0, 0, 0]


# -- two refunds of the same item at once ----------------------------------------------------

THREADS = 12


@pytest.mark.live
@pytest.mark.slow
def test_concurrent_refunds_of_one_item(xts2_app_factory, xts2_live_server):
    """12 threads on two real servers each try to refund 1 of the same 2-ticket item at once:
    exactly 2 succeed, the others are told the item has been refunded already."""
    from xts2_core.testing import TEST_KEY

    app = xts2_app_factory(plugins=["tickets"])
    start = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    app.load({"shows": [{"name": "Race", "tickettypes": [{"name": "Comp", "price": "0.00"}],
                         "performances": [{"start": start.isoformat(), "capacity": 50}]}]})
    show = app.call("tickets/getshows")["shows"][0]["id"]
    perf = app.call("tickets/getperformances", {"show": show})["performances"][0]["id"]
    tt = app.call("tickets/gettickettypes", {"show": show})["tickettypes"][0]["id"]
    items = []
    for quantity in (2, 10):           # others of its kind, so only refundof can refuse
        b = app.call("baskets/newbasket")["basket"]["id"]
        items.append(app.call("baskets/additem", {
            "basket": b, "type": "ticket", "item.performance": perf, "item.tickettype": tt,
            "item.quantity": quantity})["item"]["id"])
        app.call("baskets/closebasket", {"basket": b})
    item = items[0]
    app.registry["dbengine"].dispose()
    servers = [xts2_live_server(plugins=["tickets"],
                                **{"xts2.testing.tickets.count_delay": "0.2"}) for _ in range(2)]
    barrier = threading.Barrier(THREADS)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def worker(n: int) -> None:
        server = servers[n % 2]
        status, body = server.get("baskets/newbasket", {"terminalkey": TEST_KEY})
        basket = body["basket"]["id"]
        barrier.wait()
        status, body = server.get("baskets/additem", {
            "terminalkey": TEST_KEY, "basket": basket, "type": "ticket", "item.refundof": item})
        with lock:
            if status == 200:
                outcomes["success"] += 1
            elif status == 409:
                outcomes[body["error"]["message"]] += 1
            else:
                outcomes[f"{status} {body.get('error')}"] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == {"success": 2, f"Item {item} has been refunded already": THREADS - 2}
