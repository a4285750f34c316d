"""A cafe-only venue (core + cafe + money): sell, pay, close; levels drop on close and come back
when an administrator reopens the basket."""

from __future__ import annotations

import sqlalchemy as sa


def level(app, name):
    with app.session() as s:
        return s.execute(sa.text("SELECT level FROM cafe_stock WHERE name = :n"),
                         {"n": name}).scalar_one()


def pay(app, basket, code, amount, refund=False, status=200):
    return app.call("baskets/additem", {"basket": basket, "type": "payment",
                                        "item.paymenttype": code, "item.amount": amount,
                                        "item.refund": "true" if refund else "false"},
                    status=status)


def test_sell_coffee_pay_and_close(till):
    b = till.basket()
    till.add(b, "Coffee", 3)
    till.add(b, "Tea")
    assert till.call("baskets/getbasket", {"basket": b})["basket"]["value"] == "8.40"
    assert till.call("baskets/closebasket", {"basket": b}, status=409)["error"]["code"] == \
        "basket_not_balanced"
    pay(till, b, "card", "5.00")
    body = pay(till, b, "cash", "3.40")
    assert body["basket"]["value"] == "0.00"
    closed = till.call("baskets/closebasket", {"basket": b})["basket"]
    assert closed["state"] == "closed"
    assert [i["type"] for i in closed["item"]] == ["cafe", "cafe", "payment", "payment"]
    assert level(till, "Coffee") == 2
    assert level(till, "Tea") is None           # untracked stays untracked
    assert till.available()["Coffee"] == 2


def test_levels_drop_on_close_and_come_back_on_openbasket(till):
    b = till.basket()
    coffee = till.add(b, "Coffee", 2)["item"]["id"]
    till.add(b, "Flapjack", 1)
    pay(till, b, "cash", "6.90")
    assert till.available() == {"Coffee": 3, "Tea": None, "Flapjack": 1}
    till.call("baskets/closebasket", {"basket": b})
    # closed: the level dropped by what was sold, so nothing comes back
    assert (level(till, "Coffee"), level(till, "Flapjack")) == (3, 1)
    assert till.available() == {"Coffee": 3, "Tea": None, "Flapjack": 1}

    # reopening needs the admin password
    err = till.call("baskets/openbasket", {"basket": b}, status=401)["error"]
    assert err["code"] == "unauthorized"
    reopened = till.call("baskets/openbasket", {"basket": b}, admin=True)["basket"]
    assert reopened["state"] == "open"
    # the levels are back; the open basket holds the items again
    assert (level(till, "Coffee"), level(till, "Flapjack")) == (5, 2)
    assert till.available() == {"Coffee": 3, "Tea": None, "Flapjack": 1}
    # take the coffee back and refund it: the cups are free again
    till.call("baskets/removeitem", {"basket": b, "item": coffee})
    assert till.available()["Coffee"] == 5
    pay(till, b, "cash", "4.40", refund=True)
    till.call("baskets/closebasket", {"basket": b})
    assert (level(till, "Coffee"), level(till, "Flapjack")) == (5, 1)
    assert till.available() == {"Coffee": 5, "Tea": None, "Flapjack": 1}


def test_closing_one_basket_leaves_other_baskets_holding(till):
    a, b = till.basket(), till.basket()
    till.add(a, "Coffee", 2)
    till.add(b, "Coffee", 2)
    pay(till, a, "card", "4.40")
    till.call("baskets/closebasket", {"basket": a})
    assert level(till, "Coffee") == 3
    assert till.available()["Coffee"] == 1
    err = till.add(b, "Coffee", 2, status=409)["error"]
    assert err["message"] == "Only 1 Coffee left"


def test_takings_of_a_cafe_day_agree_to_the_penny(till):
    for name, quantity, card, cash in (("Coffee", 3, "5.00", "1.60"), ("Coffee", 1, None, "2.20"),
                                       ("Tea", 2, "3.60", None)):
        b = till.basket()
        till.add(b, name, quantity)
        if card:
            pay(till, b, "card", card)
        if cash:
            pay(till, b, "cash", cash)
        till.call("baskets/closebasket", {"basket": b})
    takings = till.call("money/gettakings", {"since": "2000-01-01"})["takings"]
    assert (takings["total"], takings["count"]) == ("12.40", 4)
    by_type = {p["code"]: p["amount"] for p in takings["paymenttype"]}
    assert by_type == {"card": "8.60", "cash": "3.80"}
    report = till.call("xts/report", {"type": "takings", "from": "2000-01-01"},
                       admin=True)["report"]
    assert {r["paymenttype"]: r["amount"] for r in report["row"]} == by_type
    assert report["total"]["amount"] == takings["total"]
    assert level(till, "Coffee") == 1
