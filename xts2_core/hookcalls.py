"""Calling the plugins' hooks by plugin, and the error that stops start-up.

The bottom layer of the core's modules: it imports nothing of XTS2's, so every module that
collects what plugins register (servlets, reports, season sections, static files) can use it
without importing the plugin manager, and :mod:`xts2_core.hookspecs` can name their types without
a circle of imports.
"""

from __future__ import annotations

from typing import Any

import pluggy


class PluginError(RuntimeError):
    """A plugin cannot be loaded; start-up stops with this message."""


def call_by_plugin(manager: pluggy.PluginManager, hookname: str, **kwargs: Any
                   ) -> list[tuple[str, Any]]:
    """Call each implementation of a hook in pluggy's order and keep who answered what:
    ``[(plugin name, result)]`` (wrappers, which answer nothing of their own, are left out)."""
    hook = getattr(manager.hook, hookname)
    out = []
    for impl in reversed(hook.get_hookimpls()):
        if impl.hookwrapper or getattr(impl, "wrapper", False):
            continue
        out.append((impl.plugin_name, impl.function(**{a: kwargs.get(a) for a in impl.argnames})))
    return out


def collect_by_plugin(manager: pluggy.PluginManager, hookname: str, **kwargs: Any
                      ) -> list[tuple[str, list[Any]]]:
    """Call a ``register_*`` hook and keep who returned what: ``[(plugin name, items)]``."""
    return [(plugin, list(result or []))
            for plugin, result in call_by_plugin(manager, hookname, **kwargs)]


def merge_named(manager: pluggy.PluginManager, hookname: str, **kwargs: Any) -> dict[str, Any]:
    """Merge a ``register_*`` hook's lists into ``{name: item}``; a name twice stops start-up."""
    merged: dict[str, Any] = {}
    owners: dict[str, str] = {}
    for plugin, items in collect_by_plugin(manager, hookname, **kwargs):
        for item in items:
            name = item.name
            if name in merged:
                raise PluginError(f"{hookname}: {name!r} is registered by both "
                                  f"{owners[name]!r} and {plugin!r}")
            merged[name] = item
            owners[name] = plugin
    return merged
