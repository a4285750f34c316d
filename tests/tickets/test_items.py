"""Ticket items: ``additem`` with ``type=ticket`` and how baskets describe them (API.md §5, §8)."""

from __future__ import annotations

import pytest


@pytest.fixture
def hamlet(venue):
    """Tue 1 Dec 19:30, 10 seats."""
    return venue.ids["Hamlet@2026-12-01T19:30"]


def test_add_ticket_json(venue, hamlet):
    b = venue.basket()
    body = venue.add(b, hamlet, venue.ids["Hamlet/Adult"], quantity=None)  # default 1
    item = body["item"]
    assert item["type"] == "ticket" and item["quantity"] == 1
    assert item["unitprice"] == "12.00" and item["value"] == "12.00"
    assert item["description"] == "Hamlet, Tue 1 Dec 19:30, Adult"
    assert item["ticket"] == {"performance": hamlet, "show": venue.ids["Hamlet"],
                              "showname": "Hamlet", "start": "2026-12-01T19:30:00+00:00",
                              "tickettype": venue.ids["Hamlet/Adult"],
                              "tickettypename": "Adult", "refund": False}
    assert body["basket"]["value"] == "12.00"
    assert body["basket"]["item"][0]["ticket"] == item["ticket"]


def test_basket_xml_describes_tickets(venue, hamlet):
    b = venue.basket()
    venue.add(b, hamlet, venue.ids["Hamlet/Concession"], 2)
    root = venue.xml("baskets/getbasket", {"basket": b})
    item = root.find("basket/item")
    assert item.get("quantity") == "2" and item.get("value") == "16.00"
    assert item.get("description") == "Hamlet, Tue 1 Dec 19:30, Concession"
    ticket = item.find("ticket")
    assert dict(ticket.attrib) == {
        "performance": str(hamlet), "show": str(venue.ids["Hamlet"]), "showname": "Hamlet",
        "start": "2026-12-01T19:30:00+00:00", "tickettype": str(venue.ids["Hamlet/Concession"]),
        "tickettypename": "Concession", "refund": "false"}


def test_summer_performance_is_described_in_venue_time(venue):
    venue.load({"shows": [{"name": "Hamlet", "description": "A prince hesitates.",
                           "performances": [{"start": "2026-07-01T19:30", "capacity": 5}]}]})
    ids = venue.call("tickets/getperformances", {"show": venue.ids["Hamlet"]})["performances"]
    july = next(p["id"] for p in ids if p["start"].startswith("2026-07-01"))
    venue.clock.set(venue.clock.now().replace(month=6))
    item = venue.add(venue.basket(), july, venue.ids["Hamlet/Adult"])["item"]
    assert item["description"] == "Hamlet, Wed 1 Jul 19:30, Adult"
    assert item["ticket"]["start"] == "2026-07-01T19:30:00+01:00"


def test_snapshot_keeps_what_was_sold(venue, hamlet):
    b = venue.basket()
    venue.add(b, hamlet, venue.ids["Hamlet/Adult"])
    venue.load({"shows": [{"name": "Hamlet", "tickettypes": [
        {"name": "Adult", "price": "15.00"}]}]})
    item = venue.call("baskets/getbasket", {"basket": b})["basket"]["item"][0]
    assert item["unitprice"] == "12.00"
    assert venue.add(b, hamlet, venue.ids["Hamlet/Adult"])["item"]["unitprice"] == "15.00"


