"""The ``<basket>`` and ``<item>`` elements of API.md §8."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..models import Basket, BasketItem
from ..render import E
from ..values import Money

#: ``describe(request, item) -> E | None``
Describe = Callable[[Any, BasketItem], "E | None"]


def _call(function: Callable[..., Any], argnames: tuple[str, ...]) -> Describe:
    """A plugin's ``describe_item`` as ``f(request, item)``, whichever of the two it takes."""
    if argnames == ("request", "item"):
        return function
    if argnames == ("item",):
        return lambda request, item: function(item)
    return lambda request, item: function(
        **{name: {"request": request, "item": item}.get(name) for name in argnames})


def describers(pm: Any, owners: dict[str, str]) -> dict[str, Describe | None]:
    """``{item type: its owner's describe_item}`` (``None``: the owner describes nothing), made
    at start-up from ``owners`` (item type → plugin).

    ``describe_item`` is answered by the owner of the item's type (docs/plugins.md), so the core
    calls the owner's implementation alone rather than the hook of every plugin: a basket of 20
    items made 20 hook calls through every plugin that implements it. While any plugin wraps the
    hook (a pluggy wrapper) the hook is called as a whole, so the wrapper still sees every call.
    """
    caller = pm.hook.describe_item
    impls = caller.get_hookimpls()
    if any(impl.hookwrapper or getattr(impl, "wrapper", False) for impl in impls):
        hook = lambda request, item: caller(request=request, item=item)  # noqa: E731
        return dict.fromkeys(owners, hook)
    by_plugin = {impl.plugin_name: impl for impl in impls}
    out: dict[str, Describe | None] = {}
    for item_type, plugin in owners.items():
        impl = by_plugin.get(plugin)
        out[item_type] = _call(impl.function, tuple(impl.argnames)) if impl else None
    return out


def item_element(request: Any, item: BasketItem, *, many: bool = True) -> E:
    """``<item …>`` with its owner's detail element (``describe_item``, no query); an item of a
    type no installed plugin owns has none.

    Inside a basket an item may repeat, so JSON has ``"item": [...]`` even for one; ``additem``
    answers its one new item with ``many=False`` (``"item": {...}``).
    """
    describe = request.registry["xts2.describers"].get(item.type)
    detail = describe(request, item) if describe is not None else None
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
