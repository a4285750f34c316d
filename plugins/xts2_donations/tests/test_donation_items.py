"""The ``donation`` item type through the real app: parameters, snapshot, description, maximum."""

from __future__ import annotations

import importlib.metadata

import pytest
from donations_till import make_till

from xts2_core import SeasonError


@pytest.fixture
def till(xts2_app_factory, xts2_plugin):
    return make_till(xts2_app_factory, xts2_plugin)


def test_a_gift_aid_donation_is_added_and_described(till):
    basket = till.basket()
    answer = till.donate(basket, "10", giftaid="yes", donor="  Jane Smith ", postcode="sw1a1aa")

    item = answer["item"]
    assert item["type"] == "donation"
    assert (item["quantity"], item["unitprice"], item["value"]) == (1, "10.00", "10.00")
    assert item["description"] == "Donation from Jane Smith (Gift Aid)"
    assert item["donation"] == {"giftaid": True, "donor": "Jane Smith", "postcode": "SW1A 1AA"}
    assert answer["basket"]["value"] == "10.00"

    root = till.app.xml("baskets/getbasket", {"basket": basket})
    (donation,) = root.findall("basket/item/donation")
    assert dict(donation.attrib) == {"giftaid": "true", "donor": "Jane Smith",
                                     "postcode": "SW1A 1AA"}


def test_an_anonymous_donation_has_no_donor(till):
    basket = till.basket()
    item = till.donate(basket, "2.50")["item"]
    assert item["description"] == "Donation"
    assert item["donation"] == {"giftaid": False}
    root = till.app.xml("baskets/getbasket", {"basket": basket})
    assert dict(root.find("basket/item/donation").attrib) == {"giftaid": "false"}


def test_a_donor_may_give_a_name_without_gift_aid(till):
    item = till.donate(till.basket(), "5", donor="Sam Lee")["item"]
    assert item["description"] == "Donation from Sam Lee"
    assert item["donation"] == {"giftaid": False, "donor": "Sam Lee"}


@pytest.mark.parametrize("postcode, kept", [
    ("EC1A 1BB", "EC1A 1BB"), ("w1a0ax", "W1A 0AX"), ("M1 1AE", "M1 1AE"),
    ("b33 8th", "B33 8TH"), ("CR2 6XH", "CR2 6XH"), ("DN55 1PT", "DN55 1PT"),
])
def test_postcodes_are_kept_in_one_form(till, postcode, kept):
    item = till.donate(till.basket(), "1", giftaid=True, donor="A", postcode=postcode)["item"]
    assert item["donation"]["postcode"] == kept


@pytest.mark.parametrize("item, param", [
    ({}, "item.amount"),
    ({"amount": "0"}, "item.amount"),
    ({"amount": "-5"}, "item.amount"),
    ({"amount": "1.234"}, "item.amount"),
    ({"amount": "ten"}, "item.amount"),
    ({"amount": "5", "giftaid": "maybe"}, "item.giftaid"),
    ({"amount": "5", "giftaid": "1", "postcode": "SW1A 1AA"}, "item.donor"),
    ({"amount": "5", "giftaid": "1", "donor": "   ", "postcode": "SW1A 1AA"}, "item.donor"),
    ({"amount": "5", "giftaid": "1", "donor": "Jane"}, "item.postcode"),
    ({"amount": "5", "giftaid": "1", "donor": "Jane", "postcode": "12345"}, "item.postcode"),
    ({"amount": "5", "postcode": "SW1A 1AA X"}, "item.postcode"),
    ({"amount": "5", "donor": "x" * 101}, "item.donor"),
])
def test_bad_item_parameters_are_named(till, item, param):
    basket = till.basket()
    params = {"basket": basket, "type": "donation", **{f"item.{k}": v for k, v in item.items()}}
    error = till.app.call("baskets/additem", params, status=400)["error"]
    assert (error["code"], error["param"]) == ("bad_param", param)
    assert till.app.call("baskets/getbasket", {"basket": basket})["basket"]["value"] == "0.00"


def test_the_default_maximum_is_1000(till):
    basket = till.basket()
    till.donate(basket, "1000.00")
    error = till.donate(basket, "1000.01", status=409)["error"]
    assert (error["code"], error["param"]) == ("item_rejected", "item.amount")
    assert "1000.00" in error["message"]
    assert till.app.call("baskets/getbasket", {"basket": basket})["basket"]["value"] == "1000.00"


def test_the_season_sets_the_maximum(till):
    till.app.load({"donations": [{"maximum": "500.00"}]})
    basket = till.basket()
    till.donate(basket, "500")
    error = till.donate(basket, "500.01", status=409)["error"]
    assert error["code"] == "item_rejected"
    assert "at most 500.00" in error["message"]

    # Loading the same file again changes nothing; a new value replaces the old one.
    till.app.load({"donations": [{"maximum": "500.00"}]})
    till.donate(basket, "500.01", status=409)
    till.app.load({"donations": [{"maximum": "750"}]})
    till.donate(basket, "750.00")
    till.donate(basket, "750.01", status=409)
    # An entry without a maximum goes back to the default.
    till.app.load({"donations": [{}]})
    till.donate(basket, "1000.00")


