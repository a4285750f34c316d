"""``gettakings`` is one grouped query, however many payments there are."""

from __future__ import annotations

import re


def takings_selects(till, params) -> list[str]:
    with till.statements() as seen:
        till.takings(params)
    return [q for q in seen if re.search(r"\bmoney_payment\b", q)]


def test_takings_are_one_grouped_query(till):
    for _ in range(2):
        b = till.basket("10.00")
        till.pay(b, "cash", "10")
    small = takings_selects(till, {})
    for n in range(30):
        b = till.basket("3.00")
        till.pay(b, "card" if n % 2 else "cash", "3")
    assert till.takings()["takings"]["count"] == 32
    big = takings_selects(till, {})
    assert len(small) == len(big) == 1
    assert "GROUP BY" in big[0]
    assert len(takings_selects(till, {"paymenttype": "card"})) == 1
