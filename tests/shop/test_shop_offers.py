"""What else the shop sells (``xts2_shop/offers.py``): the providers' offers on the basket page,
and ``POST /shop/basket/offer``, which trusts nothing but the offer's key and the customer's
number: a forged key, a price in the form, a missing CSRF token, the same form twice."""

from __future__ import annotations

from typing import Any

import pytest
from shopkit import basket, items, session_of, words

from xts2_shop.offers import offers_for

STOCK = [
    {"name": "Coffee", "price": "2.20", "category": "drinks", "level": 5, "online": True},
    {"name": "Tea", "price": "1.80", "category": "drinks", "online": True},   # not tracked
    {"name": "Flapjack", "price": "2.50", "category": "snacks", "level": 9},  # counter only
]


@pytest.fixture
def venue(shop: Any) -> Any:
    shop.load({"stock": STOCK, "donations": [{"online": True}]})
    shop.stock = {i["name"]: i["id"] for i in shop.call("cafe/getstock", key=False)["stock"]}
    return shop


@pytest.fixture
def ann(venue: Any, customer: Any) -> Any:
    """A customer with a ticket in her basket (the basket page offers the rest)."""
    browser = customer()
    ids = venue.ids
    browser.add(ids.perfs[("Hamlet", "2026-12-05T19:30")], {ids.tickettypes[("Hamlet", "Adult")]: 1})
    browser.basket_id = session_of(browser)["basket"]
    return browser


def offer_forms(page: Any) -> dict[str, Any]:
    """The basket page's offer forms, by the offer's key."""
    return {f["offer"].value: f for f in page.forms.values() if "offer" in f.fields}


def fields(browser: Any, key: str) -> dict[str, str]:
    """An offer's form fields as the basket page gives them."""
    return dict(offer_forms(browser.get("/shop/basket"))[key].submit_fields())


def extras(venue: Any, basket_id: int) -> list[tuple[str, str, int, str]]:
    """What the basket holds beside tickets: (type, description, quantity, value)."""
    return [(i["type"], i["description"], i["quantity"], i["value"])
            for i in basket(venue, basket_id)["item"] if i["type"] != "ticket"]


def test_the_basket_page_offers_what_the_providers_mark_online(venue, ann):
    page = ann.get("/shop/basket")
    keys = list(offer_forms(page))
    assert sorted(keys) == sorted(["donation", f"cafe.{venue.stock['Coffee']}",
                                   f"cafe.{venue.stock['Tea']}"])   # no Flapjack: counter only
    text = words(page)
    assert "Add to your order" in text
    assert "Coffee £2.20" in text and "Tea £1.80" in text and "Flapjack" not in text
    assert "Coffee £2.20 Up to 5 at once. How many" in text     # Coffee: 5 on the shelf
    assert "Any amount you choose, up to £1000.00" in text
    # Each field has its label, and the quantity its hint.
    coffee = offer_forms(page)[f"cafe.{venue.stock['Coffee']}"]
    field_id = coffee["quantity"].id
    assert page.html.find("label", attrs={"for": field_id}) is not None
    assert page.html.find(id=field_id)["aria-describedby"].endswith("-most")


def test_no_offers_without_a_basket(venue, customer):
    browser = customer()
    page = browser.get("/shop/basket")
    assert offer_forms(page) == {} and "Add to your order" not in words(page)


def test_offers_for_no_basket_asks_no_plugin(venue):
    assert offers_for(object(), None) == []  # the request is not even looked at


def test_a_customer_adds_two_coffees(venue, ann):
    form = offer_forms(ann.get("/shop/basket"))[f"cafe.{venue.stock['Coffee']}"]
    form["quantity"] = "2"
    page = form.submit(status=303).follow()
    assert extras(venue, ann.basket_id) == [("cafe", "Coffee", 2, "4.40")]
    assert "Coffee" in words(page) and "£4.40" in words(page)
    # The coffees are held by the basket: 3 are left to offer.
    assert "Coffee £2.20 Up to 3 at once" in words(page)


