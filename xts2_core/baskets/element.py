"""The ``<basket>`` and ``<item>`` elements of API.md §8."""

from __future__ import annotations

from typing import Any

from ..models import Basket, BasketItem
from ..render import E
from ..values import Money


def item_element(request: Any, item: BasketItem, *, many: bool = True) -> E:
    """``<item …>`` with the provider's detail element (``describe_item``, no query).

    Inside a basket an item may repeat, so JSON has ``"item": [...]`` even for one; ``additem``
    answers its one new item with ``many=False`` (``"item": {...}``).
    """
    detail = request.registry["xts2.pm"].hook.describe_item(request=request, item=item)
    return E("item", {
        "id": item.id, "type": item.type, "quantity": item.quantity,
        "unitprice": Money(item.unit_price), "value": Money(item.value),
        "added": item.added, "description": item.description,
    }, [detail] if detail is not None else [], many=many)


def basket_element(request: Any, basket: Basket, value: int,
                   items: list[BasketItem] | None = None) -> E:
    """``<basket …>``; ``items=None`` renders it without its items (``getbaskets``).

    ``expires`` only on an open basket that expires, ``closed`` only on a closed one, ``name``
    only on a named one (``None`` attributes are left out).
    """
    attrs = {
        "id": basket.id, "name": basket.name, "state": basket.state,
        "persistent": basket.persistent, "created": basket.created,
        "expires": basket.expires if basket.state == "open" and not basket.persistent else None,
        "closed": basket.closed if basket.state == "closed" else None,
        "value": Money(value), "terminal": basket.terminal_id,
    }
    children = [item_element(request, i) for i in items] if items is not None else []
    return E("basket", attrs, children)