def test_a_maximum_written_as_a_yaml_number_is_taken_as_written(till):
    till.app.load({"donations": [{"maximum": 50}]})  # YAML ``maximum: 50`` is the number 50
    basket = till.basket()
    till.donate(basket, "50.00")
    till.donate(basket, "50.01", status=409)
    till.app.load({"donations": [{"maximum": 12.5}]})
    till.donate(basket, "12.50")
    till.donate(basket, "12.51", status=409)
    till.app.load({"donations": [{"maximum": 4.35}]})  # 434.99999999999994 pence as floats
    till.donate(basket, "4.35")
    till.donate(basket, "4.36", status=409)


@pytest.mark.parametrize("section, words", [
    ([{"maximum": "0"}], "greater than 0"),
    ([{"maximum": "-10"}], "greater than 0"),
    ([{"maximum": "12.345"}], "two decimal places"),
    ([{"maximum": 12.345}], "two decimal places"),  # YAML ``maximum: 12.345``
    ([{"maximum": float("nan")}], "not NaN or infinity"),
    ([{"maximum": True}], "amount"),
    ([{"maximum": "500", "minimum": "1"}], "minimum"),
    ([{"maximum": "500"}, {"maximum": "600"}], "one entry"),
])
def test_a_bad_donations_section_changes_nothing(till, section, words):
    till.app.load({"donations": [{"maximum": "20"}]})
    with pytest.raises(SeasonError) as exc:
        till.app.load({"donations": section})
    assert "donations" in str(exc.value) and words in str(exc.value)
    basket = till.basket()
    till.donate(basket, "20")
    till.donate(basket, "20.01", status=409)


def test_getstats_names_the_plugin_and_counts_closed_donations(till):
    basket = till.basket()
    till.donate(basket, "5")
    till.donate(till.basket(), "7")  # left open: not counted
    till.settle(basket)
    stats = till.app.call("xts/getstats")["stats"]
    plugins = {p["name"]: p for p in stats["plugin"]}
    assert plugins["donations"]["distribution"] == "xts2-donations"
    assert plugins["donations"]["itemtypes"] == "donation"
    counts = {c["name"]: c["text"] if isinstance(c, dict) else c for c in stats["count"]}
    assert counts["donations"] == 1


def installed_plugins() -> list[str]:
    return sorted(ep.name for ep in importlib.metadata.entry_points(group="xts2"))


@pytest.mark.parametrize("how", ["plugins", "disable"])
def test_without_the_plugin_donation_is_an_unknown_type(xts2_app_factory, how):
    others = [name for name in installed_plugins() if name != "donations"]
    if how == "plugins":
        app = xts2_app_factory(plugins=others)
    else:
        app = xts2_app_factory(**{"xts2.plugins.disable": "donations"})
    basket = app.call("baskets/newbasket")["basket"]["id"]
    error = app.call("baskets/additem", {"basket": basket, "type": "donation",
                                         "item.amount": "5"}, status=400)["error"]
    assert (error["code"], error["param"]) == ("bad_param", "type")
    assert "donation" in error["message"]
    types = app.registry["xts2.item_types"]
    assert "donation" not in types
    assert "installed types: " + (", ".join(sorted(types)) or "none") in error["message"]

    # The server works on: the basket, the other commands, getstats without the plugin.
    assert app.call("baskets/getbasket", {"basket": basket})["basket"]["value"] == "0.00"
    stats = app.call("xts/getstats")["stats"]
    assert "donations" not in {p["name"] for p in stats.get("plugin", [])}
    # Its filter, report and season section are gone with it.
    listed = app.call("baskets/getbaskets", {"giftaid": "true"})
    assert [b["id"] for b in listed["baskets"]] == [basket]  # an unknown parameter is ignored
    error = app.call("xts/report", {"type": "donations", "from": "2026-01-01"}, admin=True,
                     status=400)["error"]
    assert (error["code"], error["param"]) == ("bad_param", "type")
    with pytest.raises(SeasonError, match="donations"):
        app.load({"donations": [{"maximum": "10"}]})


@pytest.mark.live
def test_a_donation_over_a_real_server(xts2_live_server):
    server = xts2_live_server(plugins=["donations"])
    status, body = server.call("baskets/newbasket")
    assert status == 200, body
    basket = body["basket"]["id"]
    status, body = server.call("baskets/additem", {
        "basket": basket, "type": "donation", "item.amount": "12.50", "item.giftaid": "true",
        "item.donor": "Ann Other", "item.postcode": "LS1 4AP"})
    assert status == 200, body
    assert body["item"]["donation"] == {"giftaid": True, "donor": "Ann Other",
                                           "postcode": "LS1 4AP"}
    assert body["basket"]["value"] == "12.50"
    status, body = server.call("baskets/additem", {"basket": basket, "type": "donation",
                                                   "item.amount": "5000"})
    assert (status, body["error"]["code"]) == (409, "item_rejected")
