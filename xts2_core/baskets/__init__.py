"""Baskets: the sale's lifecycle (the ``baskets`` servlet), item types and basket filters.

``includeme`` collects what plugins register at start-up — item types (``register_item_types``)
and ``getbaskets`` filters (``register_basket_filters``) — and reads the setting
``xts2.basket_expiry``; a clash or a bad setting stops start-up with a message saying which.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from pydantic import Field, create_model
from pyramid.config import Configurator

from ..hookcalls import PluginError, collect_by_plugin, merge_named
from ..items import ItemType
from ..params import Params
from .commands import GetBaskets
from .element import describers
from .service import expiry_setting

log = logging.getLogger(__name__)


def _item_type(plugin: str, entry: Any) -> ItemType:
    """An :class:`ItemType` as registered; a bare name (the hook's first form) still works, with
    a deprecation warning: its ``item.*`` parameters are neither parsed nor described."""
    if isinstance(entry, ItemType):
        return entry
    if isinstance(entry, str):
        message = (f"plugin {plugin!r} registers the item type {entry!r} as a bare name, which is "
                   "deprecated: return xts2_core.ItemType(name, params, title, description) from "
                   "register_item_types, so that the core parses its item.* parameters and "
                   "GET /v2/openapi.json describes them (docs/plugins.md, register_item_types)")
        warnings.warn(message, DeprecationWarning, stacklevel=1)
        log.warning("%s", message)
        try:
            return ItemType(entry, declared=False)
        except ValueError as exc:
            raise PluginError(f"plugin {plugin!r}: {exc}") from None
    raise PluginError(f"plugin {plugin!r}: register_item_types returned {entry!r}; return "
                      "xts2_core.ItemType objects")


def collect_item_types(pm: Any) -> dict[str, tuple[str, ItemType]]:
    """``{name: (owner plugin, ItemType)}`` from every plugin; a name twice stops start-up."""
    types: dict[str, tuple[str, ItemType]] = {}
    for plugin, entries in collect_by_plugin(pm, "register_item_types"):
        for entry in entries:
            itype = _item_type(plugin, entry)
            if itype.name in types:
                raise PluginError(f"item type {itype.name!r} is registered by both "
                                  f"{types[itype.name][0]!r} and {plugin!r}")
            types[itype.name] = (plugin, itype)
    return types


def includeme(config: Configurator) -> None:
    pm = config.registry["xts2.pm"]
    types = collect_item_types(pm)
    # name → owner plugin (what getstats and the type checks read); name → ItemType.
    config.registry["xts2.item_types"] = {name: owner for name, (owner, _) in types.items()}
    config.registry["xts2.item_type_specs"] = {name: t for name, (_, t) in types.items()}
    # name → the owner's describe_item, called for each item rendered.
    config.registry["xts2.describers"] = describers(pm, config.registry["xts2.item_types"])

    filters = merge_named(pm, "register_basket_filters")
    for name in filters:
        if name in GetBaskets.model_fields:
            raise PluginError(f"basket filter {name!r} clashes with a getbaskets parameter")
    fields: dict[str, Any] = {name: (f.type | None, Field(None, description=f.description or None))
                              for name, f in filters.items()}
    config.registry["xts2.basket_filters"] = filters
    config.registry["xts2.basket_filter_params"] = create_model(
        "BasketFilterParams", __base__=Params, **fields)

    config.registry["xts2.basket_expiry"] = expiry_setting(config.get_settings())
