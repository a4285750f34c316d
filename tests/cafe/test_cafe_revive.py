"""``baskets/revivebasket`` and the cafe: an expired basket is taken back only while what it
holds is still in stock and on sale, and its returns still have a sale to return."""

from __future__ import annotations

from typing import Any


def expired(cafe: Any, xts2_clock: Any, name: str, quantity: int, **params: Any) -> int:
    basket = cafe.basket(expiry=60)
    cafe.add(basket, name, quantity, **params)
    xts2_clock.advance(61)
    return basket


def revive(cafe: Any, basket: int, status: int = 200) -> dict[str, Any]:
    return cafe.call("baskets/revivebasket", {"basket": basket}, status=status)


def test_stock_still_there_is_held_again(cafe: Any, xts2_clock: Any) -> None:
    basket = expired(cafe, xts2_clock, "Coffee", 3)
    assert cafe.available()["Coffee"] == 5
    revive(cafe, basket)
    assert cafe.available()["Coffee"] == 2


def test_stock_taken_meanwhile_refuses(cafe: Any, xts2_clock: Any) -> None:
    basket = expired(cafe, xts2_clock, "Coffee", 3)
    cafe.add(cafe.basket(), "Coffee", 3)
    body = revive(cafe, basket, status=409)
    assert (body["error"]["code"], body["error"]["message"]) == ("item_rejected",
                                                                  "Coffee is sold out")
    assert cafe.available()["Coffee"] == 2  # nothing changed
    cafe.call("baskets/getbasket", {"basket": basket}, status=409)


def test_untracked_stock_is_always_there_but_not_once_off_sale(cafe: Any, xts2_clock: Any
                                                               ) -> None:
    basket = expired(cafe, xts2_clock, "Tea", 40)
    revive(cafe, basket)
    other = expired(cafe, xts2_clock, "Flapjack", 1)
    cafe.load({"stock": [{**s, "onsale": s["name"] != "Flapjack"} for s in cafe.stock]})
    assert revive(cafe, other, status=409)["error"]["message"] == "Flapjack is no longer on sale"


def test_a_return_refunded_meanwhile_is_refused(till: Any, xts2_clock: Any) -> None:
    sale = till.basket()
    item = till.add(sale, "Tea", 2)["item"]["id"]
    till.call("baskets/additem", {"basket": sale, "type": "payment", "item.paymenttype": "cash",
                                  "item.amount": "3.60"})
    till.call("baskets/closebasket", {"basket": sale})
    back = expired(till, xts2_clock, "Tea", 2, **{"item.refundof": item})
    till.call("baskets/additem", {"basket": till.basket(), "type": "cafe",
                                  "item.refundof": item, "item.quantity": 1})
    assert revive(till, back, status=409)["error"]["message"] == \
        f"Item {item} has been refunded in another basket meanwhile"
