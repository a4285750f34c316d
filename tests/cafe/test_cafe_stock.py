"""``cafe/getstock`` (API.md §6): what is on sale, by category, with what tracked items have left."""

from __future__ import annotations


def test_getstock_xml_lists_what_is_on_sale(cafe):
    resp = cafe.call("cafe/getstock", key=False, fmt="xml")
    assert resp.content_type == "application/xml"
    assert resp.headers["Cache-Control"] == "no-store"
    root = cafe.xml("cafe/getstock", key=False)
    assert root.get("status") == "ok" and root.get("servlet") == "cafe"
    items = root.find("stock").findall("item")
    assert [(i.get("name"), i.get("price"), i.get("category"), i.get("available"))
            for i in items] == [
        ("Coffee", "2.20", "drinks", "5"),
        ("Tea", "1.80", "drinks", None),        # not tracked: no available
        ("Flapjack", "2.50", "snacks", "2"),
    ]                                          # Old cake is not on sale: not listed
    assert all(int(i.get("id")) > 0 for i in items)


def test_getstock_json(cafe):
    body = cafe.call("cafe/getstock", key=False)
    assert body["status"] == "ok"
    assert body["stock"] == [
        {"id": cafe.ids()["Coffee"], "name": "Coffee", "price": "2.20", "category": "drinks",
         "available": 5},
        {"id": cafe.ids()["Tea"], "name": "Tea", "price": "1.80", "category": "drinks"},
        {"id": cafe.ids()["Flapjack"], "name": "Flapjack", "price": "2.50",
         "category": "snacks", "available": 2},
    ]


def test_getstock_is_public_and_answers_post(cafe):
    assert cafe.call("cafe/getstock", key=False, method="post")["stock"]
    assert cafe.call("cafe/getstock")["stock"]   # a terminal key does no harm


def test_getstock_category_filter(cafe):
    names = [i["name"] for i in cafe.call("cafe/getstock", {"category": "snacks"},
                                          key=False)["stock"]]
    assert names == ["Flapjack"]
    body = cafe.call("cafe/getstock", {"category": "DRINKS"}, key=False)
    assert [i["name"] for i in body["stock"]] == ["Coffee", "Tea"]
    assert body["category"] == "DRINKS"
    root = cafe.xml("cafe/getstock", {"category": "drinks"}, key=False)
    assert root.find("stock").get("category") == "drinks"
    assert cafe.call("cafe/getstock", {"category": "cutlery"}, key=False)["stock"] == []


def test_getstock_category_bad_params(cafe):
    err = cafe.call("cafe/getstock", {"category": ["drinks", "snacks"]}, key=False,
                    status=400)["error"]
    assert (err["code"], err["param"]) == ("bad_param", "category")
    err = cafe.call("cafe/getstock", {"category": "x" * 51}, key=False, status=400)["error"]
    assert err["param"] == "category"
    err = cafe.call("cafe/getstock", {"category": "a\x01b"}, key=False, status=400)["error"]
    assert err["param"] == "category"


def test_available_counts_live_baskets_only(cafe, xts2_clock):
    short = cafe.basket(expiry=60)
    cafe.add(short, "Coffee", 2)
    kept = cafe.basket(expiry=60)
    cafe.add(kept, "Coffee", 1)
    cafe.call("baskets/savebasket", {"basket": kept, "name": "Smith"})
    assert cafe.available()["Coffee"] == 2
    xts2_clock.advance(61)
    # the short basket expired: its coffee is free again; the saved one still holds its cup
    assert cafe.available()["Coffee"] == 4
    err = cafe.add(short, "Coffee", 1, status=409)["error"]
    assert err["code"] == "basket_expired"


def test_removing_or_expiring_frees_stock(cafe):
    b = cafe.basket()
    item = cafe.add(b, "Flapjack", 2)["item"]["id"]
    assert cafe.available()["Flapjack"] == 0
    cafe.call("baskets/removeitem", {"basket": b, "item": item})
    assert cafe.available()["Flapjack"] == 2


def test_moving_a_cafe_item_keeps_it_held(cafe):
    a, b = cafe.basket(), cafe.basket()
    item = cafe.add(a, "Coffee", 3)["item"]["id"]
    moved = cafe.call("baskets/moveitem", {"item": item, "to": b})
    assert moved["to"]["basket"]["item"][0]["cafe"]["name"] == "Coffee"
    assert cafe.available()["Coffee"] == 2
    cafe.add(b, "Coffee", 3, status=409)


def test_getstats_counts(cafe):
    b = cafe.basket()
    cafe.add(b, "Coffee", 2)
    cafe.add(b, "Tea")
    counts = {c["name"]: c["text"] for c in cafe.call("xts/getstats")["stats"]["count"]}
    assert counts["stock"] == 4
    assert counts["cafeitems"] == 2
    plugins = {p["name"]: p for p in cafe.call("xts/getstats")["stats"]["plugin"]}
    assert plugins["cafe"]["itemtypes"] == "cafe"
    assert plugins["cafe"]["distribution"] == "xts2-cafe"


def test_index_lists_the_cafe_servlet(cafe):
    body = cafe.get("/v2", {"format": "json"}).json
    cafe_servlet = next(s for s in body["servlets"] if s["name"] == "cafe")
    assert cafe_servlet["command"] == [{"name": "getstock", "access": "public",
                                        "changesstate": False}]
