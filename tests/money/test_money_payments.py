"""Payment items (``type=payment``, API.md §7): values, limits, split tender, refunds, never lost."""

from __future__ import annotations

import pytest


def test_a_payment_is_minus_its_amount(till):
    b = till.basket("12.00")
    body = till.pay(b, "card", "12")
    item = body["item"]
    assert (item["type"], item["quantity"], item["unitprice"], item["value"]) == (
        "payment", 1, "-12.00", "-12.00")
    assert item["description"] == "Card payment"
    assert item["payment"] == {"paymenttype": "card", "paymenttypename": "Card",
                               "terminal": till.call("money/getpaymenttypes")["terminal"],
                               "refund": False}
    assert body["basket"]["value"] == "0.00"
    assert till.close(b)["basket"]["state"] == "closed"


def test_payment_described_in_xml(till):
    b = till.basket("3.50")
    till.pay(b, "cash", "3.5")
    root = till.xml("baskets/getbasket", {"basket": b})
    item = root.find("basket").findall("item")[1]
    assert (item.get("type"), item.get("value")) == ("payment", "-3.50")
    payment = item.find("payment")
    assert (payment.get("paymenttype"), payment.get("paymenttypename"), payment.get("refund")) == (
        "cash", "Cash", "false")
    assert payment.get("terminal") == root.find("basket").get("terminal")


def test_split_tender(till):
    b = till.basket("20.00")
    till.thing(b, "4.60")
    till.pay(b, "card", "15.00")
    assert till.call("baskets/getbasket", {"basket": b})["basket"]["value"] == "9.60"
    assert till.close(b, status=409)["error"]["code"] == "basket_not_balanced"
    till.pay(b, "cash", "5.60")
    body = till.pay(b, "card", "4")
    assert body["basket"]["value"] == "0.00"
    closed = till.close(b)["basket"]
    assert [i["payment"]["paymenttype"] for i in closed["item"] if i["type"] == "payment"] == [
        "card", "cash", "card"]


def test_a_payment_may_not_exceed_what_is_owed(till):
    b = till.basket("10.00")
    err = till.pay(b, "cash", "10.01", status=409)["error"]
    assert err == {"code": "item_rejected", "param": "item.amount",
                   "message": "The basket owes 10.00; a payment of 10.01 is too much"}
    till.pay(b, "cash", "6")
    err = till.pay(b, "card", "4.50", status=409)["error"]
    assert err["message"] == "The basket owes 4.00; a payment of 4.50 is too much"
    till.pay(b, "card", "4")
    err = till.pay(b, "card", "0.01", status=409)["error"]
    assert (err["code"], err["message"]) == ("item_rejected", "The basket owes nothing")
    assert till.call("baskets/getbasket", {"basket": b})["basket"]["value"] == "0.00"


def test_nothing_to_pay_in_an_empty_basket(till):
    b = till.basket()
    err = till.pay(b, "cash", "1", status=409)["error"]
    assert (err["code"], err["message"]) == ("item_rejected", "The basket owes nothing")


def test_refunds(till):
    b = till.basket("10.00")
    till.pay(b, "cash", "10")
    # the customer brings a 4.00 thing back: it leaves as a 4.00 credit...
    till.thing(b, "-4.00")
    assert till.call("baskets/getbasket", {"basket": b})["basket"]["value"] == "-4.00"
    # ...which a refund pays back: its value is +amount
    err = till.pay(b, "cash", "4.01", refund=True, status=409)["error"]
    assert err == {"code": "item_rejected", "param": "item.amount",
                   "message": "The basket owes back 4.00; a refund of 4.01 is too much"}
    body = till.pay(b, "cash", "4", refund=True)
    assert (body["item"]["value"], body["item"]["description"]) == ("4.00", "Cash refund")
    assert body["item"]["payment"]["refund"] is True
    assert body["basket"]["value"] == "0.00"
    till.close(b)


def test_a_refund_needs_something_owed_back(till):
    b = till.basket("5.00")
    err = till.pay(b, "cash", "1", refund=True, status=409)["error"]
    assert (err["code"], err["message"]) == ("item_rejected", "The basket owes nothing back")
    err = till.pay(till.basket(), "cash", "1", refund="yes", status=409)["error"]
    assert err["message"] == "The basket owes nothing back"


def test_payment_type_must_be_accepted_here(till):
    b = till.basket("5.00")
    err = till.pay(b, "voucher", "5", status=409)["error"]
    assert err == {"code": "item_rejected", "param": "item.paymenttype",
                   "message": "This terminal does not accept 'voucher' payments"}
    err = till.pay(b, "cheque", "5", status=409)["error"]
    assert err == {"code": "item_rejected", "param": "item.paymenttype",
                   "message": "There is no payment type 'cheque'"}
    # the web shop takes cards only, whoever made the basket
    err = till.pay(b, "cash", "5", key=till.web_key, status=409)["error"]
    assert err["param"] == "item.paymenttype"
    item = till.pay(b, "card", "5", key=till.web_key)["item"]
    assert item["payment"]["terminal"] == till.call("money/getpaymenttypes",
                                                    key=till.web_key)["terminal"]