@pytest.mark.parametrize(("params", "param"), [
    ({"item.quantity": "0"}, "item.quantity"),
    ({"item.quantity": "51"}, "item.quantity"),
    ({"item.quantity": "two"}, "item.quantity"),
    ({"item.refund": "maybe"}, "item.refund"),
    ({"item.performance": None}, "item.performance"),
    ({"item.performance": "x"}, "item.performance"),
    ({"item.tickettype": None}, "item.tickettype"),
    ({"item.tickettype": "0"}, "item.tickettype"),
])
def test_bad_item_params(venue, hamlet, params, param):
    b = venue.basket()
    p = {"basket": b, "type": "ticket", "item.performance": hamlet,
         "item.tickettype": venue.ids["Hamlet/Adult"], **params}
    p = {k: v for k, v in p.items() if v is not None}
    body = venue.call("baskets/additem", p, status=400)
    assert body["error"]["code"] == "bad_param"
    assert body["error"]["param"] == param


def test_quantity_50_is_the_most(venue):
    perf = venue.ids["Hamlet@2026-12-02T19:30"]
    item = venue.add(venue.basket(), perf, venue.ids["Hamlet/Adult"], 50)["item"]
    assert item["quantity"] == 50 and item["value"] == "600.00"


def test_unknown_performance_and_tickettype_are_not_found(venue, hamlet):
    b = venue.basket()
    body = venue.add(b, 4242, venue.ids["Hamlet/Adult"], status=404)
    assert body["error"]["code"] == "not_found"
    assert body["error"]["param"] == "item.performance"
    body = venue.add(b, hamlet, 4242, status=404)
    assert body["error"]["param"] == "item.tickettype"


def test_tickettype_must_belong_to_the_performances_show(venue, hamlet):
    body = venue.add(venue.basket(), hamlet, venue.ids["Macbeth/Standard"], status=409)
    assert body["error"]["code"] == "item_rejected"
    assert body["error"]["param"] == "item.tickettype"
    assert body["error"]["message"] == (
        f"Ticket type Standard ({venue.ids['Macbeth/Standard']}) is for Macbeth, not for Hamlet")


def test_only_n_available_then_sold_out(venue, hamlet):
    adult = venue.ids["Hamlet/Adult"]
    venue.sell(hamlet, adult, 8)
    b = venue.basket()
    root = venue.xml("baskets/additem", {"basket": b, "type": "ticket",
                                         "item.performance": hamlet, "item.tickettype": adult,
                                         "item.quantity": 3}, status=409)
    assert root.get("status") == "error"
    error = root.find("error")
    assert error.get("code") == "item_rejected"
    assert error.get("param") == "item.quantity"
    assert error.text == "Only 2 tickets are available for Hamlet, Tue 1 Dec 19:30"
    venue.add(b, hamlet, adult, 1)
    body = venue.add(b, hamlet, adult, 2, status=409)
    assert body["error"]["message"] == "Only 1 ticket is available for Hamlet, Tue 1 Dec 19:30"
    venue.add(b, hamlet, adult, 1)
    body = venue.add(venue.basket(), hamlet, venue.ids["Hamlet/Concession"], status=409)
    assert body["error"]["message"] == "Hamlet, Tue 1 Dec 19:30 is sold out"
    assert body["error"]["param"] == "item.performance"
    # nothing was added by the refusals
    assert venue.counts(hamlet)["reserved"] == 2
    assert venue.counts(hamlet)["sold"] == 8


def test_heldback_seats_are_not_sold(venue):
    perf = venue.ids["Hamlet@2026-12-02T19:30"]
    venue.add(venue.basket(), perf, venue.ids["Hamlet/Adult"], 50)
    venue.add(venue.basket(), perf, venue.ids["Hamlet/Adult"], 50)
    body = venue.add(venue.basket(), perf, venue.ids["Hamlet/Adult"], 17, status=409)
    assert body["error"]["message"] == "Only 16 tickets are available for Hamlet, Wed 2 Dec 19:30"


def test_no_sales_more_than_60_minutes_after_the_start(venue):
    perf, std = venue.ids["Macbeth@2026-11-30T11:30"], venue.ids["Macbeth/Standard"]
    venue.clock.advance(minutes=30)                  # exactly 60 minutes after 11:30
    venue.add(venue.basket(), perf, std)
    venue.clock.advance(seconds=1)
    body = venue.add(venue.basket(), perf, std, status=409)
    assert body["error"]["code"] == "item_rejected"
    assert body["error"]["param"] == "item.performance"
    assert body["error"]["message"] == ("Macbeth, Mon 30 Nov 11:30 started more than 60 minutes "
                                        "ago; its tickets are no longer sold")


