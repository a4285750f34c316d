"""Baskets: the sale's lifecycle (the ``baskets`` servlet), item types and basket filters.

``includeme`` collects what plugins register at start-up — item types (``register_item_types``)
and ``getbaskets`` filters (``register_basket_filters``) — and reads the setting
``xts2.basket_expiry``; a clash or a bad setting stops start-up with a message saying which.
"""

from __future__ import annotations

from typing import Any

from pydantic import create_model
from pyramid.config import Configurator

from ..params import Params
from ..plugins import PluginError, collect_by_plugin, merge_named
from .commands import GetBaskets
from .service import expiry_setting


def includeme(config: Configurator) -> None:
    pm = config.registry["xts2.pm"]
    types: dict[str, str] = {}
    for plugin, names in collect_by_plugin(pm, "register_item_types"):
        for name in names:
            if name in types:
                raise PluginError(f"item type {name!r} is registered by both {types[name]!r} "
                                  f"and {plugin!r}")
            types[name] = plugin
    config.registry["xts2.item_types"] = types

    filters = merge_named(pm, "register_basket_filters")
    for name in filters:
        if name in GetBaskets.model_fields:
            raise PluginError(f"basket filter {name!r} clashes with a getbaskets parameter")
    fields: dict[str, Any] = {name: (f.type | None, None) for name, f in filters.items()}
    config.registry["xts2.basket_filters"] = filters
    config.registry["xts2.basket_filter_params"] = create_model(
        "BasketFilterParams", __base__=Params, **fields)

    config.registry["xts2.basket_expiry"] = expiry_setting(config.get_settings())
