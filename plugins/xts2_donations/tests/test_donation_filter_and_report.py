"""The ``giftaid`` basket filter and the ``donations`` report, through the real app."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from donations_till import make_till
from lxml import etree


@pytest.fixture
def till(xts2_app_factory, xts2_plugin):
    return make_till(xts2_app_factory, xts2_plugin)


def ids(answer):
    return sorted(b["id"] for b in answer["baskets"])


def test_giftaid_filter(till):
    with_giftaid = till.basket()
    till.donate(with_giftaid, "10", giftaid=True, donor="Jane Smith", postcode="SW1A 1AA")
    till.donate(with_giftaid, "3")
    without = till.basket()
    till.donate(without, "5", donor="Sam Lee")
    empty = till.basket()

    get = till.app.call
    assert ids(get("baskets/getbaskets", {"giftaid": "true"})) == [with_giftaid]
    assert ids(get("baskets/getbaskets", {"giftaid": "false"})) == [without, empty]
    assert ids(get("baskets/getbaskets")) == [with_giftaid, without, empty]
    assert get("baskets/getbaskets", {"giftaid": "1"})["total"] == 1
    # It combines with the core's filters.
    assert ids(get("baskets/getbaskets", {"giftaid": "no", "contains": "donation"})) == [without]
    error = get("baskets/getbaskets", {"giftaid": "perhaps"}, status=400)["error"]
    assert (error["code"], error["param"]) == ("bad_param", "giftaid")


def test_giftaid_filter_follows_a_moved_donation(till):
    source, target = till.basket(), till.basket()
    item = till.donate(source, "10", giftaid=True, donor="Jane Smith", postcode="SW1A 1AA")["item"]
    till.app.call("baskets/moveitem", {"item": item["id"], "to": target})
    assert ids(till.app.call("baskets/getbaskets", {"giftaid": "true"})) == [target]
    till.app.call("baskets/removeitem", {"basket": target, "item": item["id"]})
    assert ids(till.app.call("baskets/getbaskets", {"giftaid": "true"})) == []


def at(day, hour):
    return datetime(2026, 12, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def week(till, xts2_clock):
    """Donations closed on 1 and 2 December, one basket left open, one closed on the 9th."""
    xts2_clock.set(at(1, 10))
    first = till.basket()
    till.donate(first, "10", giftaid=True, donor="Jane Smith", postcode="SW1A 1AA")
    till.donate(first, "2.50")
    till.settle(first)
    xts2_clock.set(at(2, 15))
    second = till.basket()
    till.donate(second, "25", donor="Sam Lee")
    till.settle(second)
    till.donate(till.basket(), "99")  # open: not in the report
    xts2_clock.set(at(9, 12))
    later = till.basket()
    till.donate(later, "40", giftaid=True, donor="Ann Other", postcode="LS1 4AP")
    till.settle(later)
    return first, second, later


def report(till, fmt="json", status=200, **params):
    params = {"type": "donations", **params}
    return till.app.call("xts/report", params, admin=True, fmt=fmt, status=status)


def test_report_rows_total_and_period(till, week):
    first, second, _ = week
    body = report(till, **{"from": "2026-12-01", "until": "2026-12-08"})["report"]
    assert body["type"] == "donations"
    assert (body["count"], body["giftaidamount"]) == (3, "10.00")
    rows = [{k: r.get(k) for k in ("basket", "donor", "postcode", "giftaid", "amount")}
            for r in body["row"]]
    assert rows == [
        {"basket": first, "donor": "Jane Smith", "postcode": "SW1A 1AA", "giftaid": True,
         "amount": "10.00"},
        {"basket": first, "donor": None, "postcode": None, "giftaid": False, "amount": "2.50"},
        {"basket": second, "donor": "Sam Lee", "postcode": None, "giftaid": False,
         "amount": "25.00"},
    ]
    assert body["row"][0]["closed"] == "2026-12-01T10:00:00+00:00"
    assert body["total"]["amount"] == "37.50"


def test_report_until_defaults_to_now_and_leaves_out_reopened_baskets(till, week, xts2_clock):
    first, second, later = week
    xts2_clock.advance(minutes=1)
    body = report(till, **{"from": "2026-12-02"})["report"]
    assert [r["basket"] for r in body["row"]] == [second, later]
    till.app.call("baskets/openbasket", {"basket": later}, admin=True)
    body = report(till, **{"from": "2026-12-02"})["report"]
    assert [r["basket"] for r in body["row"]] == [second]
    assert body["total"]["amount"] == "25.00"


def test_report_as_xml_csv_and_html(till, week):
    period = {"from": "2026-12-01", "until": "2026-12-08"}
    root = till.app.xml("xts/report", {"type": "donations", **period}, admin=True)
    rows = root.findall("report/row")
    assert [r.get("giftaid") for r in rows] == ["true", "false", "false"]
    assert root.find("report/total").get("amount") == "37.50"

    text = report(till, fmt="csv", **period).text
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["closed", "basket", "item", "donor", "postcode", "giftaid", "amount"]
    assert [r[3] for r in table[1:]] == ["Jane Smith", "", "Sam Lee"]
    assert [r[6] for r in table[1:]] == ["10.00", "2.50", "25.00"]
    assert [r[5] for r in table[1:]] == ["true", "false", "false"]

    page = report(till, fmt="html", **period).text
    assert "<svg" in page and "Jane Smith" in page and "37.50" in page
    cells = etree.fromstring(page.encode(), etree.HTMLParser()).findall(".//tbody/tr/td[6]")
    assert [td.text for td in cells] == ["true", "false", "false"]


def test_an_empty_period_has_no_rows(till, week):
    body = report(till, **{"from": "2026-12-03", "until": "2026-12-08"})["report"]
    assert body.get("row", []) == []
    assert body["total"]["amount"] == "0.00"


@pytest.mark.parametrize("params, param", [
    ({}, "from"),
    ({"from": "yesterday"}, "from"),
    ({"from": "2026-12-08", "until": "2026-12-01"}, "until"),
])
def test_report_parameters(till, params, param):
    error = report(till, status=400, **params)["error"]
    assert (error["code"], error["param"]) == ("bad_param", param)


def test_report_needs_the_admin_password(till):
    error = till.app.call("xts/report", {"type": "donations", "from": "2026-12-01"},
                          status=401)["error"]
    assert error["code"] == "unauthorized"
