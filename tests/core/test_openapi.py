"""``GET /v2/openapi.json``, ``xts2 openapi CONFIG`` and ``baskets/getitemtypes``: the OpenAPI
3.1 description of exactly what is installed, generated from the declared schemas."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest
from openapi_spec_validator import validate

from xts2_core import BasketFilter, Field, Int, ItemType, NewItem, Params
from xts2_core.testing import write_ini


def document(app):
    resp = app.get("/v2/openapi.json")
    assert resp.content_type == "application/json"
    return resp.json


def param(op, name):
    found = [p for p in op["parameters"] if p["name"] == name]
    assert len(found) == 1, f"{name} in {[p['name'] for p in op['parameters']]}"
    return found[0]


def test_the_document_is_valid_openapi_3_1_and_lists_the_item_types(xts2_testapp):
    doc = document(xts2_testapp)
    validate(doc)  # openapi-spec-validator: raises on an invalid document
    assert doc["openapi"] == "3.1.0"
    additem = doc["paths"]["/v2/baskets/additem"]["get"]
    assert param(additem, "type")["schema"]["enum"] == ["cafe", "donation", "payment", "ticket"]
    quantity = param(additem, "item.tickettype")
    assert quantity["schema"] == {"type": "integer", "minimum": 1,
                                  "maximum": 9223372036854775807}
    # Required unless item.refundof names the sold item a refund reverses (then taken from it).
    assert "ticket type" in quantity["description"] and "item.refundof" in quantity["description"]
    ticket = doc["components"]["schemas"]["ItemType.ticket"]
    assert ticket["title"] == "Ticket" and "required" not in ticket
    assert ticket["properties"]["refundof"]["type"] == "integer"
    assert ticket["properties"]["quantity"] == {
        "type": "integer", "minimum": 1, "maximum": 50, "default": 1,
        "description": "How many tickets."}
    assert doc["x-xts2-item-types"]["ticket"] == {"$ref": "#/components/schemas/ItemType.ticket",
                                                  "plugin": "tickets"}
    assert additem["x-xts2-item-types"] == doc["x-xts2-item-types"]
    amount = doc["components"]["schemas"]["ItemType.payment"]["properties"]["amount"]
    assert amount["type"] == "string" and amount["x-xts2-exclusiveMinimum"] == "0.00"


def test_every_command_is_a_get_and_a_post_with_its_params(xts2_testapp):
    doc = document(xts2_testapp)
    index = xts2_testapp.get("/v2", {"format": "json"}).json
    listed = {f"/v2/{s['name']}/{c['name']}": c for s in index["servlets"] for c in s["command"]}
    described = {p for p in doc["paths"] if p.count("/") == 3}
    assert described == set(listed)
    for path, command in listed.items():
        get, post = doc["paths"][path]["get"], doc["paths"][path]["post"]
        names = {p["name"] for p in get["parameters"]}
        assert set(post["requestBody"]["content"]["application/x-www-form-urlencoded"]
                   ["schema"]["properties"]) == names
        assert ("opid" in names) == command["changesstate"], path
        assert get["x-xts2-access"] == command["access"]
        assert get["security"] == {"public": [], "terminal": [
            {"terminalKey": []}, {"terminalKeyParam": []}], "admin": [
            {"adminPassword": []}, {"adminPasswordParam": []}]}[command["access"]]
        assert set(get["responses"]) == {"200", "400", "401", "403", "404", "405", "409", "429",
                                         "500"}
    programme = doc["paths"]["/v2/tickets/getprogramme"]["get"]
    assert param(programme, "days")["schema"] == {"type": "integer", "minimum": 1,
                                                  "maximum": 366, "default": 14}
    assert param(programme, "from")["required"] is False
    expiry = param(doc["paths"]["/v2/baskets/newbasket"]["get"], "expiry")  # optional, bounded
    assert (expiry["required"], expiry["schema"]["minimum"], expiry["schema"]["maximum"]) == (
        False, 30, 604800)
    assert not {"ge", "le", "gt", "lt"} & set(expiry["schema"])
    counts = param(doc["paths"]["/v2/tickets/getticketcounts"]["get"], "performance")
    assert (counts["required"], counts["style"], counts["explode"]) == (True, "form", False)
    assert counts["schema"]["maxItems"] == 100
    report = doc["paths"]["/v2/xts/report"]["get"]
    assert param(report, "type")["schema"]["enum"] == ["donations", "performance", "show",
                                                       "takings"]
    assert param(report, "format")["schema"]["enum"] == ["xml", "json", "csv", "html"]
    assert "takings" in param(report, "terminal")["description"]
    assert doc["components"]["schemas"]["ReportType.takings"]["required"] == ["from"]
    # The index lists the same report types, for a client to offer (xml as json).
    index = xts2_testapp.get("/v2", {"format": "json"}).json
    assert [r["type"] for r in index["reports"]] == param(report, "type")["schema"]["enum"]
    assert {"type": "takings", "title": "Takings"} in index["reports"]
    root = ElementTree.fromstring(xts2_testapp.get("/v2").body)
    assert [(r.get("type"), r.get("title")) for r in root.find("reports")] == [
        (r["type"], r["title"]) for r in index["reports"]]
    giftaid = param(doc["paths"]["/v2/baskets/getbaskets"]["get"], "giftaid")
    assert giftaid["schema"] == {"type": "boolean"} and "Gift Aid" in giftaid["description"]


def test_security_schemes_and_the_error_envelope(xts2_testapp):
    doc = document(xts2_testapp)
    schemes = doc["components"]["securitySchemes"]
    assert {(s["in"], s["name"]) for s in schemes.values()} == {
        ("header", "X-XTS2-Key"), ("query", "terminalkey"),
        ("header", "X-XTS2-Password"), ("query", "password")}
    error = doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]
    assert "basket_expired" in error["code"]["enum"] and "internal" in error["code"]["enum"]
    not_found = doc["components"]["responses"]["error404"]["content"]["application/json"]
    assert not_found["schema"]["allOf"][1]["properties"]["error"]["properties"]["code"] == {
        "enum": ["unknown_servlet", "unknown_command", "not_found"]}
    ok = doc["paths"]["/v2/tickets/getshows"]["get"]["responses"]["200"]["content"]
    assert list(ok) == ["application/xml", "application/json"]  # XML first: the default


def test_only_what_is_installed(xts2_app_factory):
    doc = document(xts2_app_factory(plugins=[]))
    validate(doc)
    assert {p.split("/")[2] for p in doc["paths"] if p.count("/") == 3} == {"baskets", "xts"}
    assert doc["x-xts2-item-types"] == {}
    additem = doc["paths"]["/v2/baskets/additem"]["get"]
    assert [p["name"] for p in additem["parameters"]] == ["basket", "type", "format", "opid"]
    doc = document(xts2_app_factory(plugins=["donations"]))
    assert list(doc["x-xts2-item-types"]) == ["donation"]
    assert doc["x-xts2-plugins"][0]["name"] == "donations"


class Coats(Params):
    coats: Int = Field(1, ge=1, le=10, description="How many coats.")


def test_a_plugin_s_item_type_and_filter_are_described(xts2_app_factory, xts2_plugin):
    plugin = xts2_plugin(
        register_item_types=lambda: [ItemType("cloakroom", Coats, "Cloakroom", "Coats.")],
        validate_add_item=lambda item_type: None,
        register_basket_filters=lambda: [BasketFilter("coats", Int, lambda r, q, v: q,
                                                      "baskets with coats")])
    app = xts2_app_factory(plugins=[], extra=[("cloakroom", plugin)])
    doc = document(app)
    validate(doc)
    coats = param(doc["paths"]["/v2/baskets/additem"]["get"], "item.coats")
    assert coats["schema"] == {"type": "integer", "minimum": 1, "maximum": 10, "default": 1}
    assert doc["components"]["schemas"]["ItemType.cloakroom"]["description"] == "Coats."
    flt = param(doc["paths"]["/v2/baskets/getbaskets"]["get"], "coats")
    assert flt["description"] == "baskets with coats"


def test_the_document_is_public_and_cacheable(xts2_testapp):
    resp = xts2_testapp.get("/v2/openapi.json")
    assert resp.headers["Cache-Control"] == "public, max-age=300"
    again = xts2_testapp.get("/v2/openapi.json", headers={"If-None-Match": resp.headers["ETag"]},
                             status=304)
    assert again.body == b""
    resp = xts2_testapp.post("/v2/openapi.json", {"format": "json"}, status=405)
    assert resp.json["error"]["code"] == "method_not_allowed"


def test_get_v2_links_the_document(xts2_testapp):
    assert xts2_testapp.get("/v2", {"format": "json"}).json["openapi"] == {
        "href": "/v2/openapi.json"}
    assert b'<openapi href="/v2/openapi.json"/>' in xts2_testapp.get("/v2").body


def test_getitemtypes_publishes_each_type_s_parameters(xts2_testapp):
    types = {t["name"]: t for t in xts2_testapp.call("baskets/getitemtypes")["itemtypes"]}
    assert sorted(types) == ["cafe", "donation", "payment", "ticket"]
    ticket = types["ticket"]
    assert (ticket["title"], ticket["plugin"], ticket["declared"]) == ("Ticket", "tickets", True)
    params = {p["name"]: p for p in ticket["param"]}
    assert params["item.quantity"] == {"name": "item.quantity", "required": False,
                                       "type": "integer", "default": 1, "minimum": 1,
                                       "maximum": 50, "text": "How many tickets."}
    assert params["item.performance"]["required"] is False  # not with item.refundof
    assert "item.refundof" in params["item.performance"]["text"]
    amount = {p["name"]: p for p in types["payment"]["param"]}["item.amount"]
    assert (amount["type"], amount["exclusiveminimum"]) == ("string", "0.00")
    assert xts2_testapp.call("baskets/getitemtypes", key=False, status=401)


def test_a_bare_name_type_is_described_as_undeclared(xts2_app_factory, xts2_plugin):
    with pytest.warns(DeprecationWarning):
        app = xts2_app_factory(plugins=[], extra=[("old", xts2_plugin(
            register_item_types=lambda: ["old"],
            validate_add_item=lambda: NewItem(1, 0, "Old")))])
    doc = document(app)
    validate(doc)
    assert doc["components"]["schemas"]["ItemType.old"] == {
        "type": "object", "additionalProperties": True, "title": "Old"}
    old = app.call("baskets/getitemtypes")["itemtypes"][0]
    assert (old["name"], old["declared"], old.get("param", [])) == ("old", False, [])


@pytest.mark.slow
def test_xts2_openapi_prints_the_same_document(tmp_path, xts2_database_url, xts2_cli,
                                               xts2_app_factory):
    ini = write_ini(tmp_path / "app.ini", xts2_database_url, plugins=["tickets", "money"])
    printed = json.loads(xts2_cli("openapi", ini).stdout)
    served = document(xts2_app_factory(plugins=["tickets", "money"]))
    assert printed == served
    assert sorted(printed["x-xts2-item-types"]) == ["payment", "ticket"]
