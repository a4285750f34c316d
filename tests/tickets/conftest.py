"""Fixtures for the tickets tests: a ticket venue on a frozen clock with a small known season.

The clock stands at Mon 30 Nov 2026 12:00 (Europe/London = UTC in winter). ``settle`` is a
test-only item type that balances a basket (a stand-in for a payment provider), so baskets with
paid tickets can be closed without installing ``money``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from xts2_core import MoneyParam, NewItem, Params, parse_params

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

SEASON: dict[str, Any] = {"shows": [
    {
        "name": "Hamlet", "description": "A prince hesitates.",
        "publicity": "Tickets selling fast.", "company": "Riverside Players",
        "runningtime": 180, "ageguidance": "12+", "image": "https://example.org/hamlet.jpg",
        "link": "https://example.org/hamlet",
        "tickettypes": [{"name": "Adult", "price": "12.00"},
                        {"name": "Concession", "price": "8.00"}],
        "performances": [
            {"start": "2026-12-01T19:30", "capacity": 10},
            {"start": "2026-12-02T19:30", "capacity": 120, "heldback": 4},
            {"start": "2026-11-29T19:30", "capacity": 50},
        ],
    },
    {
        "name": "Macbeth", "description": "A thane listens to witches.",
        "publicity": "Not for the faint-hearted.",
        "tickettypes": [{"name": "Standard", "price": "10.00"},
                        {"name": "Guest", "price": "0.00"}],
        "performances": [
            {"start": "2026-11-30T19:00", "capacity": 5},
            {"start": "2026-11-30T11:30", "capacity": 30},
        ],
    },
    {"name": "Pericles", "description": "Not yet scheduled.", "publicity": ""},
]}


class SettleParams(Params):
    amount: MoneyParam


def _settle_validate(request: Any, basket: Any, item_type: str, params: Any) -> Any:
    if item_type != "settle":
        return None
    p = parse_params(SettleParams, params, prefix="item.")
    return NewItem(quantity=1, unit_price=-p.amount, description="Settled", detail={})


@pytest.fixture
def settle_plugin(xts2_plugin: Any) -> Any:
    """A test plugin: item type ``settle`` with ``item.amount`` (value ``-amount``)."""
    return xts2_plugin(register_item_types=lambda: ["settle"],
                       validate_add_item=_settle_validate)


@dataclass
class Venue:
    """The app plus the ids of the season above."""

    app: Any
    clock: Any
    ids: dict[str, int]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    # -- helpers that go through the API ---------------------------------------------------

    def basket(self, **params: Any) -> int:
        return self.app.call("baskets/newbasket", params)["basket"]["id"]

    def add(self, basket: int, performance: int, tickettype: int, quantity: int | None = 1,
            refund: bool | None = None, status: int = 200) -> dict[str, Any]:
        p: dict[str, Any] = {"basket": basket, "type": "ticket", "item.performance": performance,
                             "item.tickettype": tickettype}
        if quantity is not None:
            p["item.quantity"] = quantity
        if refund is not None:
            p["item.refund"] = "true" if refund else "false"
        return self.app.call("baskets/additem", p, status=status)

    def settle(self, basket: int) -> dict[str, Any]:
        value = self.app.call("baskets/getbasket", {"basket": basket})["basket"]["value"]
        if value != "0.00":
            self.app.call("baskets/additem", {"basket": basket, "type": "settle",
                                              "item.amount": value})
        return self.app.call("baskets/closebasket", {"basket": basket})

    def sell(self, performance: int, tickettype: int, quantity: int = 1,
             refund: bool = False) -> int:
        """A closed basket holding one ticket item; returns the basket id."""
        b = self.basket()
        self.add(b, performance, tickettype, quantity, refund)
        self.settle(b)
        return b

    def counts(self, performance: int) -> dict[str, Any]:
        body = self.app.call("tickets/getticketcounts", {"performance": performance})
        return body["ticketcounts"][0]


def season_ids(app: Any) -> dict[str, int]:
    """Ids by name: shows by name, performances as ``Show@YYYY-MM-DDTHH:MM`` (venue time),
    ticket types as ``Show/Type``."""
    ids: dict[str, int] = {}
    for show in app.call("tickets/getshows")["shows"]:
        ids[show["name"]] = show["id"]
        for perf in app.call("tickets/getperformances", {"show": show["id"]})["performances"]:
            ids[f"{show['name']}@{perf['start'][:16]}"] = perf["id"]
        for tt in app.call("tickets/gettickettypes", {"show": show["id"]})["tickettypes"]:
            ids[f"{show['name']}/{tt['name']}"] = tt["id"]
    return ids


@pytest.fixture
def season() -> dict[str, Any]:
    """The season the venue loads (:data:`SEASON`)."""
    return SEASON


@pytest.fixture
def make_venue(xts2_app_factory: Any, xts2_clock: Any, settle_plugin: Any) -> Any:
    """``make_venue(**settings)``: core + tickets (+ the test-only ``settle`` item) with
    :data:`SEASON` loaded, on the clock at :data:`NOW`."""

    def make(**settings: Any) -> Venue:
        xts2_clock.set(NOW)
        app = xts2_app_factory(plugins=["tickets"], extra=[("settle", settle_plugin)],
                               **settings)
        app.load(SEASON)
        return Venue(app, xts2_clock, season_ids(app))

    return make


@pytest.fixture
def venue(make_venue: Any) -> Venue:
    """The usual venue (see :func:`make_venue`)."""
    return make_venue()
