"""Item types declare their ``item.*`` parameters (``ItemType``); the core parses them once,
before ``validate_add_item``, and hands the provider the parsed model."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import BeforeValidator

from xts2_core import Field, Int, ItemType, MoneyParam, NewItem, Params
from xts2_core.plugins import PluginError

PARSED: list[str] = []


def _counted(value: Any) -> Any:
    PARSED.append(value)
    return value


class CountedParams(Params):
    amount: MoneyParam = Field(gt=0, description="an amount")
    count: Annotated[Int, BeforeValidator(_counted)] = Field(1, ge=1, le=3,
                                                             description="how many")


def _plugin(xts2_plugin: Any, itype: Any, seen: list[Any]) -> Any:
    def register_item_types():
        return [itype]

    def validate_add_item(item_type, item_params):
        if item_type != "counted":
            return None
        seen.append(item_params)
        return NewItem(quantity=item_params.count, unit_price=item_params.amount,
                       description="Counted")

    return xts2_plugin(register_item_types, validate_add_item)


@pytest.fixture
def counted(xts2_app_factory, xts2_plugin):
    seen: list[Any] = []
    itype = ItemType("counted", CountedParams, "Counted", "a test item type")
    app = xts2_app_factory(plugins=[], extra=[("counted", _plugin(xts2_plugin, itype, seen))])
    PARSED.clear()
    return app, seen


def new_basket(app: Any) -> int:
    return app.call("baskets/newbasket")["basket"]["id"]


def test_the_provider_gets_the_parsed_model_parsed_once(counted):
    app, seen = counted
    basket = new_basket(app)
    item = app.call("baskets/additem", {"basket": basket, "type": "counted",
                                        "item.amount": "2.5", "item.count": "2"})["item"]
    parsed = list(PARSED)
    assert parsed == ["2"]  # the core parsed item.count once; the provider parsed nothing
    assert (item["quantity"], item["unitprice"], item["value"]) == (2, "2.50", "5.00")
    assert seen == [CountedParams(amount=250, count=2)]


@pytest.mark.parametrize("params, param", [
    ({}, "item.amount"),                                          # missing
    ({"item.amount": "0"}, "item.amount"),                        # out of range
    ({"item.amount": "1.234"}, "item.amount"),                    # malformed money
    ({"item.amount": "1", "item.count": "4"}, "item.count"),      # above le=3
    ({"item.amount": ["1", "2"]}, "item.amount"),                 # repeated
])
def test_bad_item_params_are_bad_param_before_the_provider_is_asked(counted, params, param):
    app, seen = counted
    basket = new_basket(app)
    error = app.call("baskets/additem", {"basket": basket, "type": "counted", **params},
                     status=400)["error"]
    assert (error["code"], error["param"]) == ("bad_param", param)
    assert param in error["message"]
    assert seen == []
    assert app.call("baskets/getbasket", {"basket": basket})["basket"].get("item", []) == []


@pytest.mark.parametrize("itype, param, value", [
    ("ticket", "item.quantity", "51"),
    ("ticket", "item.performance", "x"),
    ("cafe", "item.quantity", "0"),
    ("payment", "item.amount", "-1"),
    ("donation", "item.postcode", "not a postcode"),
])
def test_every_shipped_provider_answers_bad_param_alike(xts2_testapp, itype, param, value):
    basket = new_basket(xts2_testapp)
    params = {"basket": basket, "type": itype, "item.performance": 1, "item.tickettype": 1,
              "item.stock": 1, "item.paymenttype": "cash", "item.amount": "1.00", param: value}
    error = xts2_testapp.call("baskets/additem", params, status=400)["error"]
    assert error == {"code": "bad_param", "param": param, "message": error["message"]}
    assert error["message"].startswith(f"parameter '{param}' ")


def test_a_bare_name_still_works_with_a_deprecation_warning(xts2_app_factory, xts2_plugin,
                                                            caplog):
    seen = []

    def register_item_types():
        return ["legacy"]

    def validate_add_item(item_type, params, item_params):
        if item_type != "legacy":
            return None
        seen.append((params.get("item.n"), item_params))
        return NewItem(quantity=1, unit_price=0, description="Legacy")

    with pytest.warns(DeprecationWarning, match="'legacy' as a bare name, which is deprecated"):
        app = xts2_app_factory(plugins=[], extra=[("legacy", xts2_plugin(
            register_item_types, validate_add_item))])
    assert "'legacy' as a bare name" in caplog.text
    basket = new_basket(app)
    app.call("baskets/additem", {"basket": basket, "type": "legacy", "item.n": "x"})
    assert seen == [("x", None)]  # not parsed by the core: the provider reads params, as before


@pytest.mark.parametrize("entry, message", [
    ("Not A Name", "a name is 1 to 32 of a-z, 0-9 and _"),
    (42, "return xts2_core.ItemType objects"),
])
def test_a_bad_registration_stops_startup(xts2_app_factory, xts2_plugin, entry, message):
    plugin = xts2_plugin(register_item_types=lambda: [entry])
    with pytest.raises(PluginError, match=message):
        xts2_app_factory(plugins=[], extra=[("bad", plugin)])


def test_item_type_checks_its_declaration():
    with pytest.raises(ValueError, match="a name is"):
        ItemType("Ticket", CountedParams)
    with pytest.raises(TypeError, match="params must be a Params subclass"):
        ItemType("thing", dict)  # type: ignore[arg-type]
    assert ItemType("gift_card").title == "Gift card"
