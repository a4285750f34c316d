"""What the donations plugin's tests share: a till (the app with the plugin, and the steps of a
sale). The app fixtures come from XTS2's pytest plugin; each test module makes the ``till``
fixture with :func:`make_till` (a helper module rather than a conftest.py, whose module name
``conftest`` would be shared with every other conftest of a test run).

A donation is money a customer owes, so a basket holding one closes only when something balances
it. These tests do not depend on the ``money`` provider: a throwaway ``tender`` item type (made
with the ``xts2_plugin`` fixture) takes the amount off again.
"""

from __future__ import annotations

from typing import Any

from xts2_core import MoneyParam, NewItem, Params, parse_params


class TenderParams(Params):
    amount: MoneyParam


def register_item_types() -> list[str]:
    return ["tender"]


def validate_add_item(item_type: str, params: Any) -> NewItem | None:
    if item_type != "tender":
        return None
    p = parse_params(TenderParams, params, prefix="item.")
    return NewItem(quantity=1, unit_price=-p.amount, description="Tender")


class Till:
    """The test's app with the donations plugin, and the steps of a sale."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def basket(self) -> int:
        return self.app.call("baskets/newbasket")["basket"]["id"]

    def donate(self, basket: int, amount: str, status: int = 200, **item: Any) -> Any:
        params = {"basket": basket, "type": "donation", "item.amount": amount}
        params.update({f"item.{k}": v for k, v in item.items()})
        return self.app.call("baskets/additem", params, status=status)

    def settle(self, basket: int) -> dict[str, Any]:
        """Balance the basket with a tender item and close it."""
        value = self.app.call("baskets/getbasket", {"basket": basket})["basket"]["value"]
        self.app.call("baskets/additem", {"basket": basket, "type": "tender",
                                          "item.amount": value})
        return self.app.call("baskets/closebasket", {"basket": basket})["basket"]


def make_till(xts2_app_factory: Any, xts2_plugin: Any) -> Till:
    """An app with the donations plugin and the throwaway ``tender`` item type."""
    tender = xts2_plugin(register_item_types, validate_add_item)
    return Till(xts2_app_factory(plugins=["donations"], extra=[("tender", tender)]))
