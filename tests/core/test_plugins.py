"""The plugin manager (DESIGN.md "Hooks"): which plugins load, and what stops start-up."""

from __future__ import annotations

import importlib.metadata

import pytest

from xts2_core import Command, NoParams, ReportType, Servlet, hookimpl
from xts2_core.plugins import PluginError

INSTALLED = sorted(ep.name for ep in importlib.metadata.entry_points(group="xts2"))


def servlets(app) -> list[str]:
    return [s["name"] for s in app.get("/v2", {"format": "json"}).json["servlets"]]


def test_core_only(xts2_app_factory, read_error):
    app = xts2_app_factory(plugins=[])
    assert servlets(app) == ["baskets", "xts"]
    for path in ("/v2/tickets/getshows", "/v2/cafe/getstock", "/v2/money/getpaymenttypes"):
        err = read_error(app.get(path, status=404))
        assert err["code"] == "unknown_servlet"
    # the core still works on its own
    basket = app.call("baskets/newbasket")["basket"]
    assert app.call("baskets/getbasket", {"basket": basket["id"]})["basket"]["state"] == "open"
    assert app.call("xts/getstats")["stats"]["plugin"] == []


def test_all_installed_by_default(xts2_app_factory):
    app = xts2_app_factory()
    names = servlets(app)
    assert {"baskets", "xts"} <= set(names)
    stats = app.call("xts/getstats")["stats"]
    assert sorted(p["name"] for p in stats["plugin"]) == INSTALLED


@pytest.mark.skipif("cafe" not in INSTALLED, reason="needs the cafe provider installed")
def test_plugins_setting_and_disable(xts2_app_factory, read_error):
    app = xts2_app_factory(plugins=["cafe"])
    assert servlets(app) == ["baskets", "cafe", "xts"]
    assert read_error(app.get("/v2/tickets/getshows", status=404))["code"] == "unknown_servlet"
    app = xts2_app_factory(**{"xts2.plugins.disable": "cafe"})
    stats = app.call("xts/getstats")["stats"]
    assert sorted(p["name"] for p in stats["plugin"]) == [n for n in INSTALLED if n != "cafe"]
    assert "cafe" not in servlets(app)
    assert read_error(app.get("/v2/cafe/getstock", status=404))["code"] == "unknown_servlet"
    # both settings: the list, less the disabled
    app = xts2_app_factory(**{"xts2.plugins": "cafe, money", "xts2.plugins.disable": "money"})
    assert [p["name"] for p in app.call("xts/getstats")["stats"]["plugin"]] == ["cafe"]


def test_plugins_setting_naming_a_missing_plugin(xts2_app_factory):
    with pytest.raises(PluginError, match=r"xts2\.plugins names nosuchplugin, which is not "
                                          r"installed \(installed: "):
        xts2_app_factory(plugins=["nosuchplugin"])


def test_each_app_has_its_own_plugins(xts2_app_factory, probe_plugin):
    with_probe = xts2_app_factory(plugins=[], extra=[("probe", probe_plugin)])
    without = xts2_app_factory(plugins=[])
    assert "probe" in servlets(with_probe)
    assert "probe" not in servlets(without)
    with_probe.call("probe/echo")


class Typo:
    @hookimpl
    def register_servletz(self):
        return []


def test_misspelled_hook_stops_start_up(xts2_app_factory):
    with pytest.raises(PluginError) as info:
        xts2_app_factory(plugins=[], extra=[("typo", Typo())])
    message = str(info.value)
    assert "'typo'" in message and "register_servletz" in message
    assert "misspelled" in message and "did you mean 'register_servlets'?" in message


def test_hook_with_wrong_arguments_stops_start_up(xts2_app_factory, xts2_plugin):
    def validate_add_item(request, basket, item_type, params, colour):
        return None

    with pytest.raises(PluginError) as info:
        xts2_app_factory(plugins=[], extra=[("odd", xts2_plugin(validate_add_item))])
    assert "'odd'" in str(info.value) and "validate_add_item" in str(info.value)
    assert "colour" in str(info.value)


