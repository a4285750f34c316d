"""A ticket-only venue: the core and the tickets plugin, nothing else (DESIGN.md: a venue
installs only the providers it needs)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

SEASON = {"shows": [{
    "name": "Hamlet", "description": "A prince hesitates.", "publicity": "Selling fast.",
    "tickettypes": [{"name": "Adult", "price": "12.00"}, {"name": "Friends", "price": "0.00"}],
    "performances": [{"start": "2026-12-01T19:30", "capacity": 100}],
}]}


@pytest.fixture
def app(xts2_app_factory, xts2_clock):
    xts2_clock.set(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    app = xts2_app_factory(plugins=["tickets"])
    app.load(SEASON)
    return app


def _ids(app):
    show = app.call("tickets/getshows")["shows"][0]["id"]
    perf = app.call("tickets/getperformances", {"show": show})["performances"][0]["id"]
    tts = {t["name"]: t["id"]
           for t in app.call("tickets/gettickettypes", {"show": show})["tickettypes"]}
    return perf, tts


def test_index_lists_tickets_and_its_commands(app):
    servlets = {s["name"]: s for s in app.get("/v2", {"format": "json"}).json["servlets"]}
    assert sorted(servlets) == ["baskets", "tickets", "xts"]
    commands = {c["name"]: c["access"] for c in servlets["tickets"]["command"]}
    assert commands == {
        "getshows": "public", "getshow": "public", "getperformances": "public",
        "getperformance": "public", "getprogramme": "public", "getnowandnext": "public",
        "getticketcounts": "public", "gettickettypes": "public", "holdbacktickets": "admin",
        "checkin": "terminal", "uncheckin": "terminal", "getdoorlist": "terminal",
        "gettickets": "terminal"}


def test_tickets_sell_but_paid_ones_cannot_close_without_payments(app):
    perf, tts = _ids(app)
    b = app.call("baskets/newbasket")["basket"]["id"]
    body = app.call("baskets/additem", {"basket": b, "type": "ticket", "item.performance": perf,
                                        "item.tickettype": tts["Adult"], "item.quantity": 2})
    assert body["basket"]["value"] == "24.00"
    body = app.call("baskets/closebasket", {"basket": b}, status=409)
    assert body["error"]["code"] == "basket_not_balanced"
    # there is no payment item type to balance it with
    body = app.call("baskets/additem", {"basket": b, "type": "payment"}, status=400)
    assert body["error"]["param"] == "type"
    assert "installed types: ticket" in body["error"]["message"]
    counts = app.call("tickets/getticketcounts", {"performance": perf})["ticketcounts"][0]
    assert (counts["sold"], counts["reserved"]) == (0, 2)


def test_complimentary_tickets_close(app):
    perf, tts = _ids(app)
    b = app.call("baskets/newbasket")["basket"]["id"]
    app.call("baskets/additem", {"basket": b, "type": "ticket", "item.performance": perf,
                                 "item.tickettype": tts["Friends"], "item.quantity": 4})
    basket = app.call("baskets/closebasket", {"basket": b})["basket"]
    assert basket["state"] == "closed" and basket["value"] == "0.00"
    counts = app.call("tickets/getticketcounts", {"performance": perf})["ticketcounts"][0]
    assert (counts["sold"], counts["reserved"], counts["available"]) == (4, 0, 96)
