"""The pytest plugin for plugin authors (``xts2_core.testing``): what its docs promise."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from xts2_core import NewItem, hookimpl


def test_an_app_has_exactly_the_plugins_named(xts2_app_factory):
    bare = xts2_app_factory(plugins=[])
    assert bare.call("xts/getstats")["stats"].get("plugin", []) == []
    with_donations = xts2_app_factory(plugins=["donations"])
    names = [p["name"] for p in with_donations.call("xts/getstats")["stats"]["plugin"]]
    assert names == ["donations"]


def test_the_terminal_key_and_the_admin_password_are_ready(xts2_app_factory):
    app = xts2_app_factory(plugins=[])
    assert app.call("xts/isadmin", {"password": app.admin_password}, key=False)["admin"] is True
    assert app.call("baskets/newbasket", key=app.terminal_key)["basket"]["terminal"] == 1
    assert app.call("baskets/newbasket", key=False, status=401)["error"]["code"] == "unauthorized"


def test_call_sends_bools_lists_and_leaves_out_none(xts2_app_factory, xts2_plugin):
    seen = []

    def validate_add_item(item_type, params):
        seen.append({k: params.getall(k) for k in params if k.startswith("item.")})
        return NewItem(quantity=1, unit_price=0, description="x")

    probe = xts2_plugin(validate_add_item, register_item_types=lambda: ["x"])
    app = xts2_app_factory(plugins=[], extra=[probe])
    basket = app.call("baskets/newbasket")["basket"]["id"]
    app.call("baskets/additem", {"basket": basket, "type": "x", "item.flag": True,
                                 "item.off": False, "item.many": [1, 2], "item.none": None})
    assert seen == [{"item.flag": ["true"], "item.off": ["false"], "item.many": ["1", "2"]}]


def test_the_clock_moves_request_now(xts2_app_factory, xts2_clock):
    app = xts2_app_factory(plugins=[])
    assert app.clock is xts2_clock
    # Frozen first: on the real clock, a busy machine may let a second pass between two calls.
    xts2_clock.set(datetime.now(UTC))
    basket = app.call("baskets/newbasket", {"expiry": 30})["basket"]["id"]
    xts2_clock.advance(seconds=29)
    app.call("baskets/getbasket", {"basket": basket})
    xts2_clock.advance(seconds=1)
    assert app.call("baskets/getbasket", {"basket": basket}, status=409)["error"]["code"] == \
        "basket_expired"


def test_a_throwaway_plugin_refuses_a_name_that_is_not_a_hook(xts2_plugin):
    def validate_add_itme(item_type):  # misspelled
        return None

    with pytest.raises(ValueError, match="validate_add_itme"):
        xts2_plugin(validate_add_itme)


def test_a_throwaway_plugin_keeps_hookimpl_options_and_wrappers(xts2_app_factory, xts2_plugin):
    order = []

    @hookimpl(wrapper=True)
    def validate_add_item(item_type):
        order.append("before")
        new = yield
        order.append(f"after {new.description}")
        return new

    @hookimpl(tryfirst=True)
    def register_item_types():
        return ["first"]

    def sell(item_type):
        order.append("sell")
        return NewItem(quantity=1, unit_price=100, description=item_type)

    plugin = xts2_plugin(validate_add_item, register_item_types)
    seller = xts2_plugin(validate_add_item=sell)
    app = xts2_app_factory(plugins=[], extra=[plugin, seller])
    basket = app.call("baskets/newbasket")["basket"]["id"]
    app.call("baskets/additem", {"basket": basket, "type": "first"})
    assert order == ["before", "sell", "after first"]
    assert [name for name, _ in plugin.calls] == ["register_item_types", "validate_add_item"]
    assert app.registry["xts2.item_types"] == {"first": "test-plugin-1"}


def test_put_delete_and_head_pass_through_to_webtest(xts2_app_factory):
    app = xts2_app_factory(plugins=[])
    for resp in (app.put("/v2/xts/getstats", status=405),
                 app.delete("/v2/baskets/newbasket", {"terminalkey": app.terminal_key},
                            status=405)):
        assert resp.headers["Allow"] == "GET, HEAD, POST"
        assert resp.content_type == "application/xml"  # nothing added: no format=json
    head = app.head("/v2", status=200)
    assert head.body == b"" and head.content_type == "application/xml"
    app.head("/v2/xts/getstats", status=401)  # nothing added: no key
    assert app.head("/v2/xts/getstats", headers={"X-XTS2-Key": app.terminal_key}).body == b""


@pytest.mark.live
def test_the_live_server_gets_the_environment_given(xts2_live_server, xts2_app_factory, tmp_path):
    """``env`` reaches pserve: there XTS2_DATABASE_URL points the server at another database."""
    import sqlalchemy as sa

    from xts2_core.migrate import upgrade
    from xts2_core.plugins import get_plugin_manager

    app = xts2_app_factory(plugins=["tickets"])
    app.load({"shows": [{"name": "Hamlet"}]})
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    engine = sa.create_engine(other)
    upgrade(engine, get_plugin_manager({}))
    engine.dispose()
    server = xts2_live_server(plugins=["tickets"], env={"XTS2_DATABASE_URL": other})
    status, body = server.get("tickets/getshows")
    assert (status, body["shows"]) == (200, [])
    assert [s["name"] for s in app.call("tickets/getshows")["shows"]] == ["Hamlet"]