@pytest.mark.parametrize(("params", "param"), [
    ({"item.amount": "1"}, "item.paymenttype"),
    ({"item.paymenttype": "cash"}, "item.amount"),
    ({"item.paymenttype": "cash", "item.amount": "0"}, "item.amount"),
    ({"item.paymenttype": "cash", "item.amount": "0.00"}, "item.amount"),
    ({"item.paymenttype": "cash", "item.amount": "-1"}, "item.amount"),
    ({"item.paymenttype": "cash", "item.amount": "1.005"}, "item.amount"),
    ({"item.paymenttype": "cash", "item.amount": "1e2"}, "item.amount"),
    ({"item.paymenttype": "cash", "item.amount": "NaN"}, "item.amount"),
    ({"item.paymenttype": "cash", "item.amount": "ten"}, "item.amount"),
    ({"item.paymenttype": "cash", "item.amount": ["1", "2"]}, "item.amount"),
    ({"item.paymenttype": "cash", "item.amount": "1", "item.refund": "maybe"}, "item.refund"),
    ({"item.paymenttype": "cash money", "item.amount": "1"}, "item.paymenttype"),
    ({"item.paymenttype": "card", "item.amount": "1", "item.fee": "-0.01"}, "item.fee"),
    ({"item.paymenttype": "card", "item.amount": "1", "item.fee": "0.5p"}, "item.fee"),
    ({"item.paymenttype": "card", "item.amount": "1", "item.fee": "1.01"}, "item.fee"),
    # a fee on a refund that names its payment; a bad fee is told before the payment type
    ({"item.paymenttype": "card", "item.amount": "1", "item.refundof": "1", "item.fee": "0.10"},
     "item.fee"),
    ({"item.paymenttype": "cheque", "item.amount": "1", "item.fee": "2"}, "item.fee"),
])
def test_bad_payment_params(till, params, param):
    b = till.basket("5.00")
    err = till.call("baskets/additem", {"basket": b, "type": "payment", **params},
                    status=400)["error"]
    assert (err["code"], err["param"]) == ("bad_param", param)
    assert till.call("baskets/getbasket", {"basket": b})["basket"]["value"] == "5.00"


def test_a_payment_says_what_taking_it_cost(till):
    b = till.basket("5.00")
    item = till.pay(b, "card", "5.00", fee="0.28")["item"]
    assert (item["value"], item["payment"]["fee"]) == ("-5.00", "0.28")
    (line,) = [i for i in till.call("baskets/getbasket", {"basket": b})["basket"]["item"]
               if i["type"] == "payment"]
    assert line["payment"]["fee"] == "0.28"
    assert "fee" not in till.pay(till.basket("2.00"), "cash", "2.00")["item"]["payment"]
    # A refund costs nothing to take: a fee on it is refused, and nothing changes.
    back = till.basket("-1.00")
    err = till.pay(back, "card", "1.00", refund=True, fee="0.10", status=400)["error"]
    assert (err["code"], err["param"]) == ("bad_param", "item.fee")
    assert "refund has none" in err["message"]
    assert till.call("baskets/getbasket", {"basket": back})["basket"]["value"] == "-1.00"


def test_a_basket_holding_a_payment_never_expires(till, xts2_clock):
    b = till.basket("10.00", expiry=60)
    assert "expires" in till.call("baskets/getbasket", {"basket": b})["basket"]
    till.pay(b, "card", "4")
    basket = till.call("baskets/getbasket", {"basket": b})["basket"]
    assert "expires" not in basket and basket["persistent"] is False
    xts2_clock.advance(days=30)
    assert till.call("baskets/getbasket", {"basket": b})["basket"]["value"] == "6.00"
    till.call("baskets/touchbasket", {"basket": b, "expiry": 60})      # does not bring it back
    xts2_clock.advance(days=1)
    till.pay(b, "cash", "6")
    till.close(b)


def test_a_basket_without_payment_still_expires(till, xts2_clock):
    b = till.basket("10.00", expiry=60)
    xts2_clock.advance(61)
    assert till.pay(b, "card", "10", status=409)["error"]["code"] == "basket_expired"


def test_payments_cannot_be_removed_or_moved(till):
    b = till.basket("10.00")
    thing = till.call("baskets/getbasket", {"basket": b})["basket"]["item"][0]["id"]
    payment = till.pay(b, "cash", "4")["item"]["id"]
    other = till.basket()
    err = till.call("baskets/removeitem", {"basket": b, "item": payment}, status=409)["error"]
    assert (err["code"], err["message"]) == ("item_rejected",
                                             "money taken is never lost: add a refund instead")
    err = till.call("baskets/moveitem", {"item": payment, "to": other}, status=409)["error"]
    assert (err["code"], err["message"]) == ("item_rejected",
                                             "money taken is never lost: add a refund instead")
    root = till.xml("baskets/removeitem", {"basket": b, "item": payment}, status=409)
    assert root.find("error").get("code") == "item_rejected"
    assert len(till.call("baskets/getbasket", {"basket": b})["basket"]["item"]) == 2
    # other items may go; what was paid is then owed back
    body = till.call("baskets/removeitem", {"basket": b, "item": thing})
    assert body["basket"]["value"] == "-4.00"
    till.pay(b, "cash", "4", refund=True)
    till.close(b)


def test_payments_count_in_getstats(till):
    b = till.basket("10.00")
    till.pay(b, "cash", "4")
    till.pay(b, "card", "6")
    counts = {c["name"]: c["text"] for c in till.call("xts/getstats")["stats"]["count"]}
    assert (counts["paymenttypes"], counts["payments"]) == (3, 2)
    plugins = {p["name"]: p for p in till.call("xts/getstats")["stats"]["plugin"]}
    assert (plugins["money"]["itemtypes"], plugins["money"]["distribution"]) == (
        "payment", "xts2-money")
