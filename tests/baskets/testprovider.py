"""A test-only provider that implements every basket hook, written against ``xts2_core`` exports
only, as a real provider is.

Item types:

- ``widget``: ``item.price`` (money, may be negative), ``item.quantity`` (1–50, default 1),
  ``item.name`` (default "Widget"), and switches that make the provider refuse later:
  ``item.refuse_remove``, ``item.refuse_move``, ``item.refuse_close``, ``item.refuse_open``;
  ``item.reject`` refuses the addition itself with that text as the message; ``item.forever``
  makes the basket never expire (as money does for a payment).
- ``voucher``: ``item.amount`` (> 0); its value is ``-amount`` (it pays for widgets).

``getbaskets`` filter ``widget``: baskets holding a widget of that name.

Every hook call is recorded in :attr:`WidgetProvider.events` so tests can watch notifications.
:func:`make_app` is a PasteDeploy app factory with this provider registered, for real servers.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from xts2_core import (
    Basket,
    BasketFilter,
    BasketItem,
    Bool,
    E,
    Field,
    Int,
    ItemRejected,
    MoneyParam,
    Name,
    NewItem,
    Params,
    Text,
    hookimpl,
    parse_params,
)


class WidgetParams(Params):
    price: MoneyParam = Field(ge=-10_000_000, le=10_000_000)
    quantity: Int = Field(1, ge=1, le=50)
    name: Name = Field("Widget", min_length=1, max_length=50)
    reject: Text | None = None
    forever: Bool = False
    refuse_remove: Bool = False
    refuse_move: Bool = False
    refuse_close: Bool = False
    refuse_open: Bool = False


class VoucherParams(Params):
    amount: MoneyParam = Field(gt=0, le=10_000_000)


def _widgets(request: Any, basket: Basket) -> list[BasketItem]:
    return list(request.dbsession.execute(
        sa.select(BasketItem).where(BasketItem.basket_id == basket.id,
                                    BasketItem.type == "widget")).scalars())


class WidgetProvider:
    """Register an instance: ``extra=[("testprovider", WidgetProvider())]``."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def names(self) -> list[str]:
        return [e[0] for e in self.events]

    # -- start-up ------------------------------------------------------------------------------

    @hookimpl
    def register_item_types(self) -> list[str]:
        return ["widget", "voucher"]

    @hookimpl
    def register_basket_filters(self) -> list[BasketFilter]:
        def apply(request: Any, select: sa.Select[Any], value: str) -> sa.Select[Any]:
            return select.where(sa.exists().where(
                BasketItem.basket_id == Basket.id, BasketItem.type == "widget",
                BasketItem.description == value))

        return [BasketFilter("widget", Text, apply, "baskets holding a widget of this name")]

    # -- items ---------------------------------------------------------------------------------

    @hookimpl
    def validate_add_item(self, request: Any, basket: Basket, item_type: str, params: Any
                          ) -> NewItem | None:
        if item_type == "voucher":
            v = parse_params(VoucherParams, params, prefix="item.")
            self.events.append(("validate_add_item", basket.id, item_type))
            return NewItem(quantity=1, unit_price=-v.amount, description="Voucher",
                           detail={"amount": v.amount})
        if item_type != "widget":
            return None
        w = parse_params(WidgetParams, params, prefix="item.")
        self.events.append(("validate_add_item", basket.id, item_type))
        if w.reject:
            raise ItemRejected(w.reject, param="item.reject")
        detail = {"name": w.name, "refuse_remove": w.refuse_remove, "refuse_move": w.refuse_move,
                  "refuse_close": w.refuse_close, "refuse_open": w.refuse_open,
                  "forever": w.forever}
        return NewItem(quantity=w.quantity, unit_price=w.price, description=w.name, detail=detail)

    @hookimpl
    def describe_item(self, request: Any, item: BasketItem) -> E | None:
        if item.type == "voucher":
            return E("voucher", {"amount": item.detail["amount"]})
        if item.type != "widget":
            return None
        return E("widget", {"name": item.detail["name"],
                            "refuseclose": item.detail["refuse_close"]})

    @hookimpl
    def item_added(self, request: Any, basket: Basket, item: BasketItem) -> None:
        self.events.append(("item_added", basket.id, item.id))
        if item.type == "widget" and item.detail["forever"]:
            basket.never_expire()

    @hookimpl
    def validate_remove_item(self, request: Any, basket: Basket, item: BasketItem) -> None:
        self.events.append(("validate_remove_item", basket.id, item.id))
        if item.type == "widget" and item.detail["refuse_remove"]:
            raise ItemRejected(f"{item.description} may not be removed")

    @hookimpl
    def validate_move_item(self, request: Any, item: BasketItem, source: Basket, target: Basket
                           ) -> None:
        self.events.append(("validate_move_item", item.id, source.id, target.id))
        if item.type == "widget" and item.detail["refuse_move"]:
            raise ItemRejected(f"{item.description} may not move to basket {target.id}")

    # -- closing and reopening -----------------------------------------------------------------

    @hookimpl
    def validate_close_basket(self, request: Any, basket: Basket) -> None:
        self.events.append(("validate_close_basket", basket.id))
        for w in _widgets(request, basket):
            if w.detail["refuse_close"]:
                raise ItemRejected(f"{w.description} is not ready to be sold")

    @hookimpl
    def basket_closed(self, request: Any, basket: Basket) -> None:
        self.events.append(("basket_closed", basket.id, basket.state))

    @hookimpl
    def validate_open_basket(self, request: Any, basket: Basket) -> None:
        self.events.append(("validate_open_basket", basket.id))
        for w in _widgets(request, basket):
            if w.detail["refuse_open"]:
                raise ItemRejected(f"{w.description} was handed over; the sale cannot reopen")

    @hookimpl
    def basket_reopened(self, request: Any, basket: Basket) -> None:
        self.events.append(("basket_reopened", basket.id, basket.state))


def make_app(global_config: dict[str, Any], **settings: Any) -> Any:
    """PasteDeploy factory (``use = call:testprovider:make_app``): XTS2 with this provider."""
    from xts2_core.app import make_app as xts2_app

    return xts2_app(settings, extra_plugins=[("testprovider", WidgetProvider())])
