"""Fixtures for the money provider's tests.

Money depends on the core only, so most of these tests sell with a throwaway test plugin's
``thing`` items (``item.price``) rather than tickets or coffee.
"""

from __future__ import annotations

from typing import Any

import pytest

from xts2_core import E, MoneyParam, NewItem, Params, parse_params

PAYMENTTYPES = [{"code": "cash", "name": "Cash"}, {"code": "card", "name": "Card"},
                {"code": "voucher", "name": "Gift voucher"}]
WEB_KEY = "web-shop-terminal-key-0001"


class ThingParams(Params):
    price: MoneyParam


def things(xts2_plugin: Any) -> Any:
    """A test plugin: item type ``thing`` at ``item.price``."""

    def register_item_types() -> list[str]:
        return ["thing"]

    def validate_add_item(basket: Any, item_type: str, params: Any) -> NewItem | None:
        if item_type != "thing":
            return None
        p = parse_params(ThingParams, params, prefix="item.")
        return NewItem(quantity=1, unit_price=p.price, description="Thing")

    def describe_item(item: Any) -> E | None:
        return E("thing") if item.type == "thing" else None

    return xts2_plugin(register_item_types, validate_add_item, describe_item)


class Till:
    """An XTS2TestApp with helpers for selling things and taking money."""

    #: The second terminal's key, and the payment types loaded.
    web_key = WEB_KEY
    paymenttypes = PAYMENTTYPES

    def __init__(self, app: Any) -> None:
        self.app = app

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    def basket(self, price: str | None = None, key: str | bool = True, **params: Any) -> int:
        b = self.app.call("baskets/newbasket", params, key=key)["basket"]["id"]
        if price is not None:
            self.thing(b, price, key=key)
        return b

    def thing(self, basket: int, price: str, key: str | bool = True) -> Any:
        return self.app.call("baskets/additem", {"basket": basket, "type": "thing",
                                                 "item.price": price}, key=key)

    def pay(self, basket: int, code: str, amount: str, refund: bool | None = None,
            status: int = 200, key: str | bool = True, fee: str | None = None) -> Any:
        return self.app.call("baskets/additem", {
            "basket": basket, "type": "payment", "item.paymenttype": code,
            "item.amount": amount, "item.refund": refund, "item.fee": fee}, status=status,
            key=key)

    def close(self, basket: int, status: int = 200, key: str | bool = True) -> Any:
        return self.app.call("baskets/closebasket", {"basket": basket}, status=status, key=key)

    def takings(self, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        p = {"since": "2000-01-01T00:00:00+00:00", **(params or {})}
        return self.app.call("money/gettakings", p, **kw)


@pytest.fixture
def till(xts2_app_factory: Any, xts2_plugin: Any) -> Till:
    """Core + money + the ``thing`` test plugin. The test terminal takes cash and card; a second
    terminal, "Web shop" (key WEB_KEY), takes card only; nobody takes gift vouchers."""
    app = xts2_app_factory(plugins=["money"], extra=[("things", things(xts2_plugin))])
    app.load({"paymenttypes": PAYMENTTYPES,
              "terminals": [{"name": "Test terminal", "paymenttypes": ["cash", "card"]},
                            {"name": "Web shop", "key": WEB_KEY, "paymenttypes": ["card"]}]})
    return Till(app)
