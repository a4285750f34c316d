"""The basket hooks as a provider sees them: which are called, when, with what, in order; and
what the core does with a provider's answers (refusals, bad items, start-up clashes)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from basket_calls import add_widget, error, new_basket, rows

from xts2_core import E, NewItem, hookimpl
from xts2_core.models import BasketMetadata
from xts2_core.plugins import PluginError


def test_a_sale_in_hook_order(app, provider):
    a = new_basket(app)["id"]
    b = new_basket(app)["id"]
    assert provider.events == []                      # newbasket asks no provider
    w = add_widget(app, a, "5")["item"]["id"]
    v = app.call("baskets/additem", {"basket": a, "type": "voucher", "item.amount": "5"}
                 )["item"]["id"]
    x = add_widget(app, a, "1")["item"]["id"]
    app.call("baskets/moveitem", {"item": x, "to": b})
    app.call("baskets/removeitem", {"basket": b, "item": x})
    app.call("baskets/closebasket", {"basket": a})
    app.call("baskets/openbasket", {"basket": a}, admin=True)
    app.call("baskets/getbasket", {"basket": a})       # describe_item only: not recorded
    assert provider.events == [
        ("validate_add_item", a, "widget"), ("item_added", a, w),
        ("validate_add_item", a, "voucher"), ("item_added", a, v),
        ("validate_add_item", a, "widget"), ("item_added", a, x),
        ("validate_move_item", x, a, b),
        ("validate_remove_item", b, x),
        ("validate_close_basket", a), ("basket_closed", a, "closed"),
        ("validate_open_basket", a), ("basket_reopened", a, "open"),
    ]


def test_notification_changes_are_kept(app):
    """item_added runs in the request's transaction: what it changes is committed with it."""
    b = new_basket(app, expiry=30)["id"]
    add_widget(app, b, "1", forever=1)
    assert rows(app, "SELECT expires FROM core_basket WHERE id = :b", b=b) == [(None,)]


def test_core_statements_of_a_hook_are_committed(xts2_app_factory, provider, xts2_plugin):
    """A hook may write with a Core statement (no ORM flush): a command that changes state
    commits its transaction all the same (zope.sqlalchemy alone would roll it back as unchanged)."""
    def item_added(request, basket, item):
        request.dbsession.execute(sa.insert(BasketMetadata.__table__).values(
            basket_id=basket.id, key="noted", value=f"item {item.id}"))

    app = xts2_app_factory(plugins=[], extra=[("testprovider", provider), xts2_plugin(item_added)])
    b = new_basket(app)["id"]
    w = add_widget(app, b, "1")["item"]["id"]
    assert rows(app, "SELECT key, value FROM core_basket_metadata WHERE basket_id = :b", b=b) == [
        ("noted", f"item {w}")]
    assert rows(app, "SELECT count(*) FROM core_basket_item WHERE basket_id = :b", b=b) == [(1,)]


def test_refused_additions_change_nothing(app, provider):
    b = new_basket(app)["id"]
    app.call("baskets/additem", {"basket": b, "type": "widget", "item.price": "1",
                                 "item.reject": "No more widgets today"}, status=409)
    assert "item_added" not in provider.names()
    assert rows(app, "SELECT count(*) FROM core_basket_item") == [(0,)]


def test_describe_item_of_other_types(xts2_app_factory, provider, xts2_plugin):
    """An item type whose owner describes nothing renders ``<item>`` without a detail."""
    def register_item_types():
        return ["plain"]

    def validate_add_item(item_type):
        return NewItem(1, 250, "Plain thing") if item_type == "plain" else None

    plain = xts2_plugin(register_item_types, validate_add_item)
    app = xts2_app_factory(plugins=[], extra=[("testprovider", provider), ("plain", plain)])
    b = new_basket(app)["id"]
    add_widget(app, b, "1", name="Mug")
    app.call("baskets/additem", {"basket": b, "type": "plain"})
    items = app.call("baskets/getbasket", {"basket": b})["basket"]["item"]
    assert items[0]["widget"]["name"] == "Mug"
    assert "widget" not in items[1] and items[1]["value"] == "2.50"
    root = app.xml("baskets/getbasket", {"basket": b})
    assert [len(i) for i in root[0]] == [1, 0]


def test_describe_item_is_asked_of_the_owner_only(xts2_app_factory, provider, xts2_plugin):
    """The core calls the owner's describe_item alone: another plugin's implementation, even one
    that would answer for a type it does not own, is never called for the owner's items."""
    def describe_item(item):
        return E("intruder", {"id": item.id})

    intruder = xts2_plugin(describe_item)
    app = xts2_app_factory(plugins=[], extra=[("testprovider", provider), ("intruder", intruder)])
    b = new_basket(app)["id"]
    add_widget(app, b, "1", name="Mug")
    item = app.call("baskets/getbasket", {"basket": b})["basket"]["item"][0]
    assert item["widget"]["name"] == "Mug" and "intruder" not in item
    assert intruder.calls == []


def test_a_describe_item_wrapper_sees_every_item(xts2_app_factory, provider, xts2_plugin):
    """A pluggy wrapper of describe_item makes the core call the whole hook, so it sees each
    item and may change the answer."""
    @hookimpl(wrapper=True)
    def describe_item(item):
        detail = yield
        return E("wrapped", {"id": item.id}, [detail] if detail is not None else [])

    wrapper = xts2_plugin(describe_item)
    app = xts2_app_factory(plugins=[], extra=[("testprovider", provider), ("wrapper", wrapper)])
    b = new_basket(app)["id"]
    w = add_widget(app, b, "1", name="Mug")["item"]["id"]
    item = app.call("baskets/getbasket", {"basket": b})["basket"]["item"][0]
    assert item["wrapped"]["id"] == w and item["wrapped"]["widget"]["name"] == "Mug"
    assert len(wrapper.calls) == 3        # additem's item and its basket, then getbasket's


@pytest.mark.parametrize("bad", [
    NewItem(1, 1.5, "float price"),                          # never a float
    NewItem(1.0, 100, "float quantity"),
    NewItem(0, 100, "no quantity"),
    NewItem(True, 100, "bool quantity"),
    "not an item",
    None,                                                    # the owner did not answer
])
def test_a_provider_bug_is_internal_and_adds_nothing(xts2_app_factory, xts2_plugin, bad):
    def register_item_types():
        return ["buggy"]

    def validate_add_item(item_type):
        return bad

    app = xts2_app_factory(plugins=[], extra=[("buggy", xts2_plugin(register_item_types,
                                                                    validate_add_item))])
    b = new_basket(app)["id"]
    body = app.call("baskets/additem", {"basket": b, "type": "buggy"}, status=500)
    assert error(body) == ("internal", None) and "Traceback" not in body["error"]["message"]
    assert rows(app, "SELECT count(*) FROM core_basket_item") == [(0,)]


def test_item_type_registered_twice_stops_startup(xts2_app_factory, provider, xts2_plugin):
    def register_item_types():
        return ["widget"]

    with pytest.raises(PluginError, match="'widget' is registered by both"):
        xts2_app_factory(plugins=[], extra=[("testprovider", provider),
                                            ("copycat", xts2_plugin(register_item_types))])


def test_basket_filter_clashing_with_a_parameter_stops_startup(xts2_app_factory, xts2_plugin):
    from xts2_core import BasketFilter, Text

    def register_basket_filters():
        return [BasketFilter("name", Text, lambda request, q, v: q)]

    with pytest.raises(PluginError, match="clashes with a getbaskets parameter"):
        xts2_app_factory(plugins=[], extra=[("clash", xts2_plugin(register_basket_filters))])