class Commands:
    def __init__(self, servlet: str, *names: str) -> None:
        self.servlet, self.names = servlet, names

    @hookimpl
    def register_servlets(self):
        return [Servlet(self.servlet, [Command(n, lambda r, p: None, "public", NoParams)
                                       for n in self.names])]


class ItemTypes:
    def __init__(self, *names: str) -> None:
        self.names = names

    @hookimpl
    def register_item_types(self):
        return list(self.names)


class Reports:
    def __init__(self, *names: str) -> None:
        self.names = names

    @hookimpl
    def register_reports(self):
        return [ReportType(n, lambda r, p: None) for n in self.names]


@pytest.mark.parametrize(("first", "second", "what"), [
    (Commands("shop", "list"), Commands("shop", "other", "list"), "command shop/list"),
    (Commands("baskets", "mine"), Commands("baskets", "mine"), "command baskets/mine"),
    (ItemTypes("gift"), ItemTypes("voucher", "gift"), "item type 'gift'"),
    (Reports("sales"), Reports("sales"), "'sales'"),
])
def test_duplicate_names_stop_start_up(xts2_app_factory, first, second, what):
    with pytest.raises(PluginError) as info:
        xts2_app_factory(plugins=[], extra=[("alpha", first), ("beta", second)])
    message = str(info.value)
    assert what in message
    assert "'alpha'" in message and "'beta'" in message


def test_duplicate_of_a_core_command(xts2_app_factory):
    with pytest.raises(PluginError) as info:
        xts2_app_factory(plugins=[], extra=[("thief", Commands("baskets", "newbasket"))])
    assert "baskets/newbasket" in str(info.value) and "'thief'" in str(info.value)


@pytest.mark.skipif("money" not in INSTALLED, reason="needs the money provider installed")
def test_duplicate_of_a_shipped_plugins_item_type(xts2_app_factory):
    with pytest.raises(PluginError) as info:
        xts2_app_factory(plugins=["money"], extra=[("copycat", ItemTypes("payment"))])
    assert "'money'" in str(info.value) and "'copycat'" in str(info.value)


def test_a_plugin_may_add_commands_to_another_servlet(xts2_app_factory):
    app = xts2_app_factory(plugins=[], extra=[("extra", Commands("baskets", "mine")),
                                              ("more", Commands("shop", "list"))])
    names = {s["name"]: [c["name"] for c in s["command"]]
             for s in app.get("/v2", {"format": "json"}).json["servlets"]}
    assert "mine" in names["baskets"] and "newbasket" in names["baskets"]
    assert names["shop"] == ["list"]
    assert app.call("baskets/mine", key=False)["status"] == "ok"


@pytest.mark.parametrize("name", ["GetShows", "get-shows", "", "x/y"])
def test_command_names_are_lower_case(name):
    with pytest.raises(ValueError, match="lower case"):
        Command(name, lambda r, p: None)
    with pytest.raises(ValueError, match="lower case"):
        Servlet(name)


def test_disabling_a_plugin_that_is_not_installed_is_logged(xts2_app_factory, caplog):
    app = xts2_app_factory(plugins=[], **{"xts2.plugins.disable": "caffe"})
    assert servlets(app) == ["baskets", "xts"]
    assert "xts2.plugins.disable names caffe, which is not installed" in caplog.text


def test_the_core_modules_stand_in_layers():
    """hookspecs names the types of reports, season, servlets and static, which collect what
    plugins register: those helpers live in hookcalls, which imports nothing of XTS2's, so no
    module of the core imports the plugin manager (and through it hookspecs) to collect."""
    import ast
    from pathlib import Path

    import xts2_core

    core = Path(xts2_core.__file__).parent
    tree = ast.parse((core / "hookcalls.py").read_text())
    ours = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
            and (n.level > 0 or (n.module or "").startswith("xts2"))]
    assert ours == []
    for name in ("reports.py", "season.py", "servlets.py", "static.py"):
        text = (core / name).read_text()
        assert "from .plugins import" not in text, name
