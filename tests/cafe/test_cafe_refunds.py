"""Returned cafe items: ``item.refund`` and ``item.refundof`` (API.md §6, §11).

A refund's value is negative; it is refused beyond what closed baskets sold less the refunds
waiting (tracked or untracked stock), and with ``item.refundof`` beyond what that item sold less
its refunds. The level goes back up when the refund's basket closes, and down again if that
basket is reopened.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa


def level(app, name):
    with app.session() as s:
        return s.execute(sa.text("SELECT level FROM cafe_stock WHERE name = :n"),
                         {"n": name}).scalar_one()


def pay(app, basket, amount, refund=False):
    return app.call("baskets/additem", {"basket": basket, "type": "payment",
                                        "item.paymenttype": "cash", "item.amount": amount,
                                        "item.refund": "true" if refund else "false"})


def sale(till, name, quantity):
    """A closed sale: (basket, item id)."""
    b = till.basket()
    item = till.add(b, name, quantity)["item"]
    pay(till, b, till.call("baskets/getbasket", {"basket": b})["basket"]["value"])
    till.call("baskets/closebasket", {"basket": b})
    return b, item["id"]


def refund(till, basket, status=200, **params):
    p = {"basket": basket, "type": "cafe", **{f"item.{k}": v for k, v in params.items()}}
    return till.call("baskets/additem", p, status=status)


def close_refund(till, basket):
    value = till.call("baskets/getbasket", {"basket": basket})["basket"]["value"]
    pay(till, basket, value.lstrip("-"), refund=True)
    return till.call("baskets/closebasket", {"basket": basket})["basket"]


def test_return_coffee_raises_the_level_when_its_basket_closes(till):
    coffee = till.ids()["Coffee"]
    _, item = sale(till, "Coffee", 3)
    assert level(till, "Coffee") == 2
    r = till.basket()
    body = refund(till, r, refundof=item)
    new = body["item"]
    assert (new["quantity"], new["unitprice"], new["value"]) == (1, "-2.20", "-2.20")
    assert new["description"] == "Refund: Coffee"
    assert new["cafe"] == {"stock": coffee, "name": "Coffee", "category": "drinks",
                           "refund": True, "refundof": item}
    assert till.available()["Coffee"] == 2        # a waiting return holds nothing, frees nothing
    assert level(till, "Coffee") == 2
    closed = close_refund(till, r)
    assert closed["value"] == "0.00"
    assert level(till, "Coffee") == 3
    assert till.available()["Coffee"] == 3
    # reopening the refund's basket lowers the level again, closing it raises it
    till.call("baskets/openbasket", {"basket": r}, admin=True)
    assert level(till, "Coffee") == 2
    till.call("baskets/closebasket", {"basket": r})
    assert level(till, "Coffee") == 3


def test_original_shows_refunded_and_the_same_item_cannot_be_returned_twice(till):
    sb, item = sale(till, "Coffee", 2)
    sale(till, "Coffee", 2)                             # others of its kind remain sold
    detail = till.call("baskets/getbasket", {"basket": sb})["basket"]["item"][0]["cafe"]
    assert (detail["refunded"], detail["refunding"]) == (0, 0)
    err = refund(till, till.basket(), refundof=item, quantity=3, status=409)["error"]
    assert (err["code"], err["param"]) == ("item_rejected", "item.quantity")
    assert err["message"] == f"Only 2 of the 2 Coffee of item {item} can still be refunded"
    r = till.basket()
    refund(till, r, refundof=item)
    detail = till.call("baskets/getbasket", {"basket": sb})["basket"]["item"][0]["cafe"]
    assert (detail["refunded"], detail["refunding"]) == (0, 1)
    close_refund(till, r)
    refund(till, till.basket(), refundof=item)
    err = refund(till, till.basket(), refundof=item, status=409)["error"]
    assert (err["code"], err["param"]) == ("item_rejected", "item.refundof")
    assert err["message"] == f"Item {item} has been refunded already"
    root = till.xml("baskets/getbasket", {"basket": sb})
    assert root.find("basket/item/cafe").get("refunded") == "1"
    assert root.find("basket/item/cafe").get("refunding") == "1"


def test_refund_without_refundof_is_counted_per_stock_item(till):
    err = refund(till, till.basket(), stock=till.ids()["Tea"], refund="true", status=409)["error"]
    assert (err["code"], err["param"]) == ("item_rejected", "item.quantity")
    assert err["message"] == "No Tea is left to refund"          # untracked: counted all the same
    sale(till, "Tea", 2)
    till.add(till.basket(), "Tea", 5)                            # held, not sold
    r = till.basket()
    body = refund(till, r, stock=till.ids()["Tea"], refund="true", quantity=1)
    assert body["item"]["value"] == "-1.80" and body["item"]["cafe"]["refund"] is True
    err = refund(till, till.basket(), stock=till.ids()["Tea"], refund="true", quantity=2,
                 status=409)["error"]
    assert err["message"] == "Only 1 Tea can be refunded"
    close_refund(till, r)
    assert level(till, "Tea") is None


def test_original_must_be_a_sold_cafe_item_in_a_closed_basket(till):
    r = till.basket()
    err = refund(till, r, refundof=999999, status=404)["error"]
    assert (err["code"], err["param"]) == ("not_found", "item.refundof")
    ob = till.basket()
    pending = till.add(ob, "Coffee", 1)["item"]["id"]
    err = refund(till, r, refundof=pending, status=409)["error"]
    assert err["message"] == (f"Item {pending} is in basket {ob}, which is not closed; only "
                              "what was sold can be returned")
    sb, item = sale(till, "Coffee", 1)
    payment = till.call("baskets/getbasket", {"basket": sb})["basket"]["item"][1]["id"]
    err = refund(till, r, refundof=payment, status=409)["error"]
    assert err["message"] == f"Item {payment} is not a cafe item"
    err = refund(till, r, refundof=item, stock=till.ids()["Tea"], status=409)["error"]
    assert (err["code"], err["param"]) == ("item_rejected", "item.stock")
    err = till.call("baskets/additem", {"basket": r, "type": "cafe"}, status=400)["error"]
    assert (err["code"], err["param"]) == ("bad_param", "item.stock")


def test_refunded_sale_cannot_be_reopened(till):
    sb, item = sale(till, "Flapjack", 1)
    refund(till, till.basket(), refundof=item)
    err = till.call("baskets/openbasket", {"basket": sb}, admin=True, status=409)["error"]
    assert err["message"] == (f"Basket {sb} cannot be reopened: item {item} has been refunded "
                              "(a refund names it)")


def test_cafe_element_of_a_sale_in_an_open_basket_is_unchanged(till):
    b = till.basket()
    assert till.add(b, "Tea")["item"]["cafe"] == {"stock": till.ids()["Tea"], "name": "Tea",
                                                  "category": "drinks"}


THREADS = 10


@pytest.mark.live
@pytest.mark.slow
def test_concurrent_returns_of_one_item(xts2_app_factory, xts2_live_server):
    """10 threads on two real servers each try to return 1 of the same 2-coffee item at once:
    exactly 2 succeed."""
    from xts2_core.testing import TEST_KEY

    app = xts2_app_factory(plugins=["cafe"])
    app.load({"stock": [{"name": "Coffee", "price": "0.00", "category": "drinks",
                         "level": 40}]})
    coffee = app.call("cafe/getstock", key=False)["stock"][0]["id"]
    items = []
    for quantity in (2, 10):
        b = app.call("baskets/newbasket")["basket"]["id"]
        items.append(app.call("baskets/additem", {"basket": b, "type": "cafe",
                                                  "item.stock": coffee,
                                                  "item.quantity": quantity})["item"]["id"])
        app.call("baskets/closebasket", {"basket": b})
    item = items[0]
    app.registry["dbengine"].dispose()
    servers = [xts2_live_server(plugins=["cafe"]) for _ in range(2)]
    barrier = threading.Barrier(THREADS)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def worker(n: int) -> None:
        server = servers[n % 2]
        _, body = server.get("baskets/newbasket", {"terminalkey": TEST_KEY})
        basket = body["basket"]["id"]
        barrier.wait()
        status, body = server.get("baskets/additem", {
            "terminalkey": TEST_KEY, "basket": basket, "type": "cafe", "item.refundof": item})
        with lock:
            if status == 200:
                outcomes["success"] += 1
            elif status == 409:
                outcomes[body["error"]["message"]] += 1
            else:
                outcomes[f"{status} {body.get('error')}"] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == {"success": 2, f"Item {item} has been refunded already": THREADS - 2}
