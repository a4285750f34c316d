"""Fixtures for the cafe provider's tests: a cafe with a small stock list."""

from __future__ import annotations

from typing import Any

import pytest

STOCK = [
    {"name": "Coffee", "price": "2.20", "category": "drinks", "level": 5},
    {"name": "Tea", "price": "1.80", "category": "drinks"},
    {"name": "Flapjack", "price": "2.50", "category": "snacks", "level": 2},
    {"name": "Old cake", "price": "1.00", "category": "snacks", "level": 10, "onsale": False},
]


class Cafe:
    """An XTS2TestApp with helpers for the cafe counter."""

    #: The stock list loaded.
    stock = STOCK

    def __init__(self, app: Any) -> None:
        self.app = app

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    def ids(self) -> dict[str, int]:
        return {i["name"]: i["id"] for i in self.app.call("cafe/getstock", key=False)["stock"]}

    def available(self) -> dict[str, int | None]:
        return {i["name"]: i.get("available")
                for i in self.app.call("cafe/getstock", key=False)["stock"]}

    def basket(self, **params: Any) -> int:
        return self.app.call("baskets/newbasket", params)["basket"]["id"]

    def add(self, basket: int, name: str, quantity: int | None = None, status: int = 200,
            **params: Any) -> Any:
        p = {"basket": basket, "type": "cafe", "item.stock": self.ids()[name], **params}
        if quantity is not None:
            p["item.quantity"] = quantity
        return self.app.call("baskets/additem", p, status=status)


@pytest.fixture
def cafe(xts2_app_factory: Any) -> Cafe:
    """Core + cafe, with STOCK loaded."""
    app = xts2_app_factory(plugins=["cafe"])
    app.load({"stock": STOCK})
    return Cafe(app)


@pytest.fixture
def till(xts2_app_factory: Any) -> Cafe:
    """A cafe-only venue: core + cafe + money, STOCK, cash and card at the test terminal."""
    app = xts2_app_factory(plugins=["cafe", "money"])
    app.load({"stock": STOCK,
              "paymenttypes": [{"code": "cash", "name": "Cash"}, {"code": "card", "name": "Card"}],
              "terminals": [{"name": "Test terminal", "paymenttypes": ["cash", "card"]}]})
    return Cafe(app)
