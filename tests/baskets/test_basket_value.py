"""A basket's value is always the exact sum of its items' values, in integer minor units: checked
after every step of a sale that adds, moves, removes, closes and reopens, in every place the value
shows (getbasket, getbaskets, the answers of the changes themselves, the database)."""

from __future__ import annotations

import re
from pathlib import Path

from basket_calls import add_widget, new_basket, rows

MONEY = re.compile(r"^-?\d+\.\d\d$")
ROOT = Path(__file__).resolve().parents[2]


def minor(text: str) -> int:
    """"-12.05" → -1205, by string handling alone (no float, no Decimal)."""
    assert MONEY.match(text), text
    sign = -1 if text.startswith("-") else 1
    whole, cents = text.lstrip("-").split(".")
    return sign * (int(whole) * 100 + int(cents))


def check_basket(app, basket: dict) -> int:
    """The basket element's value is the sum of its items, each ``quantity * unitprice``."""
    total = 0
    for item in basket.get("item", []):
        assert minor(item["value"]) == item["quantity"] * minor(item["unitprice"])
        total += minor(item["value"])
    assert minor(basket["value"]) == total
    return total


def check_everywhere(app, *ids: int) -> dict[int, int]:
    values = {}
    listed = {b["id"]: b["value"] for b in app.call("baskets/getbaskets")["baskets"]}
    for b in ids:
        got = app.call("baskets/getbasket", {"basket": b})["basket"]
        values[b] = check_basket(app, got)
        assert minor(listed[b]) == values[b]
        db = rows(app, "SELECT quantity, unit_price FROM core_basket_item WHERE basket_id = :b",
                  b=b)
        assert all(isinstance(q, int) and isinstance(u, int) for q, u in db)
        assert sum(q * u for q, u in db) == values[b]
    return values


def test_value_is_the_sum_after_every_step(app):
    a, b = new_basket(app)["id"], new_basket(app)["id"]
    expected = {a: 0, b: 0}
    assert check_everywhere(app, a, b) == expected
    steps = [("0.10", 1), ("0.20", 1), ("19.99", 3), ("-0.05", 7), ("1234.56", 50), ("0.01", 1),
             ("-99.99", 2), ("0.00", 5)]
    items = []
    for price, quantity in steps:
        body = add_widget(app, a, price, quantity=quantity)
        assert minor(body["item"]["value"]) == minor(price) * quantity
        expected[a] += minor(price) * quantity
        assert check_basket(app, body["basket"]) == expected[a]
        items.append((body["item"]["id"], minor(price) * quantity))
        assert check_everywhere(app, a, b) == expected
    assert expected[a] == 10 + 20 + 5997 - 35 + 6172800 + 1 - 19998
    # 0.10 + 0.20 is exactly 0.30 here (as it is not in binary floating point).
    c = new_basket(app)["id"]
    add_widget(app, c, "0.1")
    assert add_widget(app, c, "0.2")["basket"]["value"] == "0.30"

    for item, value in items[::2]:
        body = app.call("baskets/moveitem", {"item": item, "to": b})
        expected[a] -= value
        expected[b] += value
        assert check_basket(app, body["from"]["basket"]) == expected[a]
        assert check_basket(app, body["to"]["basket"]) == expected[b]
        assert check_everywhere(app, a, b) == expected
    for item, value in items[1::2][:2]:
        body = app.call("baskets/removeitem", {"basket": a, "item": item})
        expected[a] -= value
        assert check_basket(app, body["basket"]) == expected[a]
        assert check_everywhere(app, a, b) == expected

    # Balance b with a voucher, close it, reopen it, add, remove: still the sum.
    owed = expected[b]
    assert owed > 0
    whole, cents = divmod(owed, 100)
    body = app.call("baskets/additem", {"basket": b, "type": "voucher",
                                        "item.amount": f"{whole}.{cents:02d}"})
    expected[b] = 0
    assert check_basket(app, body["basket"]) == 0
    closed = app.call("baskets/closebasket", {"basket": b})["basket"]
    assert check_basket(app, closed) == 0 and closed["state"] == "closed"
    assert check_everywhere(app, a, b) == expected
    app.call("baskets/openbasket", {"basket": b}, admin=True)
    body = add_widget(app, b, "-0.01")
    expected[b] = -1
    assert check_basket(app, body["basket"]) == -1
    assert check_everywhere(app, a, b) == expected


def test_large_values_are_exact(app):
    """Beyond what a float holds exactly in its 53 bits? Not reachable with item limits, but sums
    of many large items stay exact integers on both databases."""
    b = new_basket(app)["id"]
    for _ in range(20):
        add_widget(app, b, "99999.99", quantity=50)
    value = app.call("baskets/getbasket", {"basket": b})["basket"]["value"]
    assert value == "99999990.00"
    assert app.call("baskets/getbaskets")["baskets"][0]["value"] == value


def test_no_float_in_the_baskets_code():
    """Money never goes through float: the only float in the baskets package is the test-only
    race window's sleep (seconds)."""
    hits = []
    for path in sorted((ROOT / "xts2_core" / "baskets").glob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\bfloat\b|\bDecimal\b|\bround\(", line):
                hits.append(f"{path.name}:{n}: {line.strip()}")
    assert len(hits) == 1 and "race_sleep" in hits[0], hits
