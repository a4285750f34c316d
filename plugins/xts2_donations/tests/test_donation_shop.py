"""A donation in the venue's online shop (``shop_offers``): offered only when the season file says
``donations: [{online: true}]``; a customer with tickets adds 5.00 from the basket page; an amount
that is not one (0, -1, 1e3, 12.345, words) is refused on the page, naming the field, and adds
nothing; above the season's maximum, the plugin refuses in its own words."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import webtest

from xts2_donations.donation import ITEM
from xts2_donations.shop import AMOUNT_PARAM

SEASON = {
    "shows": [{"name": "Hamlet", "tickettypes": [{"name": "Adult", "price": "12.00"}],
               "performances": [{"start": "2026-12-05T19:30", "capacity": 100}]}],
    "terminals": [{"name": "Website", "key": "website-terminal-key-0001", "expiry": 1800}],
    "donations": [{"online": True}],
}


@pytest.fixture
def shop(xts2_app_factory: Any, xts2_clock: Any) -> Any:
    xts2_clock.set(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    app = xts2_app_factory(plugins=["tickets", "shop", "donations"])
    app.load(SEASON)
    return app


def customer_with_a_ticket(shop: Any) -> webtest.TestApp:
    """A customer's browser (its own cookies) that has put a ticket in its basket."""
    browser = webtest.TestApp(shop.wsgi, extra_environ={"REMOTE_ADDR": "192.0.2.10"})
    perf = shop.call("tickets/getperformances", {"show": 1}, key=False)["performances"][0]["id"]
    form = browser.get(f"/shop/performance/{perf}").forms["tickets"]
    (field,) = [name for name in form.fields if name and name.startswith("q.")]
    form[field] = "1"
    form.submit(status=303)
    return browser


def donation_form(page: Any) -> Any | None:
    forms = {f["offer"].value: f for f in page.forms.values() if "offer" in f.fields}
    return forms.get("donation")


def text(page: Any) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page.text).replace("&#39;", "'").split())


def donations(shop: Any) -> list[tuple[str, str]]:
    baskets = shop.call("baskets/getbaskets", {"limit": 10})["baskets"]
    return [(i["description"], i["value"]) for b in baskets
            for i in shop.call("baskets/getbasket", {"basket": b["id"]})["basket"]["item"]
            if i["type"] == "donation"]


def test_the_offer_names_the_donations_amount_parameter():
    assert AMOUNT_PARAM == "item." + "amount" and "amount" in ITEM.params.model_fields


def test_a_customer_adds_a_donation_of_5(shop):
    browser = customer_with_a_ticket(shop)
    page = browser.get("/shop/basket")
    assert "Add a donation" in text(page) and "up to £1000.00" in text(page)
    form = donation_form(page)
    form["amount"] = "5.00"
    basket = form.submit(status=303).follow()
    assert donations(shop) == [("Donation", "5.00")]
    assert "Donation" in text(basket) and "£17.00" in text(basket)   # the ticket and the gift


@pytest.mark.parametrize("amount, words", [
    ("0", "give more than £0.00"),
    ("-1", "give more than £0.00"),
    ("1e3", "'1e3' is not an amount of money"),
    ("12.345", "'12.345' is not an amount of money"),
    ("five pounds", "'five pounds' is not an amount of money"),
    ("1,000", "'1,000' is not an amount of money"),
    ("", "please give an amount"),
])
def test_a_bad_amount_is_named_on_the_page_and_adds_nothing(shop, amount, words):
    browser = customer_with_a_ticket(shop)
    form = donation_form(browser.get("/shop/basket"))
    form["amount"] = amount
    page = form.submit(status=400)
    assert f"Amount: {words}" in text(page)
    field = donation_form(page)["amount"]
    assert field.value == amount                                     # what was typed, kept
    assert page.html.find(id=field.id)["aria-invalid"] == "true"
    assert donations(shop) == []


def test_above_the_maximum_the_plugin_refuses_in_its_words(shop):
    shop.load({"donations": [{"online": True, "maximum": "50"}]})
    browser = customer_with_a_ticket(shop)
    form = donation_form(browser.get("/shop/basket"))
    form["amount"] = "£50.01"
    page = form.submit(status=409)
    assert "A single donation may be at most 50.00; 50.01 is more" in text(page)
    assert donations(shop) == []


def test_loading_the_flag_again_changes_nothing(shop):
    shop.load({"donations": [{"online": True}]})
    browser = customer_with_a_ticket(shop)
    assert donation_form(browser.get("/shop/basket")) is not None


def test_without_the_season_flag_no_donation_is_offered(shop):
    shop.load({"donations": [{}]})                  # the flag left out: off
    browser = customer_with_a_ticket(shop)
    page = browser.get("/shop/basket")
    assert donation_form(page) is None and "Add a donation" not in text(page)
    # The form of an offer that has gone is refused, not obeyed.
    csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)[1]
    sent = {"csrf_token": csrf, "formid": "0123456789abcdef", "offer": "donation", "amount": "5"}
    browser.post("/shop/basket/offer", sent, status=400)
    assert donations(shop) == []
