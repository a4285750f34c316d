"""Report types ``performance`` and ``show`` (xts/report, API.md §9) and the tickets counts of
``xts/getstats``."""

from __future__ import annotations

import csv
import io

import pytest


@pytest.fixture
def sales(venue):
    """Tue 1 Dec: 3 Adult and 2 Concession sold, 1 Adult refunded, 1 Adult reserved."""
    perf = venue.ids["Hamlet@2026-12-01T19:30"]
    adult, conc = venue.ids["Hamlet/Adult"], venue.ids["Hamlet/Concession"]
    venue.sell(perf, adult, 3)
    venue.sell(perf, conc, 2)
    venue.sell(perf, adult, 1, refund=True)
    venue.add(venue.basket(), perf, adult, 1)
    return perf


def test_performance_report_json(venue, sales):
    body = venue.call("xts/report", {"type": "performance", "performance": sales}, admin=True)
    report = body["report"]
    assert report["type"] == "performance"
    assert report["title"] == "Hamlet, Tue 1 Dec 19:30"
    assert report["performance"] == sales and report["showname"] == "Hamlet"
    assert report["start"] == "2026-12-01T19:30:00+00:00"
    assert report["row"] == [
        {"tickettype": "Adult", "price": "12.00", "sold": 3, "refunded": 1, "revenue": "24.00"},
        {"tickettype": "Concession", "price": "8.00", "sold": 2, "refunded": 0,
         "revenue": "16.00"},
    ]
    assert report["total"] == {"tickettype": "Total", "sold": 5, "refunded": 1,
                               "revenue": "40.00"}


def test_performance_report_xml_csv_html(venue, sales):
    params = {"type": "performance", "performance": sales}
    root = venue.xml("xts/report", params, admin=True)
    rows = root.find("report").findall("row")
    assert [(r.get("tickettype"), r.get("revenue")) for r in rows] == [("Adult", "24.00"),
                                                                      ("Concession", "16.00")]
    assert root.find("report/total").get("revenue") == "40.00"
    resp = venue.call("xts/report", params, admin=True, fmt="csv")
    assert resp.content_type == "text/csv"
    table = list(csv.reader(io.StringIO(resp.text)))
    assert table[0] == ["tickettype", "price", "sold", "refunded", "revenue"]
    assert table[1] == ["Adult", "12.00", "3", "1", "24.00"]
    resp = venue.call("xts/report", params, admin=True, fmt="html")
    assert resp.content_type == "text/html"
    assert "<svg" in resp.text and "Hamlet, Tue 1 Dec 19:30" in resp.text
    assert "Concession" in resp.text


def test_show_report(venue, sales):
    venue.call("tickets/holdbacktickets", {"performance": sales, "count": 2}, admin=True)
    body = venue.call("xts/report", {"type": "show", "show": venue.ids["Hamlet"]}, admin=True)
    report = body["report"]
    assert report["title"] == "Hamlet"
    assert [r["when"] for r in report["row"]] == ["Sun 29 Nov 19:30", "Tue 1 Dec 19:30",
                                                  "Wed 2 Dec 19:30"]
    assert report["row"][1] == {
        "performance": sales, "when": "Tue 1 Dec 19:30", "start": "2026-12-01T19:30:00+00:00",
        "capacity": 10, "sold": 4, "reserved": 1, "heldback": 2, "available": 3,
        "revenue": "40.00"}
    assert report["total"] == {"when": "Total", "capacity": 180, "sold": 4, "reserved": 1,
                               "heldback": 6, "available": 169, "revenue": "40.00"}
    resp = venue.call("xts/report", {"type": "show", "show": venue.ids["Hamlet"]}, admin=True,
                      fmt="html")
    assert "Tue 1 Dec 19:30" in resp.text and "<svg" in resp.text


def test_reports_not_found_and_params(venue):
    body = venue.call("xts/report", {"type": "performance", "performance": 999}, admin=True,
                      status=404)
    assert body["error"]["param"] == "performance"
    body = venue.call("xts/report", {"type": "show", "show": 999}, admin=True, status=404)
    assert body["error"]["param"] == "show"
    body = venue.call("xts/report", {"type": "show"}, admin=True, status=400)
    assert body["error"]["param"] == "show"
    body = venue.call("xts/report", {"type": "show", "show": venue.ids["Hamlet"]}, status=401)
    assert body["error"]["code"] == "unauthorized"


def test_getstats_counts(venue, sales):
    body = venue.call("xts/getstats")
    counts = {c["name"]: c["text"] for c in body["stats"]["count"]}
    assert counts["shows"] == 3
    assert counts["performances"] == 5
    assert counts["ticketssold"] == 4
    plugin = next(p for p in body["stats"]["plugin"] if p["name"] == "tickets")
    assert plugin["itemtypes"] == "ticket"
    assert plugin["distribution"] == "xts2-tickets"
