"""``money/gettakings`` and the ``takings`` report: what each terminal took, refunds subtracted,
and the two agree to the penny."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

NINE = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)     # 10:00 in London (BST)


def at(clock, hour, minute=0):
    clock.set(NINE.replace(hour=hour, minute=minute))


def iso(hour, minute=0):
    return NINE.replace(hour=hour, minute=minute).isoformat()


@pytest.fixture
def day(till, xts2_clock):
    """A day at two terminals (times UTC):

    09:00 test terminal: 20.00 paid 15.00 card + 5.00 cash (split tender)
    10:00 test terminal: 7.50 paid cash
    11:00 web shop:      30.00 paid card, the card service's fee 0.65
    12:00 test terminal: a 2.50 return, refunded cash
    12:30 now
    """
    at(xts2_clock, 9)
    b = till.basket("20.00")
    till.pay(b, "card", "15.00")
    till.pay(b, "cash", "5.00")
    till.close(b)
    at(xts2_clock, 10)
    b = till.basket("7.50")
    till.pay(b, "cash", "7.50")
    till.close(b)
    at(xts2_clock, 11)
    b = till.basket("30.00", key=till.web_key)
    till.pay(b, "card", "30", key=till.web_key, fee="0.65")
    till.close(b, key=till.web_key)
    at(xts2_clock, 12)
    b = till.basket("-2.50")
    till.pay(b, "cash", "2.50", refund=True)
    till.close(b)
    at(xts2_clock, 12, 30)
    till.me = till.call("money/getpaymenttypes")["terminal"]
    till.web = till.call("money/getpaymenttypes", key=till.web_key)["terminal"]
    return till


def cents(money: str) -> int:
    """ "12.50" → 1250, exactly (the API writes money with two places)."""
    whole, _, frac = money.lstrip("-").partition(".")
    return (-1 if money.startswith("-") else 1) * (int(whole) * 100 + int(frac))


def lines(body):
    return {p["code"]: (p["amount"], p["count"]) for p in body["takings"].get("paymenttype", [])}


def test_takings_json(day):
    body = day.takings({"since": iso(9)})
    t = body["takings"]
    assert (t["terminal"], t["total"], t["count"], t["fees"]) == (day.me, "25.00", 4, "0.00")
    assert t["since"] == "2026-07-01T10:00:00+01:00"            # venue time
    assert t["until"] == "2026-07-01T13:30:00+01:00"            # default: now
    assert t["paymenttype"] == [
        {"code": "card", "name": "Card", "amount": "15.00", "count": 1, "fees": "0.00"},
        {"code": "cash", "name": "Cash", "amount": "10.00", "count": 3, "fees": "0.00"},
    ]
    # The web shop's card payment cost 0.65 to take: takings say so beside the amount.
    web = day.takings({"since": iso(9)}, key=day.web_key)["takings"]
    assert (web["total"], web["fees"], web["paymenttype"]) == ("30.00", "0.65", [
        {"code": "card", "name": "Card", "amount": "30.00", "count": 1, "fees": "0.65"}])


def test_takings_xml(day):
    root = day.xml("money/gettakings", {"since": iso(9), "until": iso(12, 30)})
    t = root.find("takings")
    assert (t.get("terminal"), t.get("total"), t.get("count")) == (str(day.me), "25.00", "4")
    assert (t.get("since"), t.get("until")) == ("2026-07-01T10:00:00+01:00",
                                                "2026-07-01T13:30:00+01:00")
    assert [dict(p.attrib) for p in t.findall("paymenttype")] == [
        {"code": "card", "name": "Card", "amount": "15.00", "count": "1", "fees": "0.00"},
        {"code": "cash", "name": "Cash", "amount": "10.00", "count": "3", "fees": "0.00"},
    ]


def test_the_window_is_since_inclusive_until_exclusive(day):
    assert lines(day.takings({"since": iso(9), "until": iso(10)})) == {
        "card": ("15.00", 1), "cash": ("5.00", 1)}
    assert lines(day.takings({"since": iso(10), "until": iso(12)})) == {"cash": ("7.50", 1)}
    assert lines(day.takings({"since": iso(10)})) == {"cash": ("5.00", 2)}
    empty = day.takings({"since": iso(12, 1)})["takings"]
    assert (empty["total"], empty["count"], empty.get("paymenttype", [])) == ("0.00", 0, [])
    assert day.takings({"since": iso(9), "until": iso(9)})["takings"]["total"] == "0.00"


def test_datetimes_without_offset_are_venue_time(day):
    # 10:00 in London is 09:00 UTC: the split tender counts
    assert day.takings({"since": "2026-07-01T10:00"})["takings"]["total"] == "25.00"
    assert day.takings({"since": "2026-07-01T10:00+00:00"})["takings"]["total"] == "5.00"


def test_one_payment_type(day):
    t = day.takings({"since": iso(9), "paymenttype": "cash"})["takings"]
    assert (t["total"], t["count"]) == ("10.00", 3)
    assert lines({"takings": t}) == {"cash": ("10.00", 3)}
    # a payment type with nothing taken answers zero
    t = day.takings({"since": iso(9), "paymenttype": "voucher"})["takings"]
    assert (t["total"], t["count"], t["paymenttype"]) == (
        "0.00", 0, [{"code": "voucher", "name": "Gift voucher", "amount": "0.00", "count": 0,
                     "fees": "0.00"}])
    err = day.takings({"since": iso(9), "paymenttype": "cheque"}, status=404)["error"]
    assert (err["code"], err["param"]) == ("not_found", "paymenttype")


def test_another_terminal_needs_the_admin_password(day):
    err = day.takings({"since": iso(9), "terminal": day.web}, status=403)["error"]
    assert err["code"] == "forbidden"
    t = day.takings({"since": iso(9), "terminal": day.web}, admin=True)["takings"]
    assert (t["terminal"], t["total"]) == (day.web, "30.00")
    err = day.takings({"since": iso(9), "terminal": day.web, "password": "wrong-password"},
                      status=401)["error"]
    assert err["code"] == "unauthorized"
    # its own id needs nothing more; the web shop sees its own
    assert day.takings({"since": iso(9), "terminal": day.me})["takings"]["total"] == "25.00"
    assert day.takings({"since": iso(9)}, key=day.web_key)["takings"]["total"] == "30.00"
    # an unknown terminal: forbidden without the password, not found with it
    assert day.takings({"since": iso(9), "terminal": 999}, status=403)["error"]["code"] == \
        "forbidden"
    # any id the API allows (found by fuzzing: above 2^31-1 PostgreSQL failed, a 500)
    for terminal in (999, 2**63 - 2):
        err = day.takings({"since": iso(9), "terminal": terminal}, admin=True,
                          status=404)["error"]
        assert (err["code"], err["param"]) == ("not_found", "terminal")


def test_gettakings_needs_a_terminal_key(day):
    assert day.takings(key=False, status=401)["error"]["code"] == "unauthorized"
    assert day.takings(key=False, admin=True, status=401)["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(("params", "param"), [
    ({"since": None}, "since"),
    ({"since": "yesterday"}, "since"),
    ({"since": [iso(9), iso(10)]}, "since"),
    ({"until": "soon"}, "until"),
    ({"until": iso(8)}, "until"),
    ({"paymenttype": "no such"}, "paymenttype"),
    ({"terminal": "0"}, "terminal"),
    ({"terminal": "web"}, "terminal"),
])
def test_bad_takings_params(day, params, param):
    err = day.takings({"since": iso(9), **params}, status=400)["error"]
    assert (err["code"], err["param"]) == ("bad_param", param)


def test_a_refund_brings_takings_down_by_exactly_its_amount(day, xts2_clock):
    before = day.takings({"since": iso(9), "until": iso(14)})["takings"]
    at(xts2_clock, 13)
    b = day.basket("-3.33")
    day.pay(b, "card", "3.33", refund=True)
    day.close(b)
    after = day.takings({"since": iso(9), "until": iso(14)})["takings"]
    assert (before["total"], after["total"]) == ("25.00", "21.67")
    assert lines({"takings": after})["card"] == ("11.67", 2)
    assert lines({"takings": after})["cash"] == lines({"takings": before})["cash"]


def test_payments_in_open_baskets_are_takings_too(day, xts2_clock):
    at(xts2_clock, 13)
    b = day.basket("9.00")
    day.pay(b, "cash", "4.00")                         # the rest is still owed
    at(xts2_clock, 13, 1)
    assert lines(day.takings({"since": iso(13)})) == {"cash": ("4.00", 1)}


# -- the report ----------------------------------------------------------------------------------

def report(app, fmt="json", status=200, **params):
    p = {"type": "takings", "from": iso(9), "format": fmt, **params}
    return app.call("xts/report", p, admin=True, fmt=fmt, status=status)


def test_report_rows_total_and_agreement(day):
    r = report(day, until=iso(12, 30))["report"]
    assert r["type"] == "takings"
    assert (r["from"], r["until"]) == ("2026-07-01T10:00:00+01:00", "2026-07-01T13:30:00+01:00")
    assert r["title"] == ("Cash-up: takings of all terminals, Wed 1 Jul 2026 10:00 to "
                          "Wed 1 Jul 2026 13:30")
    assert r["row"] == [
        {"terminal": day.me, "terminalname": "Test terminal", "paymenttype": "card",
         "paymenttypename": "Card", "count": 1, "payments": "15.00", "refunds": "0.00",
         "amount": "15.00", "fees": "0.00", "afterfees": "15.00"},
        {"terminal": day.me, "terminalname": "Test terminal", "paymenttype": "cash",
         "paymenttypename": "Cash", "count": 3, "payments": "12.50", "refunds": "2.50",
         "amount": "10.00", "fees": "0.00", "afterfees": "10.00"},
        {"terminal": day.web, "terminalname": "Web shop", "paymenttype": "card",
         "paymenttypename": "Card", "count": 1, "payments": "30.00", "refunds": "0.00",
         "amount": "30.00", "fees": "0.65", "afterfees": "29.35"},
    ]
    assert r["total"] == {"terminalname": "Total", "count": 5, "payments": "57.50",
                          "refunds": "2.50", "amount": "55.00", "fees": "0.65",
                          "afterfees": "54.35"}
    # gettakings agrees, terminal by terminal and payment type by payment type
    for terminal, key in ((day.me, True), (day.web, day.web_key)):
        t = day.takings({"since": iso(9), "until": iso(12, 30)}, key=key)["takings"]
        rows = [row for row in r["row"] if row["terminal"] == terminal]
        assert lines({"takings": t}) == {row["paymenttype"]: (row["amount"], row["count"])
                                         for row in rows}
        assert cents(t["total"]) == sum(cents(row["amount"]) for row in rows)
        assert cents(t["fees"]) == sum(cents(row["fees"]) for row in rows)
    assert cents(r["total"]["amount"]) == sum(cents(row["amount"]) for row in r["row"])


def test_report_for_one_terminal(day):
    r = report(day, terminal=day.web)["report"]
    assert (r["terminal"], r["terminalname"]) == (day.web, "Web shop")
    assert r["title"].startswith("Cash-up: takings of Web shop, Wed 1 Jul 2026 10:00 to ")
    assert [row["amount"] for row in r["row"]] == ["30.00"]
    assert r["total"]["amount"] == "30.00"
    err = report(day, terminal=999, status=404)["error"]
    assert (err["code"], err["param"]) == ("not_found", "terminal")


def test_report_xml(day):
    root = day.xml("xts/report", {"type": "takings", "from": iso(9), "until": iso(12, 30)},
                   admin=True)
    r = root.find("report")
    assert (r.get("type"), r.get("from")) == ("takings", "2026-07-01T10:00:00+01:00")
    assert [(row.get("paymenttype"), row.get("amount")) for row in r.findall("row")] == [
        ("card", "15.00"), ("cash", "10.00"), ("card", "30.00")]
    assert r.find("total").get("amount") == "55.00"


def test_report_csv(day):
    resp = report(day, fmt="csv", until=iso(12, 30))
    assert resp.content_type == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.text)))
    assert rows[0] == ["terminal", "terminalname", "paymenttype", "paymenttypename", "count",
                       "payments", "refunds", "amount", "fees", "afterfees"]
    assert rows[1:] == [
        [str(day.me), "Test terminal", "card", "Card", "1", "15.00", "0.00", "15.00", "0.00",
         "15.00"],
        [str(day.me), "Test terminal", "cash", "Cash", "3", "12.50", "2.50", "10.00", "0.00",
         "10.00"],
        [str(day.web), "Web shop", "card", "Card", "1", "30.00", "0.00", "30.00", "0.65",
         "29.35"],
    ]


def test_report_html_is_the_cash_up_sheet(day):
    resp = report(day, fmt="html", until=iso(12, 30))
    assert resp.content_type == "text/html"
    html = resp.text
    assert "<title>Cash-up: takings of all terminals, Wed 1 Jul 2026 10:00 to" in html
    assert "<svg" in html and "Test terminal · Cash" in html and "Web shop · Card" in html
    assert "<th>Payment type</th>" in html and "<th>Net</th>" in html
    assert "<tfoot><tr><th class=\"num\"></th><th>Total</th>" in html
    assert ">55.00<" in html


def test_report_params(day):
    err = day.call("xts/report", {"type": "takings"}, admin=True, status=400)["error"]
    assert (err["code"], err["param"]) == ("bad_param", "from")
    err = report(day, until=iso(8), status=400)["error"]
    assert (err["code"], err["param"]) == ("bad_param", "until")
    err = report(day, terminal="x", status=400)["error"]
    assert err["param"] == "terminal"
    err = day.call("xts/report", {"type": "takings", "from": iso(9)}, status=401)["error"]
    assert err["code"] == "unauthorized"


def test_report_of_a_quiet_day(day):
    r = report(day, **{"from": iso(14), "until": iso(15)})["report"]
    assert r.get("row", []) == []
    assert r["total"]["amount"] == "0.00"
    assert "<svg" not in report(day, fmt="html", **{"from": iso(14), "until": iso(15)}).text
