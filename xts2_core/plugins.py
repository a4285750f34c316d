"""The plugin manager: one per application, built by :func:`get_plugin_manager`.

It registers the core's own servlets (written with the same hooks as any plugin), then the entry
points of the group ``xts2`` that the settings allow, then any plugin objects a test passes in, and
finally checks that every hook implementation names a real hook.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import logging
from dataclasses import dataclass
from typing import Any

import pluggy

from . import hookspecs
from .hookcalls import (  # noqa: F401  (re-exported: where plugins' helpers lived before)
    PluginError,
    call_by_plugin,
    collect_by_plugin,
    merge_named,
)

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "xts2"
CORE_PLUGINS = ("xts2_core.baskets.plugin", "xts2_core.xts.plugin", "xts2_core.season",
                "xts2_core.payments")


@dataclass(frozen=True)
class PluginInfo:
    name: str
    distribution: str
    version: str


def _words(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [w for w in value.replace(",", " ").split() if w]
    return list(value)


def get_plugin_manager(settings: dict[str, Any] | None = None,
                       extra_plugins: list[tuple[str, Any]] | None = None
                       ) -> pluggy.PluginManager:
    """Build a plugin manager for one app.

    :param settings: ``xts2.plugins`` (names of entry points to load; unset: all installed,
        empty: none) and ``xts2.plugins.disable`` (names to skip).
    :param extra_plugins: ``(name, module_or_object)`` pairs registered as well (tests).
    """
    settings = settings or {}
    pm = pluggy.PluginManager("xts2")
    pm.add_hookspecs(hookspecs)
    infos: dict[str, PluginInfo] = {}
    core_version = _version("xts2")
    for modname in CORE_PLUGINS:
        module = importlib.import_module(modname)
        pm.register(module, name=modname)

    wanted = _words(settings.get("xts2.plugins"))
    disabled = set(_words(settings.get("xts2.plugins.disable")) or [])
    installed = {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    if wanted is not None:
        missing = [n for n in wanted if n not in installed]
        if missing:
            raise PluginError(
                f"xts2.plugins names {', '.join(missing)}, which is not installed "
                f"(installed: {', '.join(sorted(installed)) or 'none'})")
    for name in sorted(disabled - set(installed)):
        log.warning("xts2.plugins.disable names %s, which is not installed (installed: %s)",
                    name, ", ".join(sorted(installed)) or "none")
    for name, ep in sorted(installed.items()):
        if (wanted is not None and name not in wanted) or name in disabled:
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            raise PluginError(f"plugin {name!r} ({ep.value}) failed to import: {exc}") from exc
        _register(pm, plugin, name)
        dist = ep.dist
        infos[name] = PluginInfo(name, dist.name if dist else name,
                                 dist.version if dist else "unknown")
    for name, plugin in extra_plugins or []:
        _register(pm, plugin, name)
        infos[name] = PluginInfo(name, getattr(plugin, "__name__", name), "test")
    _check_pending(pm)
    pm.xts2_infos = infos  # type: ignore[attr-defined]
    pm.xts2_core_version = core_version  # type: ignore[attr-defined]
    return pm


def _check_pending(pm: pluggy.PluginManager) -> None:
    """Every hook implementation must name a hook: a misspelled one stops start-up.

    (pluggy's ``check_pending`` does the same, with a message naming the plugin object rather
    than the plugin.)
    """
    hooks = sorted(n for n in vars(pm.hook) if not n.startswith("_")
                   and getattr(pm.hook, n).has_spec())
    for name in sorted(vars(pm.hook)):
        hook = getattr(pm.hook, name)
        if name.startswith("_") or hook.has_spec():
            continue
        for impl in hook.get_hookimpls():
            if not impl.optionalhook:
                close = difflib.get_close_matches(name, hooks, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise PluginError(
                    f"plugin {impl.plugin_name!r} implements {name!r}, which is not an XTS2 hook "
                    f"(misspelled?){hint} The hooks are: {', '.join(hooks)}")
    pm.check_pending()


def _register(pm: pluggy.PluginManager, plugin: Any, name: str) -> None:
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {name!r} has a hook implementation that does not fit its "
                          f"hook: {exc}") from exc
    except ValueError as exc:
        raise PluginError(f"plugin {name!r} is registered twice: {exc}") from exc


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def plugin_infos(pm: pluggy.PluginManager) -> dict[str, PluginInfo]:
    return pm.xts2_infos  # type: ignore[attr-defined]
