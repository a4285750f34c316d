"""The cafe in the online shop: the season file's ``online`` flag (off by default), the offers
it makes (``shop_offers``: the online stock on sale and not sold out, at its price, up to what is
available, in one query), and a refusal in the cafe's words when the stock runs short."""

from __future__ import annotations

import re
import types
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
import webtest

from xts2_cafe import shop
from xts2_core import ShopOffer, hookimpl
from xts2_core.testing import statements

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
STOCK = [
    {"name": "Coffee", "price": "2.20", "category": "drinks", "level": 3, "online": True},
    {"name": "Tea", "price": "1.80", "category": "drinks", "online": True},       # not tracked
    {"name": "Water", "price": "1.00", "category": "drinks", "level": 50, "online": False},
    {"name": "Flapjack", "price": "2.50", "category": "snacks", "level": 9},      # default: off
    {"name": "Ice cream", "price": "3.00", "category": "snacks", "level": 0, "online": True},
    {"name": "Old cake", "price": "1.00", "category": "snacks", "online": True, "onsale": False},
    {"name": "Programme", "price": "5.00", "category": "merchandise", "level": 40,
     "online": True},
]


def flags(app: Any) -> dict[str, bool]:
    with app.session() as s:
        return {n: bool(o) for n, o in s.execute(sa.text("SELECT name, online FROM cafe_stock"))}


def offers(app: Any) -> list[ShopOffer]:
    """What the cafe offers now, and how many queries it took."""
    with app.session() as s, statements(s.get_bind()) as queries:
        request = types.SimpleNamespace(dbsession=s, now=app.clock.now())
        found = shop.offers(request)
    assert len(queries) == 1, queries
    return found


@pytest.fixture
def cafe_app(xts2_app_factory: Any) -> Any:
    app = xts2_app_factory(plugins=["cafe"])
    app.load({"stock": STOCK})
    app.ids = {i["name"]: i["id"] for i in app.call("cafe/getstock", key=False)["stock"]}
    return app


def test_the_online_flag_is_off_by_default_and_kept(cafe_app):
    assert flags(cafe_app) == {"Coffee": True, "Tea": True, "Water": False, "Flapjack": False,
                               "Ice cream": True, "Old cake": True, "Programme": True}
    before = offers(cafe_app)
    assert cafe_app.load({"stock": STOCK}) == {"stock": len(STOCK)}   # the same file again
    assert flags(cafe_app)["Coffee"] is True and offers(cafe_app) == before
    # Left out, the flag goes back to off: the file says what is sold online.
    cafe_app.load({"stock": [{k: v for k, v in e.items() if k != "online"} for e in STOCK]})
    assert set(flags(cafe_app).values()) == {False}
    assert offers(cafe_app) == []


def test_the_flag_is_checked_like_any_season_key(cafe_app):
    from xts2_core import SeasonError

    with pytest.raises(SeasonError, match="online"):
        cafe_app.load({"stock": [{"name": "Coffee", "price": "2.20", "category": "drinks",
                                  "online": "sometimes"}]})
    assert flags(cafe_app)["Coffee"] is True


def test_only_the_online_stock_on_sale_and_not_sold_out_is_offered(cafe_app):
    ids = cafe_app.ids
    assert offers(cafe_app) == [
        ShopOffer(key=f"cafe.{ids['Coffee']}", type="cafe", label="Coffee",
                  params={"item.stock": str(ids["Coffee"])}, price=220,
                  quantity_param="item.quantity", max_quantity=3),
        ShopOffer(key=f"cafe.{ids['Tea']}", type="cafe", label="Tea",
                  params={"item.stock": str(ids["Tea"])}, price=180,
                  quantity_param="item.quantity", max_quantity=10),
        ShopOffer(key=f"cafe.{ids['Programme']}", type="cafe", label="Programme",
                  params={"item.stock": str(ids["Programme"])}, price=500,
                  quantity_param="item.quantity", max_quantity=10),
    ]   # by category and name; Ice cream is sold out, Old cake off sale, Water and Flapjack
    #     at the counter only