# -- refunds ---------------------------------------------------------------------------------

def test_refund_is_an_anti_ticket(venue, hamlet):
    adult = venue.ids["Hamlet/Adult"]
    venue.sell(hamlet, adult, 3)
    b = venue.basket()
    body = venue.add(b, hamlet, adult, 2, refund=True)
    item = body["item"]
    assert item["quantity"] == 2
    assert item["unitprice"] == "-12.00" and item["value"] == "-24.00"
    assert item["description"] == "Refund: Hamlet, Tue 1 Dec 19:30, Adult"
    assert item["ticket"]["refund"] is True
    assert body["basket"]["value"] == "-24.00"
    root = venue.xml("baskets/getbasket", {"basket": b})
    assert root.find("basket/item/ticket").get("refund") == "true"
    # waiting in an open basket, the refund frees no seat yet
    assert venue.counts(hamlet) == {"performance": hamlet, "capacity": 10, "sold": 3,
                                    "reserved": 0, "heldback": 0, "available": 7}
    venue.settle(b)
    assert venue.counts(hamlet)["sold"] == 1
    assert venue.counts(hamlet)["available"] == 9


def test_refund_beyond_what_was_sold_is_rejected(venue, hamlet):
    adult, conc = venue.ids["Hamlet/Adult"], venue.ids["Hamlet/Concession"]
    venue.sell(hamlet, adult, 2)
    venue.add(venue.basket(), hamlet, adult, 3)           # reserved, not sold: not refundable
    b = venue.basket()
    body = venue.add(b, hamlet, adult, 3, refund=True, status=409)
    assert body["error"]["code"] == "item_rejected"
    assert body["error"]["param"] == "item.quantity"
    assert body["error"]["message"] == ("Only 2 tickets of type Adult for Hamlet, Tue 1 Dec "
                                        "19:30 can be refunded")
    body = venue.add(b, hamlet, conc, 1, refund=True, status=409)
    assert body["error"]["message"] == ("No Concession tickets for Hamlet, Tue 1 Dec 19:30 are "
                                        "left to refund")
    # refunds of another performance do not count
    other = venue.ids["Hamlet@2026-12-02T19:30"]
    assert venue.add(b, other, adult, 1, refund=True, status=409)["error"]["code"] == \
        "item_rejected"


def test_open_refunds_cannot_return_the_same_ticket_twice(venue, hamlet):
    adult = venue.ids["Hamlet/Adult"]
    venue.sell(hamlet, adult, 2)
    venue.add(venue.basket(), hamlet, adult, 2, refund=True)
    body = venue.add(venue.basket(), hamlet, adult, 1, refund=True, status=409)
    assert body["error"]["message"].startswith("No Adult tickets")


def test_an_expired_refund_no_longer_counts(venue, hamlet):
    adult = venue.ids["Hamlet/Adult"]
    venue.sell(hamlet, adult, 1)
    venue.add(venue.basket(expiry=60), hamlet, adult, 1, refund=True)
    venue.add(venue.basket(), hamlet, adult, 1, refund=True, status=409)
    venue.clock.advance(seconds=61)
    venue.add(venue.basket(), hamlet, adult, 1, refund=True)


def test_refunds_allowed_after_the_performance(venue):
    perf, std = venue.ids["Macbeth@2026-11-30T11:30"], venue.ids["Macbeth/Standard"]
    venue.sell(perf, std, 2)
    venue.clock.advance(days=2)
    b = venue.basket()
    venue.add(b, perf, std, 2, refund=True)
    venue.settle(b)
    assert venue.counts(perf)["sold"] == 0


