"""holdbacktickets (admin, API.md §5)."""

from __future__ import annotations

import pytest


@pytest.fixture
def perf(venue):
    return venue.ids["Hamlet@2026-12-01T19:30"]   # 10 seats


def test_holdback_sets_the_absolute_number(venue, perf):
    body = venue.call("tickets/holdbacktickets", {"performance": perf, "count": 3}, admin=True)
    assert body["counts"] == {"performance": perf, "capacity": 10, "sold": 0, "reserved": 0,
                              "heldback": 3, "available": 7}
    root = venue.xml("tickets/holdbacktickets", {"performance": perf, "count": 1}, admin=True)
    counts = root.find("counts")
    assert counts.get("performance") == str(perf)
    assert counts.get("heldback") == "1" and counts.get("available") == "9"
    assert venue.counts(perf)["heldback"] == 1


def test_heldback_seats_cannot_be_sold(venue, perf):
    venue.call("tickets/holdbacktickets", {"performance": perf, "count": 9}, admin=True)
    b = venue.basket()
    venue.add(b, perf, venue.ids["Hamlet/Adult"], 1)
    assert venue.add(b, perf, venue.ids["Hamlet/Adult"], 1, status=409)["error"][
        "message"] == "Hamlet, Tue 1 Dec 19:30 is sold out"
    venue.call("tickets/holdbacktickets", {"performance": perf, "count": 0}, admin=True)
    venue.add(b, perf, venue.ids["Hamlet/Adult"], 9)


def test_holdback_conflicts_with_sold_and_reserved(venue, perf):
    venue.sell(perf, venue.ids["Hamlet/Adult"], 4)
    venue.add(venue.basket(), perf, venue.ids["Hamlet/Adult"], 3)
    body = venue.call("tickets/holdbacktickets", {"performance": perf, "count": 4}, admin=True,
                      status=409)
    assert body["error"]["code"] == "conflict"
    assert body["error"]["message"] == ("Only 3 seats of Hamlet, Tue 1 Dec 19:30 can be held "
                                        "back (capacity 10, sold 4, reserved 3)")
    assert venue.counts(perf)["heldback"] == 0
    body = venue.call("tickets/holdbacktickets", {"performance": perf, "count": 3}, admin=True)
    assert body["counts"]["available"] == 0


def test_holdback_needs_the_admin_password(venue, perf):
    body = venue.call("tickets/holdbacktickets", {"performance": perf, "count": 1}, status=401)
    assert body["error"]["code"] == "unauthorized"
    body = venue.call("tickets/holdbacktickets", {"performance": perf, "count": 1,
                                                  "password": "wrong-password"}, status=401)
    assert body["error"]["code"] == "unauthorized"
    assert venue.counts(perf)["heldback"] == 0


def test_holdback_params(venue, perf):
    for params, name in (({"performance": perf}, "count"), ({"performance": perf, "count": -1},
                                                            "count"),
                         ({"count": 1}, "performance"),
                         ({"performance": perf, "count": "x"}, "count")):
        body = venue.call("tickets/holdbacktickets", params, admin=True, status=400)
        assert body["error"]["param"] == name
    body = venue.call("tickets/holdbacktickets", {"performance": 999, "count": 1}, admin=True,
                      status=404)
    assert body["error"]["param"] == "performance"


def test_holdback_changes_state_so_it_is_guarded_and_idempotent(venue, perf):
    body = venue.call("tickets/holdbacktickets", {"performance": perf, "count": 2},
                      admin=True, status=403, headers={"Sec-Fetch-Site": "cross-site"})
    assert body["error"]["code"] == "forbidden"
    first = venue.call("tickets/holdbacktickets", {"performance": perf, "count": 2,
                                                   "opid": "hb-1"}, admin=True)
    venue.call("tickets/holdbacktickets", {"performance": perf, "count": 5}, admin=True)
    again = venue.call("tickets/holdbacktickets", {"performance": perf, "count": 2,
                                                   "opid": "hb-1"}, admin=True)
    assert again == first
    assert venue.counts(perf)["heldback"] == 5