def test_what_baskets_hold_is_not_offered(cafe_app):
    basket = cafe_app.call("baskets/newbasket")["basket"]["id"]
    cafe_app.call("baskets/additem", {"basket": basket, "type": "cafe",
                                      "item.stock": cafe_app.ids["Coffee"], "item.quantity": 2})
    coffee = next(o for o in offers(cafe_app) if o.label == "Coffee")
    assert coffee.max_quantity == 1
    cafe_app.call("baskets/additem", {"basket": basket, "type": "cafe",
                                      "item.stock": cafe_app.ids["Coffee"]})
    assert "Coffee" not in [o.label for o in offers(cafe_app)]   # all 3 held


# -- in the shop ----------------------------------------------------------------------------

SEASON = {
    "shows": [{"name": "Hamlet", "tickettypes": [{"name": "Adult", "price": "12.00"}],
               "performances": [{"start": "2026-12-05T19:30", "capacity": 100}]}],
    "terminals": [{"name": "Website", "key": "website-terminal-key-0001", "expiry": 1800}],
    "stock": STOCK,
}


class CounterSale:
    """A sale at the cafe counter in the instant between the shop's check of the customer's
    number and the cafe's own (what the stock row's lock puts in order): when ``left`` is set,
    the next cafe item the shop adds finds only that many Coffee left."""

    def __init__(self) -> None:
        self.left: int | None = None

    @hookimpl(tryfirst=True)
    def validate_add_item(self, request: Any, item_type: str) -> None:
        if item_type == "cafe" and self.left is not None:
            request.dbsession.execute(sa.text(
                "UPDATE cafe_stock SET level = :left WHERE name = 'Coffee'"), {"left": self.left})
            self.left = None


@pytest.fixture
def venue(xts2_app_factory: Any, xts2_clock: Any) -> Any:
    xts2_clock.set(NOW)
    counter = CounterSale()
    app = xts2_app_factory(plugins=["tickets", "cafe", "shop"], extra=[("counter", counter)])
    app.load(SEASON)
    app.counter = counter
    app.ids = {i["name"]: i["id"] for i in app.call("cafe/getstock", key=False)["stock"]}
    return app


def customer_with_a_ticket(app: Any) -> webtest.TestApp:
    browser = webtest.TestApp(app.wsgi, extra_environ={"REMOTE_ADDR": "192.0.2.10"})
    perf = app.call("tickets/getperformances", {"show": 1}, key=False)["performances"][0]["id"]
    form = browser.get(f"/shop/performance/{perf}").forms["tickets"]
    (field,) = [name for name in form.fields if name and name.startswith("q.")]
    form[field] = "1"
    form.submit(status=303)
    return browser


def coffee_form(app: Any, page: Any) -> Any:
    forms = {f["offer"].value: f for f in page.forms.values() if "offer" in f.fields}
    return forms[f"cafe.{app.ids['Coffee']}"]


def text(page: Any) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page.text).split())


def cafe_items(app: Any) -> list[Any]:
    baskets = app.call("baskets/getbaskets", {"limit": 10})["baskets"]
    return [(i["description"], i["quantity"]) for b in baskets
            for i in app.call("baskets/getbasket", {"basket": b["id"]})["basket"]["item"]
            if i["type"] == "cafe"]


def test_the_shop_sells_coffee_as_the_counter_does(venue):
    browser = customer_with_a_ticket(venue)
    page = browser.get("/shop/basket")
    assert "Coffee £2.20" in text(page) and "Water" not in text(page)
    form = coffee_form(venue, page)
    form["quantity"] = "2"
    form.submit(status=303)
    assert cafe_items(venue) == [("Coffee", 2)]


def test_a_refusal_when_the_stock_runs_short_is_in_the_cafes_words(venue):
    browser = customer_with_a_ticket(venue)
    form = coffee_form(venue, browser.get("/shop/basket"))
    form["quantity"] = "2"
    venue.counter.left = 1          # the counter sells two while the customer presses Add
    page = form.submit(status=409)
    assert "Only 1 Coffee left" in text(page)
    field = coffee_form(venue, page)["quantity"]
    assert field.value == "2"
    assert page.html.find(id=field.id)["aria-invalid"] == "true"
    assert cafe_items(venue) == []
