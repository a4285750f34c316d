"""The race tests' performance: "Race", a week from now (the servers run on the real clock), one
free ticket type, ``capacity`` seats, of which ``sold`` are sold in one closed basket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any


def race_performance(xts2_app_factory: Any, capacity: int, sold: int
                     ) -> tuple[Any, int, int, dict[str, Any]]:
    """(the app, the performance id, the ticket type id, the closed sale as closebasket answers
    it). Dispose of ``app.registry["dbengine"]`` once set up, before the servers race."""
    app = xts2_app_factory(plugins=["tickets"])
    start = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    app.load({"shows": [{"name": "Race", "tickettypes": [{"name": "Comp", "price": "0.00"}],
                         "performances": [{"start": start.isoformat(), "capacity": capacity}]}]})
    show = app.call("tickets/getshows")["shows"][0]["id"]
    perf = app.call("tickets/getperformances", {"show": show})["performances"][0]["id"]
    tt = app.call("tickets/gettickettypes", {"show": show})["tickettypes"][0]["id"]
    b = app.call("baskets/newbasket")["basket"]["id"]
    app.call("baskets/additem", {"basket": b, "type": "ticket", "item.performance": perf,
                                 "item.tickettype": tt, "item.quantity": sold})
    closed = app.call("baskets/closebasket", {"basket": b})["basket"]
    return app, perf, tt, closed
