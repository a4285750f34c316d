"""Fixtures for the shop's tests: a venue with a Website terminal, on a frozen clock.

The clock stands at Mon 30 Nov 2026 12:00 (Europe/London = UTC in winter). ``shop`` is the app
(every installed plugin, the test payment service on, its notification left to the test);
``customer()`` is a browser of its own (WebTest, with its own cookies) on that app.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from shopkit import SHOP_SETTINGS, Browser

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

SEASON: dict[str, Any] = {
    "shows": [
        {"name": "Hamlet", "description": "A prince hesitates.",
         "tickettypes": [{"name": "Adult", "price": "12.00"},
                         {"name": "Concession", "price": "8.00"}],
         "performances": [{"start": "2026-12-01T19:30", "capacity": 10},
                          {"start": "2026-12-05T19:30", "capacity": 100},
                          {"start": "2026-11-29T19:30", "capacity": 50}]},
        {"name": "Macbeth", "description": "A thane listens to witches.",
         "tickettypes": [{"name": "Standard", "price": "10.00"}],
         "performances": [{"start": "2026-12-03T19:00", "capacity": 5}]},
    ],
    "paymenttypes": [{"code": "cash", "name": "Cash"}, {"code": "card", "name": "Card"},
                     {"code": "online", "name": "Online payment"}],
    "terminals": [{"name": "Website", "key": "website-terminal-key-0001", "expiry": 1800,
                   "paymenttypes": ["online"]}],
}


class Ids:
    def __init__(self, app: Any) -> None:
        programme = app.call("tickets/getshows", key=False)["shows"]
        self.shows = {s["name"]: s["id"] for s in programme}
        self.perfs: dict[tuple[str, str], int] = {}
        self.tickettypes: dict[tuple[str, str], int] = {}
        for name, show in self.shows.items():
            for p in app.call("tickets/getperformances", {"show": show}, key=False)["performances"]:
                self.perfs[(name, p["start"][:16])] = p["id"]
            for t in app.call("tickets/gettickettypes", {"show": show}, key=False)["tickettypes"]:
                self.tickettypes[(name, t["name"])] = t["id"]


@pytest.fixture
def shop(xts2_app_factory: Any, xts2_clock: Any) -> Any:
    xts2_clock.set(NOW)
    app = xts2_app_factory(**SHOP_SETTINGS)
    app.load(SEASON)
    app.add_terminal("Test terminal", app.terminal_key, paymenttypes=["cash", "card"])
    app.ids = Ids(app)
    return app


@pytest.fixture
def customer(shop: Any) -> Any:
    """``customer()`` → a WebTest app with cookies of its own (a customer's browser): a
    :class:`shopkit.Browser`, which also knows the shop's steps (add, checkout, pay)."""

    def make(**extra_environ: Any) -> Browser:
        return Browser(shop, **extra_environ)

    return make
