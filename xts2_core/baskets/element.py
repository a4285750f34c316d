"""The ``<basket>`` and ``<item>`` elements of API.md §8."""

from __future__ import annotations

from typing import Any

from ..models import Basket, BasketItem
from ..render import E
from ..values import Money


def item_element(request: Any, item: BasketItem) -> E:
    detail = request.registry["xts2.pm"].hook.describe_item(request=request, item=item)
    return E("item", {
        "id": item.id, "type": item.type, "quantity": item.quantity,
        "unitprice": Money(item.unit_price), "value": Money(item.value),
        "added": item.added, "description": item.description,
    }, [detail] if detail is not None else [], many=True)


def basket_element(request: Any, basket: Basket, value: int,
                   items: list[BasketItem] | None = None) -> E:
    """``items=None`` renders the basket without its items (``getbaskets``)."""
    attrs = {
        "id": basket.id, "name": basket.name, "state": basket.state,
        "persistent": basket.persistent, "created": basket.created,
        "expires": basket.expires if basket.state == "open" and not basket.persistent else None,
        "closed": basket.closed if basket.state == "closed" else None,
        "value": Money(value), "terminal": basket.terminal_id,
    }
    children = [item_element(request, i) for i in items] if items is not None else []
    return E("basket", attrs, children)