def test_a_forged_key_is_refused(venue, ann):
    before = basket(venue, ann.basket_id)
    sent = fields(ann, "donation")
    for key in (f"cafe.{venue.stock['Flapjack']}", "cafe.999", "tickets.1", "Donation", "",
                "x" * 80, "<script>"):
        page = ann.post("/shop/basket/offer", {**sent, "offer": key, "quantity": "1",
                                               "amount": "5"}, status=400)
        assert "That is not on offer (any more)" in words(page)
        assert "<script>" not in page.text.replace("&lt;script&gt;", "")
    assert basket(venue, ann.basket_id) == before


def test_a_price_or_item_parameters_in_the_form_are_ignored(venue, ann):
    sent = fields(ann, f"cafe.{venue.stock['Coffee']}")
    sent.update({"price": "0.01", "unitprice": "0.01", "type": "donation",
                 "item.stock": str(venue.stock["Flapjack"]), "item.price": "0.01",
                 "item.quantity": "9", "amount": "0.01"})
    ann.post("/shop/basket/offer", sent, status=303)
    assert extras(venue, ann.basket_id) == [("cafe", "Coffee", 1, "2.20")]


def test_without_the_csrf_token_nothing_is_added(venue, ann):
    sent = fields(ann, "donation")
    sent["amount"] = "5"
    for token in (None, "", "0" * 40):
        forged = {k: v for k, v in sent.items() if k != "csrf_token"}
        if token is not None:
            forged["csrf_token"] = token
        ann.post("/shop/basket/offer", forged, status=400)
    assert extras(venue, ann.basket_id) == []
    ann.post("/shop/basket/offer", sent, status=303)
    assert extras(venue, ann.basket_id) == [("donation", "Donation", 1, "5.00")]


def test_the_same_form_twice_adds_one_item(venue, ann):
    sent = fields(ann, f"cafe.{venue.stock['Tea']}")
    sent["quantity"] = "2"
    first = ann.post("/shop/basket/offer", sent, status=303)
    again = ann.post("/shop/basket/offer", sent, status=303)   # a double click
    assert first.location == again.location
    changed = dict(sent, quantity="3")                         # the back button, a new number
    ann.post("/shop/basket/offer", changed, status=303)
    assert extras(venue, ann.basket_id) == [("cafe", "Tea", 2, "3.60")]
    # Another offer from the same page (its forms share the page's one-time id) is its own.
    ann.post("/shop/basket/offer", dict(sent, offer="donation", amount="3"), status=303)
    assert extras(venue, ann.basket_id) == [("cafe", "Tea", 2, "3.60"),
                                            ("donation", "Donation", 1, "3.00")]


@pytest.mark.parametrize("quantity", ["0", "6", "-1", "1.5", "two", "", "١", "9" * 30])
def test_a_bad_quantity_is_named_and_adds_nothing(venue, ann, quantity):
    key = f"cafe.{venue.stock['Coffee']}"
    sent = dict(fields(ann, key), quantity=quantity)
    page = ann.post("/shop/basket/offer", sent, status=400)
    text = words(page)
    assert "Quantity of Coffee" in text
    assert "from 1 to 5" in text or "at most 5" in text
    field = offer_forms(page)[key]["quantity"]
    assert page.html.find(id=field.id)["aria-invalid"] == "true"
    assert field.value == quantity[:40]                         # what was typed, kept
    assert extras(venue, ann.basket_id) == []


def test_an_offer_needs_a_basket(venue, customer):
    browser = customer()
    sent = {"csrf_token": browser.csrf(), "formid": "0123456789abcdef", "offer": "donation",
            "amount": "5"}
    response = browser.post("/shop/basket/offer", sent, status=303)
    assert response.location.endswith("/shop/basket")
    assert "basket" not in session_of(browser)
    assert venue.call("baskets/getbaskets", {"limit": 100})["baskets"] == []


def test_a_stale_form_is_refused(venue, ann):
    sent = dict(fields(ann, "donation"), amount="5", formid="not-a-form-id")
    page = ann.post("/shop/basket/offer", sent, status=400)
    assert "the form is out of date" in words(page)
    assert extras(venue, ann.basket_id) == []


def test_no_offer_is_added_while_a_payment_is_under_way(venue, ann):
    sent = dict(fields(ann, "donation"), amount="5")
    ann.checkout().follow()                                   # at the test payment service
    page = ann.post("/shop/basket/offer", sent, status=409)
    assert "A payment for this basket is under way" in words(page)
    assert items(venue, ann.basket_id, "donation") == []
