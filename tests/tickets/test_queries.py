"""The tickets reads use a fixed number of SQL statements whatever the data size (DESIGN.md
"Data": counts in one grouped aggregate), and a basket of many tickets renders without a query
per item (``describe_item`` reads the snapshot). Run with ``-s`` to see the figures.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _shows(first: int, count: int, perfs: int) -> dict[str, Any]:
    shows = []
    for s in range(first, first + count):
        shows.append({
            "name": f"Show {s:03d}", "description": "d", "publicity": "p",
            "tickettypes": [{"name": "Adult", "price": "10.00"}, {"name": "Comp", "price": "0"}],
            "performances": [
                {"start": (NOW + timedelta(hours=3 + 7 * p + s)).strftime("%Y-%m-%dT%H:%M"),
                 "capacity": 100} for p in range(perfs)],
        })
    return {"shows": shows}


def _sell(app: Any, perf_ids: list[int], tts: dict[int, list[int]]) -> int:
    """A closed and an open basket with a ticket for each performance; returns the open one."""
    closed = app.call("baskets/newbasket")["basket"]["id"]
    opened = app.call("baskets/newbasket")["basket"]["id"]
    for perf, (adult, comp) in zip(perf_ids, tts.values(), strict=False):
        app.call("baskets/additem", {"basket": closed, "type": "ticket", "item.performance": perf,
                                     "item.tickettype": comp, "item.quantity": 2})
        app.call("baskets/additem", {"basket": opened, "type": "ticket", "item.performance": perf,
                                     "item.tickettype": adult})
    app.call("baskets/closebasket", {"basket": closed})
    return opened


def _ids(app: Any) -> tuple[list[int], list[int], dict[int, list[int]]]:
    shows = [s["id"] for s in app.call("tickets/getshows")["shows"]]
    perfs, tts = [], {}
    for show in shows:
        types = [t["id"] for t in app.call("tickets/gettickettypes", {"show": show})["tickettypes"]]
        for p in app.call("tickets/getperformances", {"show": show})["performances"]:
            perfs.append(p["id"])
            tts[p["id"]] = types
    return shows, perfs, tts


def _measure(app: Any, basket: int, shows: list[int], perfs: list[int]) -> dict[str, int]:
    calls = {
        "getshows": ("tickets/getshows", {}),
        "getshows current": ("tickets/getshows", {"current": "1"}),
        "getshow": ("tickets/getshow", {"show": shows[-1]}),
        "gettickettypes": ("tickets/gettickettypes", {"show": shows[-1]}),
        "getperformances": ("tickets/getperformances", {"show": shows[-1]}),
        "getperformance": ("tickets/getperformance", {"performance": perfs[-1]}),
        "getprogramme": ("tickets/getprogramme", {"days": 366, "limit": 50}),
        "getnowandnext": ("tickets/getnowandnext", {"n": 50}),
        "getticketcounts": ("tickets/getticketcounts",
                            {"performance": ",".join(map(str, perfs[:100]))}),
        "getbasket": ("baskets/getbasket", {"basket": basket}),
        "report show": ("xts/report", {"type": "show", "show": shows[-1], "admin": True}),
        "report performance": ("xts/report", {"type": "performance",
                                              "performance": perfs[-1], "admin": True}),
        "getstats": ("xts/getstats", {}),
    }
    out = {}
    for name, (path, params) in calls.items():
        params = dict(params)
        admin = params.pop("admin", False)
        with app.statements() as seen:
            body = app.call(path, params, admin=admin)
        assert body["status"] == "ok"
        out[name] = len(seen)
    return out


def test_reads_use_a_fixed_number_of_statements(xts2_app_factory, xts2_clock):
    xts2_clock.set(NOW)
    app = xts2_app_factory(plugins=["tickets"])
    app.load(_shows(0, 1, 2))
    shows, perfs, tts = _ids(app)
    basket = _sell(app, perfs, tts)
    small = _measure(app, basket, shows, perfs)
    sizes = [(len(shows), len(perfs))]

    app.load(_shows(1, 11, 12))
    shows, perfs, tts = _ids(app)
    basket = _sell(app, perfs, tts)
    large = _measure(app, basket, shows, perfs)
    sizes.append((len(shows), len(perfs)))
    assert len(perfs) >= 100
    assert len(app.call("baskets/getbasket", {"basket": basket})["basket"]["item"]) == len(perfs)

    print(f"\nstatements per request (shows, performances) {sizes[0]} -> {sizes[1]}:")
    for name in small:
        print(f"  {name:20s} {small[name]:3d} {large[name]:3d}")
    assert large == small


def test_ticket_counts_for_one_and_a_hundred_performances_cost_the_same(xts2_app_factory,
                                                                         xts2_clock):
    xts2_clock.set(NOW)
    app = xts2_app_factory(plugins=["tickets"])
    app.load(_shows(0, 10, 11))
    _, perfs, tts = _ids(app)
    _sell(app, perfs, tts)
    costs = []
    for ids in (perfs[:1], perfs[:100]):
        with app.statements() as seen:
            body = app.call("tickets/getticketcounts", {"performance": ",".join(map(str, ids))})
        assert len(body["ticketcounts"]) == len(ids)
        costs.append(len(seen))
    assert costs[0] == costs[1]


def test_ticket_counts_are_one_statement(xts2_app_factory, xts2_clock):
    """The performances and their sums come in one statement, however many ids are asked."""
    xts2_clock.set(NOW)
    app = xts2_app_factory(plugins=["tickets"])
    app.load(_shows(0, 2, 3))
    _, perfs, tts = _ids(app)
    _sell(app, perfs[:3], tts)
    with app.statements() as statements:
        body = app.call("tickets/getticketcounts", {"performance": ",".join(map(str, perfs))})
    assert [c["performance"] for c in body["ticketcounts"]] == perfs
    assert [c["sold"] for c in body["ticketcounts"]] == [2, 2, 2, 0, 0, 0]
    assert [c["reserved"] for c in body["ticketcounts"]] == [1, 1, 1, 0, 0, 0]
    assert len([s for s in statements if "tickets_" in s]) == 1


def test_closebasket_asks_no_refunds_and_no_cafe_lines_of_a_ticket_sale(xts2_app_factory,
                                                                         xts2_clock):
    """A basket open until its closebasket has no refunds of its items, and one without cafe items
    moves no stock: closing a sale of tickets runs no refunds query and no cafe query, and its
    answer shows the tickets as not refunded."""
    xts2_clock.set(NOW)
    app = xts2_app_factory(plugins=["tickets", "cafe"])
    app.load(_shows(0, 1, 1))
    _, perfs, tts = _ids(app)
    basket = app.call("baskets/newbasket")["basket"]["id"]
    app.call("baskets/additem", {"basket": basket, "type": "ticket", "item.performance": perfs[0],
                                 "item.tickettype": tts[perfs[0]][1]})
    with app.statements() as statements:
        item = app.call("baskets/closebasket", {"basket": basket})["basket"]["item"][0]
    assert (item["ticket"]["refunded"], item["ticket"]["refunding"]) == (0, 0)
    assert not [s for s in statements if "refundof" in s or "cafe_line" in s], statements
    # and a later read of the closed basket asks for its refunds, as before
    with app.statements() as statements:
        item = app.call("baskets/getbasket", {"basket": basket})["basket"]["item"][0]
    assert (item["ticket"]["refunded"], item["ticket"]["refunding"]) == (0, 0)
    assert [s for s in statements if "refundof" in s]
