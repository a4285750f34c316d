"""Every error of API.md §8, in XML and in JSON: HTTP status, code, param, a message, and the
envelope naming servlet and command."""

from __future__ import annotations

import pytest
from basket_calls import add_widget, new_basket
from lxml import etree


@pytest.fixture
def world(app, xts2_clock):
    """Baskets in every state the errors need."""
    empty = new_basket(app)["id"]
    unbalanced = new_basket(app)["id"]
    item = add_widget(app, unbalanced, "4")["item"]["id"]
    closed = new_basket(app)["id"]
    add_widget(app, closed, "0")
    app.call("baskets/closebasket", {"basket": closed})
    expired = new_basket(app, expiry=30)["id"]
    xts2_clock.advance(31)
    return {"empty": empty, "unbalanced": unbalanced, "item": item, "closed": closed,
            "expired": expired}


CASES = [
    # (command, params (formatted with world), admin, http, code, param, message part)
    ("additem", {"basket": "{closed}", "type": "widget", "item.price": "1"}, False,
     409, "basket_closed", None, "closed"),
    ("openbasket", {"basket": "{empty}"}, True, 409, "basket_open", None, "open"),
    ("getbasket", {"basket": "{expired}"}, False, 409, "basket_expired", None, "expired"),
    ("closebasket", {"basket": "{unbalanced}"}, False, 409, "basket_not_balanced", None, "4.00"),
    ("closebasket", {"basket": "{empty}"}, False, 409, "basket_empty", None, "empty"),
    ("additem", {"basket": "{empty}", "type": "widget", "item.price": "1",
                 "item.reject": "Out of widgets"}, False,
     409, "item_rejected", "item.reject", "Out of widgets"),
    ("getbasket", {"basket": "9999"}, False, 404, "not_found", "basket", "9999"),
    ("removeitem", {"basket": "{empty}", "item": "{item}"}, False, 404, "not_found", "item", ""),
    ("moveitem", {"item": "9999", "to": "{empty}"}, False, 404, "not_found", "item", "9999"),
    ("moveitem", {"item": "{item}", "to": "9999"}, False, 404, "not_found", "to", "9999"),
    ("moveitem", {"item": "{item}", "to": "{unbalanced}"}, False, 409, "conflict", None, ""),
    ("additem", {"basket": "{empty}", "type": "nope"}, False, 400, "bad_param", "type", "widget"),
    ("additem", {"basket": "{empty}", "type": "widget", "item.quantity": "2"}, False,
     400, "bad_param", "item.price", "item.price"),
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[4]}-{c[5]}")
def test_error(app, world, fmt, case):
    command, params, admin, http, code, param, part = case
    params = {k: v.format(**world) for k, v in params.items()}
    resp = app.call(f"baskets/{command}", params, admin=admin, status=http, fmt=fmt)
    if fmt == "json":
        body = resp
        assert resp_ok_envelope(body, command)
        err = body["error"]
        assert (err["code"], err["param"]) == (code, param)
        message = err["message"]
    else:
        root = etree.fromstring(resp.body)
        assert resp.content_type == "application/xml"
        assert (root.get("status"), root.get("servlet"), root.get("command")) == (
            "error", "baskets", command)
        (err,) = root
        assert err.tag == "error" and (err.get("code"), err.get("param")) == (code, param)
        message = err.text
    assert message and part in message


def resp_ok_envelope(body, command):
    return (body["status"], body["servlet"], body["command"]) == ("error", "baskets", command)
