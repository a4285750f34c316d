"""``opid`` on basket commands: a repeat with the same terminal and opid changes nothing and
answers the first answer again (``X-XTS2-Replayed: true``); another terminal may use the same opid."""

from __future__ import annotations

from basket_calls import add_widget, audit_rows, error, new_basket, rows

OTHER_KEY = "second-terminal-key-0001"


def get(app, path, params, key=None, status=200):
    p = {"terminalkey": key or app.terminal_key, "format": "json", **params}
    return app.get(f"/v2/{path}", p, status=status)


def items(app, basket):
    return rows(app, "SELECT id FROM core_basket_item WHERE basket_id = :b", b=basket)


def test_additem_replayed(app, provider):
    b = new_basket(app)["id"]
    params = {"basket": b, "type": "widget", "item.price": "3", "opid": "sale-1.add_1"}
    first = get(app, "baskets/additem", params)
    assert "X-XTS2-Replayed" not in first.headers
    second = get(app, "baskets/additem", params)
    assert second.headers["X-XTS2-Replayed"] == "true"
    assert second.body == first.body and second.status_code == first.status_code
    assert len(items(app, b)) == 1
    assert [e for e in provider.names() if e == "item_added"] == ["item_added"]
    assert [r.command for r in audit_rows(app, b)] == ["newbasket", "additem"]
    # The replay is the first answer even after the basket changed since.
    add_widget(app, b, "4")
    third = get(app, "baskets/additem", params)
    assert third.body == first.body and third.json["basket"]["value"] == "3.00"
    assert len(items(app, b)) == 2


def test_replay_in_xml_answers_what_was_first_answered(app):
    b = new_basket(app)["id"]
    params = {"basket": b, "type": "widget", "item.price": "3", "opid": "x1"}
    first = app.get("/v2/baskets/additem", {**params, "terminalkey": app.terminal_key})
    assert first.content_type == "application/xml"
    again = app.get("/v2/baskets/additem", {**params, "terminalkey": app.terminal_key})
    assert again.body == first.body and again.headers["X-XTS2-Replayed"] == "true"
    assert len(items(app, b)) == 1


def test_other_terminal_may_reuse_the_opid(app):
    app.add_terminal("Second", OTHER_KEY)
    b = new_basket(app)["id"]
    params = {"basket": b, "type": "widget", "item.price": "3", "opid": "same-opid"}
    one = get(app, "baskets/additem", params)
    two = get(app, "baskets/additem", params, key=OTHER_KEY)
    assert "X-XTS2-Replayed" not in two.headers
    assert one.json["item"]["id"] != two.json["item"]["id"]
    assert len(items(app, b)) == 2
    assert get(app, "baskets/additem", params, key=OTHER_KEY).headers["X-XTS2-Replayed"] == "true"
    assert len(items(app, b)) == 2


def test_a_failed_request_is_not_remembered(app):
    b = new_basket(app)["id"]
    refused = {"basket": b, "type": "widget", "item.price": "3", "item.reject": "Not now",
               "opid": "try-1"}
    assert error(get(app, "baskets/additem", refused, status=409).json)[0] == "item_rejected"
    ok = get(app, "baskets/additem", {**refused, "item.reject": ""})
    assert "X-XTS2-Replayed" not in ok.headers and len(items(app, b)) == 1


def test_other_basket_commands_replay(app):
    b = new_basket(app)["id"]
    first = get(app, "baskets/newbasket", {"opid": "nb"})
    again = get(app, "baskets/newbasket", {"opid": "nb"})
    assert again.json == first.json and again.headers["X-XTS2-Replayed"] == "true"
    assert rows(app, "SELECT count(*) FROM core_basket") == [(2,)]

    add_widget(app, b, "5")
    add_widget(app, b, "-5")
    first = get(app, "baskets/closebasket", {"basket": b, "opid": "close"})
    again = get(app, "baskets/closebasket", {"basket": b, "opid": "close"})
    assert again.json == first.json and again.json["basket"]["state"] == "closed"
    # Without the opid, the second close is what it is: basket_closed.
    assert error(get(app, "baskets/closebasket", {"basket": b}, status=409).json)[0] == (
        "basket_closed")
    assert [r.command for r in audit_rows(app, b)].count("closebasket") == 1

    c = new_basket(app)["id"]
    d = new_basket(app)["id"]
    moving = add_widget(app, c, "2")["item"]["id"]
    first = get(app, "baskets/moveitem", {"item": moving, "to": d, "opid": "mv"})
    again = get(app, "baskets/moveitem", {"item": moving, "to": d, "opid": "mv"})
    assert again.json == first.json
    assert [r.command for r in audit_rows(app, d)].count("moveitem") == 1


def test_bad_opid(app):
    b = new_basket(app)["id"]
    for opid in ("", "has space", "x" * 65, "é"):
        body = get(app, "baskets/additem", {"basket": b, "type": "widget", "item.price": "1",
                                            "opid": opid}, status=400).json
        assert error(body) == ("bad_param", "opid"), opid
    assert items(app, b) == []