def test_unknown_type_lists_ticket(venue, hamlet):
    body = venue.call("baskets/additem", {"basket": venue.basket(), "type": "tickets"},
                      status=400)
    assert body["error"]["param"] == "type"
    assert "ticket" in body["error"]["message"]


# -- reopening -------------------------------------------------------------------------------

def test_reopened_basket_tickets_are_reserved_until_it_closes(venue, hamlet):
    b = venue.sell(hamlet, venue.ids["Hamlet/Adult"], 3)
    assert venue.counts(hamlet)["sold"] == 3
    basket = venue.call("baskets/openbasket", {"basket": b}, admin=True)["basket"]
    assert basket["state"] == "open"
    c = venue.counts(hamlet)
    assert (c["sold"], c["reserved"], c["available"]) == (0, 3, 7)
    venue.call("baskets/closebasket", {"basket": b})
    c = venue.counts(hamlet)
    assert (c["sold"], c["reserved"], c["available"]) == (3, 0, 7)


def test_reopen_refused_when_its_tickets_were_refunded_elsewhere(venue, hamlet):
    adult = venue.ids["Hamlet/Adult"]
    sale = venue.sell(hamlet, adult, 2)
    venue.sell(hamlet, adult, 2, refund=True)
    body = venue.call("baskets/openbasket", {"basket": sale}, admin=True, status=409)
    assert body["error"]["code"] == "item_rejected"
    assert body["error"]["message"] == (
        f"Basket {sale} cannot be reopened: Adult tickets for Hamlet, Tue 1 Dec 19:30 were "
        "refunded in another basket since it closed")
    assert venue.call("baskets/getbasket", {"basket": sale})["basket"]["state"] == "closed"
    # had it reopened and its items been removed, sold would be -2 and 12 of 10 seats for sale
    assert venue.counts(hamlet)["available"] == 10


def test_reopen_allowed_when_other_sales_cover_the_refunds(venue, hamlet):
    adult = venue.ids["Hamlet/Adult"]
    sale = venue.sell(hamlet, adult, 2)
    venue.sell(hamlet, adult, 2)
    venue.sell(hamlet, adult, 2, refund=True)
    venue.call("baskets/openbasket", {"basket": sale}, admin=True)
    c = venue.counts(hamlet)
    assert (c["sold"], c["reserved"]) == (0, 2)


def test_reopen_refused_when_refunded_seats_were_sold_again(venue, hamlet):
    adult = venue.ids["Hamlet/Adult"]
    venue.sell(hamlet, adult, 10)
    refund = venue.sell(hamlet, adult, 2, refund=True)
    venue.sell(hamlet, adult, 1)
    # one of the two seats given back is still free: reopening would take back two
    body = venue.call("baskets/openbasket", {"basket": refund}, admin=True, status=409)
    assert body["error"]["code"] == "item_rejected"
    assert body["error"]["message"] == (
        f"Basket {refund} cannot be reopened: the seats its refunds gave back for Hamlet, "
        "Tue 1 Dec 19:30 have been sold again")
    c = venue.counts(hamlet)
    assert (c["sold"], c["available"]) == (9, 1)


def test_reopening_a_refund_takes_its_seats_back(venue, hamlet):
    adult = venue.ids["Hamlet/Adult"]
    venue.sell(hamlet, adult, 5)
    refund = venue.sell(hamlet, adult, 2, refund=True)
    assert venue.counts(hamlet)["sold"] == 3
    venue.call("baskets/openbasket", {"basket": refund}, admin=True)
    c = venue.counts(hamlet)
    assert (c["sold"], c["reserved"], c["available"]) == (5, 0, 5)
    # the reopened refund still waits: a second refund of the same tickets is refused
    body = venue.add(venue.basket(), hamlet, adult, 4, refund=True, status=409)
    assert body["error"]["message"].startswith("Only 3 tickets of type Adult")
