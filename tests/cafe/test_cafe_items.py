"""Cafe basket items (``type=cafe``, API.md §6): parameters, rejections and their description."""

from __future__ import annotations

import pytest


def test_add_coffee_json(cafe):
    b = cafe.basket()
    body = cafe.add(b, "Coffee", 2)
    item = body["item"]
    assert (item["type"], item["quantity"], item["unitprice"], item["value"]) == (
        "cafe", 2, "2.20", "4.40")
    assert item["description"] == "Coffee"
    assert item["cafe"] == {"stock": cafe.ids()["Coffee"], "name": "Coffee",
                            "category": "drinks"}
    assert body["basket"]["value"] == "4.40"
    assert cafe.available()["Coffee"] == 3


def test_add_coffee_xml_and_getbasket(cafe):
    b = cafe.basket()
    root = cafe.xml("baskets/additem", {"basket": b, "type": "cafe",
                                        "item.stock": cafe.ids()["Tea"]})
    item = root.find("item")
    assert (item.get("quantity"), item.get("value")) == ("1", "1.80")   # quantity defaults to 1
    detail = item.find("cafe")
    assert dict(detail.attrib) == {"stock": str(cafe.ids()["Tea"]), "name": "Tea",
                                   "category": "drinks"}
    basket = cafe.xml("baskets/getbasket", {"basket": b}).find("basket")
    assert basket.find("item/cafe").get("name") == "Tea"


def test_detail_is_a_snapshot(cafe):
    b = cafe.basket()
    cafe.add(b, "Coffee")
    cafe.load({"stock": [{"name": "Coffee", "price": "2.60", "category": "hot drinks",
                          "level": 5}]})
    item = cafe.call("baskets/getbasket", {"basket": b})["basket"]["item"][0]
    assert (item["unitprice"], item["cafe"]["category"]) == ("2.20", "drinks")   # as sold
    assert cafe.add(b, "Coffee")["item"]["unitprice"] == "2.60"


def test_untracked_stock_is_never_short(cafe):
    b = cafe.basket()
    for _ in range(3):
        cafe.add(b, "Tea", 100)
    assert cafe.call("baskets/getbasket", {"basket": b})["basket"]["value"] == "540.00"
    assert "available" not in next(i for i in cafe.call("cafe/getstock", key=False)["stock"]
                                   if i["name"] == "Tea")


def test_too_few_left_is_rejected_with_a_clear_message(cafe):
    a, b = cafe.basket(), cafe.basket()
    cafe.add(a, "Coffee", 2)
    err = cafe.add(b, "Coffee", 4, status=409)["error"]
    assert err == {"code": "item_rejected", "message": "Only 3 Coffee left",
                   "param": "item.quantity"}
    cafe.add(b, "Coffee", 3)
    err = cafe.add(b, "Coffee", 1, status=409)["error"]
    assert (err["code"], err["message"]) == ("item_rejected", "Coffee is sold out")
    root = cafe.xml("baskets/additem", {"basket": b, "type": "cafe",
                                        "item.stock": cafe.ids()["Coffee"]}, status=409)
    assert root.get("status") == "error"
    assert root.find("error").get("code") == "item_rejected"
    assert root.find("error").text == "Coffee is sold out"
    # the rejected additions changed nothing
    assert cafe.available()["Coffee"] == 0
    assert len(cafe.call("baskets/getbasket", {"basket": b})["basket"]["item"]) == 1


def test_not_on_sale_cannot_be_added(cafe):
    b = cafe.basket()
    with cafe.session() as s:
        import sqlalchemy as sa

        old_cake = s.execute(sa.text("SELECT id FROM cafe_stock WHERE name = 'Old cake'")
                             ).scalar_one()
    err = cafe.call("baskets/additem", {"basket": b, "type": "cafe", "item.stock": old_cake},
                    status=409)["error"]
    assert err == {"code": "item_rejected", "message": "Old cake is not on sale",
                   "param": "item.stock"}


@pytest.mark.parametrize("stock", [999, 2**63 - 1])  # any id the API allows (PostgreSQL too)
def test_unknown_stock_is_not_found(cafe, stock):
    b = cafe.basket()
    err = cafe.call("baskets/additem", {"basket": b, "type": "cafe", "item.stock": stock},
                    status=404)["error"]
    assert (err["code"], err["param"]) == ("not_found", "item.stock")


@pytest.mark.parametrize(("params", "param"), [
    ({}, "item.stock"),
    ({"item.stock": "coffee"}, "item.stock"),
    ({"item.stock": "0"}, "item.stock"),
    ({"item.stock": str(2**63)}, "item.stock"),
    ({"item.stock": "1", "item.quantity": "0"}, "item.quantity"),
    ({"item.stock": "1", "item.quantity": "101"}, "item.quantity"),
    ({"item.stock": "1", "item.quantity": "1.5"}, "item.quantity"),
    ({"item.stock": "1", "item.quantity": ["1", "2"]}, "item.quantity"),
])
def test_bad_item_params(cafe, params, param):
    b = cafe.basket()
    err = cafe.call("baskets/additem", {"basket": b, "type": "cafe", **params},
                    status=400)["error"]
    assert (err["code"], err["param"]) == ("bad_param", param)


def test_quantity_bounds_accepted(cafe):
    b = cafe.basket()
    assert cafe.add(b, "Tea", 100)["item"]["quantity"] == 100
    assert cafe.add(b, "Tea", 1)["item"]["quantity"] == 1


def test_cafe_type_needs_the_plugin(xts2_app_factory):
    app = xts2_app_factory(plugins=[])
    b = app.call("baskets/newbasket")["basket"]["id"]
    err = app.call("baskets/additem", {"basket": b, "type": "cafe", "item.stock": 1},
                   status=400)["error"]
    assert (err["code"], err["param"]) == ("bad_param", "type")
    assert app.call("cafe/getstock", key=False, status=404)["error"]["code"] == "unknown_servlet"
