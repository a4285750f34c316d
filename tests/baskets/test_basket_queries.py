"""Rendering baskets takes a constant number of SQL statements, however many items or baskets:
counted with ``app.statements()`` (a listener on the app's engine), at two sizes."""

from __future__ import annotations

from datetime import timedelta

from basket_calls import add_widget, new_basket

from xts2_core.models import Basket, BasketItem


def statements(app, path, params, **kw) -> list[str]:
    with app.statements() as seen:
        app.call(path, params, **kw)
    return seen


def basket_of(app, n: int) -> int:
    b = new_basket(app)["id"]
    for i in range(n):
        add_widget(app, b, "1.25", name=f"Widget {i}")
    return b


def test_getbasket_is_constant(app):
    small, large = basket_of(app, 20), basket_of(app, 200)
    q_small = statements(app, "baskets/getbasket", {"basket": small})
    q_large = statements(app, "baskets/getbasket", {"basket": large})
    print(f"getbasket: {len(q_small)} statements for 20 items, {len(q_large)} for 200")
    assert len(q_small) == len(q_large), (q_small, q_large)
    assert len(q_large) <= 5, q_large
    body = app.call("baskets/getbasket", {"basket": large})["basket"]
    assert len(body["item"]) == 200 and body["value"] == "250.00"
    # The changes that answer with the whole basket are constant too.
    for path, params in (("baskets/additem", {"type": "widget", "item.price": "1"}),
                         ("baskets/touchbasket", {}),
                         ("baskets/setmetadata", {"key": "k", "value": "v"})):
        counts = [len(statements(app, path, {"basket": b, **params})) for b in (small, large)]
        assert counts[0] == counts[1], path


def seed_baskets(app, n: int, start: int) -> None:
    """``n`` baskets with two items each, written directly (set-up speed)."""
    now = app.registry["xts2.clock"].now()
    with app.session() as s:
        for i in range(n):
            b = Basket(state="open", persistent=False, created=now + timedelta(seconds=start + i),
                       expires=now + timedelta(days=1), terminal_id=None)
            s.add(b)
            s.flush()
            s.add_all([BasketItem(basket_id=b.id, type="widget", quantity=2, unit_price=150,
                                  description="W", detail={"name": "W", "refuse_close": False},
                                  added=now),
                       BasketItem(basket_id=b.id, type="voucher", quantity=1, unit_price=-100,
                                  description="V", detail={"amount": 100}, added=now)])


def test_getbaskets_is_constant(app):
    seed_baskets(app, 100, 0)
    q_100 = statements(app, "baskets/getbaskets", {"limit": 1000})
    seed_baskets(app, 900, 100)
    q_1000 = statements(app, "baskets/getbaskets", {"limit": 1000})
    print(f"getbaskets: {len(q_100)} statements for 100 baskets, {len(q_1000)} for 1000")
    assert len(q_100) == len(q_1000), (q_100, q_1000)
    assert len(q_1000) <= 5, q_1000
    body = app.call("baskets/getbaskets", {"limit": 1000})
    assert body["total"] == 1000 and len(body["baskets"]) == 1000
    assert {b["value"] for b in body["baskets"]} == {"2.00"}
    # With every filter at once, still constant.
    params = {"limit": 1000, "name": "x", "state": "open", "persistent": "false",
              "contains": "widget", "excludes": "voucher", "widget": "W"}
    assert len(statements(app, "baskets/getbaskets", params)) == len(q_1000)


def _kinds(q: list[str]) -> list[str]:
    """``SELECT core_terminal``, ``INSERT core_basket``…: each statement's verb and first table."""
    out = []
    for s in q:
        words = s.split()
        verb = words[0].upper()
        if verb in ("BEGIN", "COMMIT", "ROLLBACK"):
            continue
        marker = {"SELECT": "FROM", "INSERT": "INTO", "UPDATE": "UPDATE", "DELETE": "FROM"}[verb]
        out.append(f"{verb} {words[words.index(marker) + 1].strip(chr(34))}")
    return out


def test_writes_read_back_nothing_they_wrote(app):
    """A new basket, a new item and the basket's changes are written by one statement each and
    rendered from what was written: no statement reloads a row the command just wrote."""
    with app.statements() as q:
        b = new_basket(app)["id"]
    assert _kinds(q) == ["SELECT core_terminal", "INSERT core_basket", "INSERT core_audit"]
    with app.statements() as q:
        add_widget(app, b, "1.00", forever=1)       # the provider keeps the basket for ever
    assert _kinds(q) == ["SELECT core_terminal", "SELECT core_basket", "INSERT core_basket_item",
                         "UPDATE core_basket", "INSERT core_audit", "SELECT core_basket_item"]
    app.call("baskets/additem", {"basket": b, "type": "voucher", "item.amount": "1"})
    with app.statements() as q:
        closed = app.call("baskets/closebasket", {"basket": b})["basket"]
    assert closed["state"] == "closed" and "expires" not in closed
    kinds = _kinds(q)
    assert kinds[:3] == ["SELECT core_terminal", "SELECT core_basket", "SELECT core_basket_item"]
    assert kinds.count("UPDATE core_basket") == 1 and kinds[-1] == "INSERT core_audit"
    assert kinds.count("SELECT core_basket") == 1
