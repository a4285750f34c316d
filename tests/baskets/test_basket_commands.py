"""The twelve ``baskets`` commands through the real app, in JSON and XML (API.md §8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from basket_calls import add_widget, error, new_basket

from xts2_core.values import parse_datetime

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def when(app, text):
    return parse_datetime(text, app.registry["xts2.tz"])


# -- newbasket -------------------------------------------------------------------------------

def test_newbasket_json_shape(app, xts2_clock):
    b = new_basket(app)
    assert set(b) == {"id", "state", "persistent", "created", "expires", "value", "terminal"}
    assert b["state"] == "open" and b["persistent"] is False and b["value"] == "0.00"
    assert isinstance(b["id"], int) and isinstance(b["terminal"], int)
    created, expires = when(app, b["created"]), when(app, b["expires"])
    assert expires - created == timedelta(seconds=900)     # the default


def test_newbasket_xml_shape(app):
    root = app.xml("baskets/newbasket")
    assert root.tag == "xts2" and root.get("status") == "ok"
    assert (root.get("servlet"), root.get("command")) == ("baskets", "newbasket")
    (basket,) = root
    assert basket.tag == "basket" and len(basket) == 0
    assert basket.get("state") == "open" and basket.get("persistent") == "false"
    assert basket.get("value") == "0.00" and basket.get("name") is None
    assert basket.get("closed") is None and basket.get("expires") is not None


@pytest.mark.parametrize("expiry", [30, 604800, 3600])
def test_newbasket_expiry_in_bounds(app, expiry):
    b = new_basket(app, expiry=expiry)
    assert when(app, b["expires"]) - when(app, b["created"]) == timedelta(seconds=expiry)


@pytest.mark.parametrize("expiry", ["29", "604801", "0", "-5", "abc", "1.5", ""])
def test_newbasket_expiry_out_of_bounds(app, expiry):
    body = app.call("baskets/newbasket", {"expiry": expiry}, status=400)
    assert error(body) == ("bad_param", "expiry")


def test_newbasket_expiry_from_terminal_then_setting(xts2_app_factory, provider):
    app = xts2_app_factory(plugins=[], extra=[("testprovider", provider)],
                           terminal={"expiry": 120}, **{"xts2.basket_expiry": "600"})
    b = new_basket(app)
    assert when(app, b["expires"]) - when(app, b["created"]) == timedelta(seconds=120)
    app.add_terminal("Web shop", "web-shop-key-000000001")          # no expiry of its own
    b = app.call("baskets/newbasket", key="web-shop-key-000000001")["basket"]
    assert when(app, b["expires"]) - when(app, b["created"]) == timedelta(seconds=600)
    assert b["terminal"] != new_basket(app)["terminal"]


@pytest.mark.parametrize("value", ["10", "604801", "soon"])
def test_bad_expiry_setting_stops_startup(xts2_app_factory, value):
    with pytest.raises(ValueError, match="xts2.basket_expiry"):
        xts2_app_factory(plugins=[], **{"xts2.basket_expiry": value})


def test_baskets_need_a_terminal_key(app):
    for cmd in ("getbaskets", "getbasket", "newbasket", "touchbasket", "savebasket", "additem",
                "moveitem", "removeitem", "closebasket", "setmetadata", "getmetadata"):
        body = app.call(f"baskets/{cmd}", {"basket": 1}, key=False, status=401)
        assert error(body)[0] == "unauthorized", cmd
    body = app.call("baskets/newbasket", key="wrong-key-00000000000", status=401)
    assert error(body)[0] == "unauthorized"


# -- getbasket -------------------------------------------------------------------------------

def test_getbasket_with_items_json(app, provider):
    b = new_basket(app)
    add_widget(app, b["id"], "12", quantity=2, name="Hamlet mug")
    add_widget(app, b["id"], "-3.5", name="Discount")
    got = app.call("baskets/getbasket", {"basket": b["id"]})["basket"]
    assert got["value"] == "20.50"
    assert [i["description"] for i in got["item"]] == ["Hamlet mug", "Discount"]
    first = got["item"][0]
    assert {k: first[k] for k in ("type", "quantity", "unitprice", "value")} == {
        "type": "widget", "quantity": 2, "unitprice": "12.00", "value": "24.00"}
    assert first["widget"] == {"name": "Hamlet mug", "refuseclose": False}
    assert got["item"][1]["value"] == "-3.50"


def test_getbasket_xml_items_and_detail(app):
    b = new_basket(app)
    add_widget(app, b["id"], "12", quantity=2, name="Hamlet mug")
    root = app.xml("baskets/getbasket", {"basket": b["id"]})
    (basket,) = root
    (item,) = basket
    assert item.tag == "item" and item.get("unitprice") == "12.00" and item.get("value") == "24.00"
    assert item.get("added") and item.get("id") and item.get("description") == "Hamlet mug"
    (detail,) = item
    assert detail.tag == "widget" and detail.get("name") == "Hamlet mug"
    assert basket.get("value") == "24.00"


def test_a_basket_of_one_item_lists_it_in_json(app):
    b = new_basket(app)
    add_widget(app, b["id"])
    assert isinstance(app.call("baskets/getbasket", {"basket": b["id"]})["basket"]["item"], list)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_getbasket_not_found_names_basket(app, fmt):
    resp = app.call("baskets/getbasket", {"basket": 999}, status=404, fmt=fmt)
    if fmt == "json":
        assert error(resp) == ("not_found", "basket")
    else:
        from lxml import etree

        err = etree.fromstring(resp.body).find("error")
        assert (err.get("code"), err.get("param")) == ("not_found", "basket")
        assert "999" in err.text


@pytest.mark.parametrize("value", ["0", "-1", "x", "9223372036854775808", ""])
def test_getbasket_bad_id(app, value):
    assert error(app.call("baskets/getbasket", {"basket": value}, status=400)) == (
        "bad_param", "basket")


def test_getbasket_missing_id(app):
    assert error(app.call("baskets/getbasket", status=400)) == ("bad_param", "basket")


# -- touchbasket -----------------------------------------------------------------------------

def test_touchbasket_sets_expires_from_now(app, xts2_clock):
    # Frozen: on the real clock a second may tick between two requests, and the exact sums
    # below then fail by one second (they did, now and then, on a busy machine).
    xts2_clock.set(datetime.now(UTC).replace(microsecond=0))
    b = new_basket(app, expiry=60)
    xts2_clock.advance(50)
    t = app.call("baskets/touchbasket", {"basket": b["id"], "expiry": 300})["basket"]
    assert when(app, t["expires"]) == when(app, b["created"]) + timedelta(seconds=350)
    xts2_clock.advance(100)                          # past the first expiry, inside the second
    t = app.call("baskets/touchbasket", {"basket": b["id"]})["basket"]   # the default: 900
    assert when(app, t["expires"]) == when(app, b["created"]) + timedelta(seconds=150 + 900)
    assert error(app.call("baskets/touchbasket", {"basket": b["id"], "expiry": 20},
                          status=400)) == ("bad_param", "expiry")


def test_touchbasket_persistent_is_unchanged(app):
    b = new_basket(app)
    app.call("baskets/savebasket", {"basket": b["id"], "name": "Smith"})
    t = app.call("baskets/touchbasket", {"basket": b["id"], "expiry": 60})["basket"]
    assert t["persistent"] is True and "expires" not in t


def test_touchbasket_closed(app):
    b = _closed(app)
    body = app.call("baskets/touchbasket", {"basket": b}, status=409)
    assert error(body)[0] == "basket_closed"


# -- savebasket ------------------------------------------------------------------------------

def test_savebasket_trims_and_makes_persistent(app, xts2_clock):
    b = new_basket(app, expiry=60)
    s = app.call("baskets/savebasket", {"basket": b["id"], "name": "  Mrs Smith \t"})["basket"]
    assert s["name"] == "Mrs Smith" and s["persistent"] is True and "expires" not in s
    xts2_clock.advance(days=30)
    assert app.call("baskets/getbasket", {"basket": b["id"]})["basket"]["name"] == "Mrs Smith"


@pytest.mark.parametrize("name,ok", [("x", True), ("x" * 100, True), (" " + "x" * 100 + " ", True),
                                     ("x" * 101, False), ("", False), ("   ", False),
                                     ("a\x00b", False)])
def test_savebasket_name_length(app, name, ok):
    b = new_basket(app)
    if ok:
        assert app.call("baskets/savebasket", {"basket": b["id"], "name": name}
                        )["basket"]["name"] == name.strip()
    else:
        body = app.call("baskets/savebasket", {"basket": b["id"], "name": name}, status=400)
        assert error(body) == ("bad_param", "name")


def test_savebasket_missing_name(app):
    b = new_basket(app)
    assert error(app.call("baskets/savebasket", {"basket": b["id"]}, status=400)) == (
        "bad_param", "name")


def test_savebasket_closed(app):
    b = _closed(app)
    body = app.call("baskets/savebasket", {"basket": b, "name": "Late"}, status=409)
    assert error(body)[0] == "basket_closed"


# -- additem ---------------------------------------------------------------------------------

def test_additem_answers_item_then_basket(app):
    b = new_basket(app)
    body = add_widget(app, b["id"], "2.20", quantity=3, name="Coffee")
    assert list(body)[-2:] == ["item", "basket"]
    item = body["item"]                       # one new item: an object, not a list
    assert item["value"] == "6.60" and item["quantity"] == 3 and item["type"] == "widget"
    assert body["basket"]["value"] == "6.60"
    assert [i["id"] for i in body["basket"]["item"]] == [item["id"]]


def test_additem_xml_order(app):
    b = new_basket(app)
    root = app.xml("baskets/additem", {"basket": b["id"], "type": "widget", "item.price": "1"})
    assert [e.tag for e in root] == ["item", "basket"]
    assert root[0].get("id") == root[1][0].get("id")


def test_additem_unknown_type_names_installed_types(app):
    b = new_basket(app)
    body = app.call("baskets/additem", {"basket": b["id"], "type": "ticket"}, status=400)
    assert error(body) == ("bad_param", "type")
    assert "voucher" in body["error"]["message"] and "widget" in body["error"]["message"]


def test_additem_no_types_installed(xts2_app_factory):
    app = xts2_app_factory(plugins=[])
    b = new_basket(app)
    body = app.call("baskets/additem", {"basket": b["id"], "type": "ticket"}, status=400)
    assert error(body) == ("bad_param", "type") and "none" in body["error"]["message"]


@pytest.mark.parametrize("params,param", [
    ({}, "item.price"),
    ({"item.price": "1.234"}, "item.price"),
    ({"item.price": "1e3"}, "item.price"),
    ({"item.price": "NaN"}, "item.price"),
    ({"item.price": "1", "item.quantity": "0"}, "item.quantity"),
    ({"item.price": "1", "item.quantity": "51"}, "item.quantity"),
    ({"item.price": "1", "item.quantity": "two"}, "item.quantity"),
    ({"item.price": "1", "item.name": " "}, "item.name"),
])
def test_additem_item_params_are_named(app, params, param):
    b = new_basket(app)
    body = app.call("baskets/additem", {"basket": b["id"], "type": "widget", **params},
                    status=400)
    assert error(body) == ("bad_param", param)
    assert app.call("baskets/getbasket", {"basket": b["id"]})["basket"].get("item") is None


def test_additem_repeated_item_param(app):
    b = new_basket(app)
    resp = app.app.get("/v2/baskets/additem", [
        ("basket", b["id"]), ("type", "widget"), ("item.price", "1"), ("item.price", "2"),
        ("terminalkey", app.terminal_key), ("format", "json")], status=400)
    assert error(resp.json) == ("bad_param", "item.price")


def test_additem_rejected_reaches_client(app):
    b = new_basket(app)
    body = app.call("baskets/additem", {"basket": b["id"], "type": "widget", "item.price": "1",
                                        "item.reject": "Only 2 left of Hamlet mug"}, status=409)
    assert body["error"] == {"code": "item_rejected", "message": "Only 2 left of Hamlet mug",
                             "param": "item.reject"}
    root = app.xml("baskets/additem", {"basket": b["id"], "type": "widget", "item.price": "1",
                                       "item.reject": "Sold out"}, status=409)
    err = root.find("error")
    assert (err.get("code"), err.get("param"), err.text) == ("item_rejected", "item.reject",
                                                              "Sold out")
    assert "item" not in app.call("baskets/getbasket", {"basket": b["id"]})["basket"]


def test_additem_to_closed_and_missing_baskets(app):
    b = _closed(app)
    assert error(add_widget_raw(app, b, 409)) == ("basket_closed", None)
    assert error(add_widget_raw(app, 424242, 404)) == ("not_found", "basket")


def add_widget_raw(app, basket, status):
    return app.call("baskets/additem", {"basket": basket, "type": "widget", "item.price": "1"},
                    status=status)


def test_additem_post(app):
    b = new_basket(app)
    body = app.call("baskets/additem", {"basket": b["id"], "type": "widget", "item.price": "4"},
                    method="post")
    assert body["basket"]["value"] == "4.00"


# -- removeitem ------------------------------------------------------------------------------

def test_removeitem(app, provider):
    b = new_basket(app)
    keep = add_widget(app, b["id"], "3")["item"]["id"]
    gone = add_widget(app, b["id"], "4")["item"]["id"]
    body = app.call("baskets/removeitem", {"basket": b["id"], "item": gone})
    assert [i["id"] for i in body["basket"]["item"]] == [keep]
    assert body["basket"]["value"] == "3.00"
    assert ("validate_remove_item", b["id"], gone) in provider.events
    # Gone: removing it again is not_found naming item.
    assert error(app.call("baskets/removeitem", {"basket": b["id"], "item": gone},
                          status=404)) == ("not_found", "item")


def test_removeitem_must_be_in_that_basket(app):
    a, b = new_basket(app), new_basket(app)
    item = add_widget(app, a["id"])["item"]["id"]
    body = app.call("baskets/removeitem", {"basket": b["id"], "item": item}, status=404)
    assert error(body) == ("not_found", "item")
    assert len(app.call("baskets/getbasket", {"basket": a["id"]})["basket"]["item"]) == 1


def test_removeitem_refused_by_provider(app):
    b = new_basket(app)
    item = add_widget(app, b["id"], name="Signed poster", refuse_remove=1)["item"]["id"]
    body = app.call("baskets/removeitem", {"basket": b["id"], "item": item}, status=409)
    assert body["error"]["code"] == "item_rejected"
    assert body["error"]["message"] == "Signed poster may not be removed"
    assert len(app.call("baskets/getbasket", {"basket": b["id"]})["basket"]["item"]) == 1


def test_removeitem_closed(app):
    b = new_basket(app)
    item = add_widget(app, b["id"], "5")["item"]["id"]
    add_widget(app, b["id"], "-5")
    app.call("baskets/closebasket", {"basket": b["id"]})
    body = app.call("baskets/removeitem", {"basket": b["id"], "item": item}, status=409)
    assert error(body)[0] == "basket_closed"


# -- moveitem --------------------------------------------------------------------------------

def test_moveitem(app, provider):
    a, b = new_basket(app), new_basket(app)
    item = add_widget(app, a["id"], "7")["item"]["id"]
    add_widget(app, a["id"], "1")
    body = app.call("baskets/moveitem", {"item": item, "to": b["id"]})
    assert body["from"]["basket"]["id"] == a["id"] and body["from"]["basket"]["value"] == "1.00"
    assert body["to"]["basket"]["id"] == b["id"] and body["to"]["basket"]["value"] == "7.00"
    assert [i["id"] for i in body["to"]["basket"]["item"]] == [item]
    assert ("validate_move_item", item, a["id"], b["id"]) in provider.events
    root = app.xml("baskets/moveitem", {"item": item, "to": a["id"]})
    assert [(e.tag, e[0].tag, e[0].get("value")) for e in root] == [
        ("from", "basket", "0.00"), ("to", "basket", "8.00")]


def test_moveitem_errors(app):
    a, b = new_basket(app), new_basket(app)
    item = add_widget(app, a["id"], "7")["item"]["id"]
    assert error(app.call("baskets/moveitem", {"item": 999, "to": b["id"]}, status=404)) == (
        "not_found", "item")
    assert error(app.call("baskets/moveitem", {"item": item, "to": 999}, status=404)) == (
        "not_found", "to")
    assert error(app.call("baskets/moveitem", {"item": item, "to": a["id"]}, status=409))[0] == (
        "conflict")
    assert error(app.call("baskets/moveitem", {"item": item}, status=400)) == ("bad_param", "to")
    closed = _closed(app)
    assert error(app.call("baskets/moveitem", {"item": item, "to": closed}, status=409))[0] == (
        "basket_closed")
    closed_item = app.call("baskets/getbasket", {"basket": closed})["basket"]["item"][0]["id"]
    assert error(app.call("baskets/moveitem", {"item": closed_item, "to": b["id"]},
                          status=409))[0] == "basket_closed"


def test_moveitem_refused_by_provider(app):
    a, b = new_basket(app), new_basket(app)
    item = add_widget(app, a["id"], name="Bolted chair", refuse_move=1)["item"]["id"]
    body = app.call("baskets/moveitem", {"item": item, "to": b["id"]}, status=409)
    assert body["error"]["code"] == "item_rejected"
    assert body["error"]["message"] == f"Bolted chair may not move to basket {b['id']}"
    assert "item" not in app.call("baskets/getbasket", {"basket": b["id"]})["basket"]


# -- closebasket / openbasket ----------------------------------------------------------------

def _closed(app) -> int:
    b = new_basket(app)
    add_widget(app, b["id"], "5")
    app.call("baskets/additem", {"basket": b["id"], "type": "voucher", "item.amount": "5"})
    assert app.call("baskets/closebasket", {"basket": b["id"]})["basket"]["state"] == "closed"
    return b["id"]


def test_closebasket(app, provider, xts2_clock):
    xts2_clock.set(NOON)
    b = new_basket(app)
    add_widget(app, b["id"], "12", quantity=2)
    app.call("baskets/additem", {"basket": b["id"], "type": "voucher", "item.amount": "24"})
    closed = app.call("baskets/closebasket", {"basket": b["id"]})["basket"]
    assert closed["state"] == "closed" and closed["value"] == "0.00"
    assert "expires" not in closed and when(app, closed["closed"]) == NOON
    assert len(closed["item"]) == 2
    assert provider.names()[-2:] == ["validate_close_basket", "basket_closed"]
    assert provider.events[-1] == ("basket_closed", b["id"], "closed")
    # Closed baskets never expire.
    xts2_clock.advance(days=365)
    assert app.call("baskets/getbasket", {"basket": b["id"]})["basket"]["state"] == "closed"
    assert error(app.call("baskets/closebasket", {"basket": b["id"]}, status=409)) == (
        "basket_closed", None)


def test_closebasket_empty_and_unbalanced(app, provider):
    b = new_basket(app)
    assert error(app.call("baskets/closebasket", {"basket": b["id"]}, status=409))[0] == (
        "basket_empty")
    add_widget(app, b["id"], "2.5")
    body = app.call("baskets/closebasket", {"basket": b["id"]}, status=409)
    assert error(body)[0] == "basket_not_balanced" and "2.50" in body["error"]["message"]
    add_widget(app, b["id"], "-3")
    body = app.call("baskets/closebasket", {"basket": b["id"]}, status=409)
    assert error(body)[0] == "basket_not_balanced" and "-0.50" in body["error"]["message"]
    assert "validate_close_basket" not in provider.names()   # the core refuses first
    assert app.call("baskets/getbasket", {"basket": b["id"]})["basket"]["state"] == "open"


def test_closebasket_refused_by_provider(app, provider):
    b = new_basket(app)
    add_widget(app, b["id"], "5", name="Unsigned poster", refuse_close=1)
    add_widget(app, b["id"], "-5")
    body = app.call("baskets/closebasket", {"basket": b["id"]}, status=409)
    assert body["error"]["code"] == "item_rejected"
    assert body["error"]["message"] == "Unsigned poster is not ready to be sold"
    assert "basket_closed" not in provider.names()
    assert app.call("baskets/getbasket", {"basket": b["id"]})["basket"]["state"] == "open"


def test_a_basket_of_zero_items_value_zero_closes(app):
    b = new_basket(app)
    add_widget(app, b["id"], "0")                      # a free programme
    assert app.call("baskets/closebasket", {"basket": b["id"]})["basket"]["state"] == "closed"


def test_openbasket_needs_admin(app):
    b = _closed(app)
    assert error(app.call("baskets/openbasket", {"basket": b}, status=401))[0] == "unauthorized"
    assert error(app.call("baskets/openbasket", {"basket": b, "password": "wrong-password"},
                          status=401))[0] == "unauthorized"


def test_openbasket(app, provider, xts2_clock):
    b = _closed(app)
    opened = app.call("baskets/openbasket", {"basket": b}, admin=True)["basket"]
    assert opened["state"] == "open" and "closed" not in opened and "expires" not in opened
    assert provider.names()[-2:] == ["validate_open_basket", "basket_reopened"]
    assert provider.events[-1] == ("basket_reopened", b, "open")
    # Reopened, it can change again, and it does not expire while open.
    add_widget(app, b, "1")
    xts2_clock.advance(days=30)
    assert app.call("baskets/getbasket", {"basket": b})["basket"]["value"] == "1.00"
    assert error(app.call("baskets/openbasket", {"basket": b}, admin=True, status=409)) == (
        "basket_open", None)


def test_openbasket_admin_only_records_admin(app):
    from basket_calls import audit_rows

    b = _closed(app)
    app.call("baskets/openbasket", {"basket": b}, admin=True, key=False)
    last = audit_rows(app, b)[-1]
    assert last.command == "openbasket" and last.admin and last.terminal_id is None


def test_openbasket_refused_by_provider(app):
    b = new_basket(app)
    add_widget(app, b["id"], "5", name="Eaten cake", refuse_open=1)
    add_widget(app, b["id"], "-5")
    app.call("baskets/closebasket", {"basket": b["id"]})
    body = app.call("baskets/openbasket", {"basket": b["id"]}, admin=True, status=409)
    assert body["error"] == {"code": "item_rejected", "param": None,
                             "message": "Eaten cake was handed over; the sale cannot reopen"}
    assert app.call("baskets/getbasket", {"basket": b["id"]})["basket"]["state"] == "closed"


def test_openbasket_not_found(app):
    assert error(app.call("baskets/openbasket", {"basket": 5}, admin=True, status=404)) == (
        "not_found", "basket")


# -- metadata --------------------------------------------------------------------------------

def test_metadata_set_get_delete(app):
    b = new_basket(app)["id"]
    body = app.call("baskets/setmetadata", {"basket": b, "key": "email", "value": "a@b.example"})
    assert body["metadata"] == {"email": "a@b.example"} and body["basket"] == b
    app.call("baskets/setmetadata", {"basket": b, "key": "ref.no-1_X", "value": ""})
    app.call("baskets/setmetadata", {"basket": b, "key": "email", "value": "c@d.example"})
    body = app.call("baskets/getmetadata", {"basket": b})
    assert body["metadata"] == {"email": "c@d.example", "ref.no-1_X": ""}
    body = app.call("baskets/setmetadata", {"basket": b, "key": "email"})      # omitted: delete
    assert body["metadata"] == {"ref.no-1_X": ""}
    body = app.call("baskets/setmetadata", {"basket": b, "key": "never-set"})  # no-op delete
    assert body["metadata"] == {"ref.no-1_X": ""}


def test_metadata_xml(app):
    b = new_basket(app)["id"]
    app.call("baskets/setmetadata", {"basket": b, "key": "email", "value": "a@b.example"})
    app.call("baskets/setmetadata", {"basket": b, "key": "note", "value": "line 1\nline 2 & <3>"})
    root = app.xml("baskets/getmetadata", {"basket": b})
    (md,) = root
    assert md.tag == "metadata" and md.get("basket") == str(b)
    assert [(e.tag, e.get("key"), e.text) for e in md] == [
        ("entry", "email", "a@b.example"), ("entry", "note", "line 1\nline 2 & <3>")]


def test_metadata_empty(app):
    b = new_basket(app)["id"]
    assert app.call("baskets/getmetadata", {"basket": b})["metadata"] == {}


@pytest.mark.parametrize("key,ok", [("a", True), ("k" * 64, True), ("k" * 65, False),
                                    ("", False), ("has space", False), ("ü", False),
                                    ("a/b", False), ("A-Z_a.z-0", True)])
def test_metadata_key_rules(app, key, ok):
    b = new_basket(app)["id"]
    if ok:
        assert app.call("baskets/setmetadata", {"basket": b, "key": key, "value": "v"}
                        )["metadata"] == {key: "v"}
    else:
        body = app.call("baskets/setmetadata", {"basket": b, "key": key, "value": "v"}, status=400)
        assert error(body) == ("bad_param", "key")


@pytest.mark.parametrize("length,ok", [(0, True), (4096, True), (4097, False)])
def test_metadata_value_length(app, length, ok):
    b = new_basket(app)["id"]
    value = "é" * length
    if ok:
        body = app.call("baskets/setmetadata", {"basket": b, "key": "k", "value": value},
                        method="post")
        assert body["metadata"] == {"k": value}
    else:
        body = app.call("baskets/setmetadata", {"basket": b, "key": "k", "value": value},
                        method="post", status=400)
        assert error(body) == ("bad_param", "value")


def test_metadata_value_control_characters(app):
    b = new_basket(app)["id"]
    body = app.call("baskets/setmetadata", {"basket": b, "key": "k", "value": "a\x07b"}, status=400)
    assert error(body) == ("bad_param", "value")
    assert app.call("baskets/setmetadata", {"basket": b, "key": "k", "value": "a\tb"}
                    )["metadata"] == {"k": "a\tb"}


def test_metadata_on_closed_basket(app):
    b = _closed(app)
    assert app.call("baskets/setmetadata", {"basket": b, "key": "k", "value": "v"}
                    )["metadata"] == {"k": "v"}
    assert app.call("baskets/getmetadata", {"basket": b})["metadata"] == {"k": "v"}


def test_metadata_not_found(app):
    assert error(app.call("baskets/getmetadata", {"basket": 77}, status=404)) == (
        "not_found", "basket")
    assert error(app.call("baskets/setmetadata", {"basket": 77, "key": "k"}, status=404)) == (
        "not_found", "basket")


def test_metadata_is_per_basket(app):
    a, b = new_basket(app)["id"], new_basket(app)["id"]
    app.call("baskets/setmetadata", {"basket": a, "key": "k", "value": "A"})
    app.call("baskets/setmetadata", {"basket": b, "key": "k", "value": "B"})
    assert app.call("baskets/getmetadata", {"basket": a})["metadata"] == {"k": "A"}
    assert app.call("baskets/getmetadata", {"basket": b})["metadata"] == {"k": "B"}


@pytest.mark.parametrize("text", ["\ufffe", "a\uffffb"])
def test_text_xml_cannot_carry_is_bad_param(app, text):
    """Stored through JSON, such text would break every XML answer showing it (a 500)."""
    b = new_basket(app)["id"]
    body = app.call("baskets/setmetadata", {"basket": b, "key": "k", "value": text}, status=400)
    assert error(body) == ("bad_param", "value")
    body = app.call("baskets/savebasket", {"basket": b, "name": text}, status=400)
    assert error(body) == ("bad_param", "name")
    assert app.xml("baskets/getbasket", {"basket": b}).get("status") == "ok"
