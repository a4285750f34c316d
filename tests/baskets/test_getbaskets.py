"""``getbaskets``: every filter, ANDed, with limit/offset and total (API.md §8)."""

from __future__ import annotations

import pytest
from basket_calls import add_widget, error, new_basket


@pytest.fixture
def shop(app, xts2_clock):
    """Seven baskets, created a second apart (ids in creation order):

    1 "Mrs Smith", saved, widget          2 open, voucher only
    3 "ZOË Ångström", saved, widget+voucher, closed
    4 open, empty                         5 "50% off_sale", saved, widget named Mug
    6 open, widget named Mug, expired     7 open, expires later
    """
    ids = []

    def make(name=None, items=(), close=False, expiry=3600):
        b = new_basket(app, expiry=expiry)["id"]
        for kind, arg in items:
            if kind == "widget":
                add_widget(app, b, "5", name=arg)
            else:
                app.call("baskets/additem", {"basket": b, "type": "voucher", "item.amount": "5"})
        if name:
            app.call("baskets/savebasket", {"basket": b, "name": name})
        if close:
            app.call("baskets/closebasket", {"basket": b})
        ids.append(b)
        xts2_clock.advance(1)

    make("Mrs Smith", [("widget", "Pen")])
    make(None, [("voucher", None)])
    make("ZOË Ångström", [("widget", "Pen"), ("voucher", None)], close=True)
    make()
    make("50% off_sale", [("widget", "Mug")])
    make(None, [("widget", "Mug")], expiry=60)
    make(None, [], expiry=3600)
    xts2_clock.advance(100)                 # basket 6 has expired
    return ids


def listed(app, **params):
    body = app.call("baskets/getbaskets", params)
    return [b["id"] for b in body["baskets"]], body["total"]


def test_all_newest_first_expired_left_out(app, shop):
    ids, total = listed(app)
    assert ids == [shop[i] for i in (6, 4, 3, 2, 1, 0)] and total == 6


def test_baskets_without_items_and_with_values(app, shop):
    body = app.call("baskets/getbaskets")
    by_id = {b["id"]: b for b in body["baskets"]}
    assert all("item" not in b for b in by_id.values())
    assert by_id[shop[0]]["value"] == "5.00" and by_id[shop[1]]["value"] == "-5.00"
    assert by_id[shop[2]]["value"] == "0.00" and by_id[shop[2]]["state"] == "closed"
    assert by_id[shop[3]]["value"] == "0.00"
    assert by_id[shop[0]]["name"] == "Mrs Smith" and "name" not in by_id[shop[1]]


def test_xml(app, shop):
    root = app.xml("baskets/getbaskets", {"limit": 2})
    (baskets,) = root
    assert baskets.tag == "baskets" and baskets.get("total") == "6"
    assert [b.tag for b in baskets] == ["basket", "basket"]
    assert all(len(b) == 0 for b in baskets)


@pytest.mark.parametrize("name,expect", [
    ("smith", [0]), ("SMITH", [0]), ("mrs s", [0]), ("s", [4, 2, 0]),
    ("zoë", [2]), ("ångström", [2]), ("ZOË Å", [2]),       # beyond ASCII
    ("%", [4]), ("_", [4]), ("0% o", [4]), ("nobody", []),
])
def test_name(app, shop, name, expect):
    assert listed(app, name=name) == ([shop[i] for i in expect], len(expect))


def test_name_folds_sharp_s(app):
    b = new_basket(app)["id"]
    app.call("baskets/savebasket", {"basket": b, "name": "Großmann"})
    assert listed(app, name="GROSSMANN")[0] == [b]


def test_state(app, shop):
    assert listed(app, state="closed") == ([shop[2]], 1)
    assert listed(app, state="open")[0] == [shop[i] for i in (6, 4, 3, 1, 0)]
    assert error(app.call("baskets/getbaskets", {"state": "gone"}, status=400)) == (
        "bad_param", "state")


def test_persistent(app, shop):
    assert listed(app, persistent="true")[0] == [shop[i] for i in (4, 2, 0)]
    assert listed(app, persistent="no")[0] == [shop[i] for i in (6, 3, 1)]
    assert error(app.call("baskets/getbaskets", {"persistent": "maybe"}, status=400)) == (
        "bad_param", "persistent")


def test_contains_and_excludes(app, shop):
    assert listed(app, contains="voucher")[0] == [shop[2], shop[1]]
    assert listed(app, contains="widget")[0] == [shop[4], shop[2], shop[0]]
    assert listed(app, contains="widget,voucher")[0] == [shop[4], shop[2], shop[1], shop[0]]
    assert listed(app, excludes="widget")[0] == [shop[6], shop[3], shop[1]]
    assert listed(app, excludes="widget,voucher")[0] == [shop[6], shop[3]]
    assert listed(app, contains="widget", excludes="voucher")[0] == [shop[4], shop[0]]


def test_contains_unknown_type_names_installed(app, shop):
    body = app.call("baskets/getbaskets", {"contains": "widget,ticket"}, status=400)
    assert error(body) == ("bad_param", "contains") and "voucher, widget" in body["error"]["message"]
    assert error(app.call("baskets/getbaskets", {"excludes": "cafe"}, status=400)) == (
        "bad_param", "excludes")


def test_an_empty_type_list_is_refused(app, shop):
    # Found by fuzzing: "excludes=" read as no types and answered every basket; a client that
    # means no filter leaves the parameter out.
    for param in ("contains", "excludes"):
        body = app.call("baskets/getbaskets", {param: ""}, status=400)
        assert error(body) == ("bad_param", param)
        assert body["error"]["message"] == f"parameter '{param}' must list at least 1"
        assert error(app.call("baskets/getbaskets", {param: " , "}, status=400)) == (
            "bad_param", param)


def test_filters_are_anded(app, shop):
    assert listed(app, state="open", persistent="true", contains="widget", name="s") == (
        [shop[4], shop[0]], 2)
    assert listed(app, state="closed", name="smith") == ([], 0)


def test_plugin_filter(app, shop):
    """The provider's ``register_basket_filters`` filter ``widget`` (by widget name)."""
    assert listed(app, widget="Pen")[0] == [shop[2], shop[0]]
    assert listed(app, widget="Mug")[0] == [shop[4]]        # basket 6 holds one but expired
    assert listed(app, widget="Pen", state="open")[0] == [shop[0]]
    body = app.call("baskets/getbaskets", {"widget": "a\x01"}, status=400)
    assert error(body) == ("bad_param", "widget")


def test_limit_offset_total(app, shop):
    assert listed(app, limit=2) == ([shop[6], shop[4]], 6)
    assert listed(app, limit=2, offset=2) == ([shop[3], shop[2]], 6)
    assert listed(app, limit=2, offset=4) == ([shop[1], shop[0]], 6)
    assert listed(app, limit=2, offset=6) == ([], 6)
    assert listed(app, limit=1000, offset=0)[1] == 6
    assert listed(app, contains="widget", limit=1, offset=1) == ([shop[2]], 3)


@pytest.mark.parametrize("param,value", [
    ("limit", "0"), ("limit", "1001"), ("limit", "x"), ("offset", "-1"),
    ("offset", "9223372036854775808"), ("offset", "1.5")])
def test_limit_offset_bounds(app, param, value):
    assert error(app.call("baskets/getbaskets", {param: value}, status=400)) == (
        "bad_param", param)


def test_huge_offset_is_empty(app, shop):
    assert listed(app, offset=str(2**63 - 1)) == ([], 6)


def test_empty(app):
    body = app.call("baskets/getbaskets")
    assert body["baskets"] == [] and body["total"] == 0
