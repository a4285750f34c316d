"""A whole box-office day over HTTP against a real pserve, every shipped provider installed.

The season is loaded with the operator's command (``xts2 load``), a sale of two ticket types and
a coffee is paid by card and cash and closed, then takings and the cash-up report must agree with
what was paid, to the penny; a ticket refund (anti-ticket plus refund payment) brings both down by
exactly its price, and ticket and stock counts follow.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xts2_core.testing import write_ini

pytestmark = pytest.mark.live

KEY = "box-office-one-key-0001"


def _season(start: datetime) -> str:
    return f"""
shows:
  - name: Hamlet
    description: A prince hesitates.
    tickettypes: [{{name: Adult, price: "12.00"}}, {{name: Concession, price: "8.00"}}]
    performances: [{{start: "{start:%Y-%m-%dT%H:%M}", capacity: 50}}]
stock:
  - {{name: Coffee, price: "2.20", category: drinks, level: 10}}
paymenttypes: [{{code: cash, name: Cash}}, {{code: card, name: Card}}]
terminals:
  - {{name: Box office 1, key: "{KEY}", paymenttypes: [cash, card]}}
"""


@pytest.fixture
def server(xts2_live_server, xts2_database_url, tmp_path: Path):
    start = datetime.now(UTC) + timedelta(days=2)
    season = tmp_path / "season.yaml"
    season.write_text(_season(start))
    ini = write_ini(tmp_path / "load.ini", xts2_database_url)
    xts2 = Path(sys.executable).with_name("xts2")
    out = subprocess.run([str(xts2), "load", str(ini), str(season)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    srv = xts2_live_server()
    srv.terminal_key = KEY
    return srv


def ok(srv, path, params=None, **kw):
    status, body = srv.call(path, params, **kw)
    assert status == 200, body
    return body


def _ids(srv):
    show = ok(srv, "tickets/getshows", key=False)["shows"][0]
    perf = ok(srv, "tickets/getperformances", {"show": show["id"]}, key=False)["performances"][0]
    types = {t["name"]: t["id"] for t in
             ok(srv, "tickets/gettickettypes", {"show": show["id"]}, key=False)["tickettypes"]}
    coffee = ok(srv, "cafe/getstock", key=False)["stock"][0]
    return perf["id"], types, coffee["id"]


def _takings(srv, since):
    t = ok(srv, "money/gettakings", {"since": since})["takings"]
    return t["total"], {p["code"]: p["amount"] for p in t["paymenttype"]}


def _report_total(srv, since):
    report = ok(srv, "xts/report", {"type": "takings", "from": since}, admin=True)["report"]
    return report["total"]["amount"], {r["paymenttype"]: r["amount"] for r in report["row"]}


def test_full_sale_then_refund_agree_to_the_penny(server):
    since = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    perf, types, coffee = _ids(server)

    basket = ok(server, "baskets/newbasket")["basket"]["id"]
    ok(server, "baskets/additem", {"basket": basket, "type": "ticket", "item.performance": perf,
                                   "item.tickettype": types["Adult"], "item.quantity": 2})
    ok(server, "baskets/additem", {"basket": basket, "type": "ticket", "item.performance": perf,
                                   "item.tickettype": types["Concession"]})
    body = ok(server, "baskets/additem", {"basket": basket, "type": "cafe", "item.stock": coffee,
                                          "item.quantity": 2})
    assert body["basket"]["value"] == "36.40"
    ok(server, "baskets/additem", {"basket": basket, "type": "payment",
                                   "item.paymenttype": "card", "item.amount": "20"})
    body = ok(server, "baskets/additem", {"basket": basket, "type": "payment",
                                          "item.paymenttype": "cash", "item.amount": "16.40"})
    assert body["basket"]["value"] == "0.00"
    closed = ok(server, "baskets/closebasket", {"basket": basket})["basket"]
    assert closed["state"] == "closed"
    assert [i["type"] for i in closed["item"]] == ["ticket", "ticket", "cafe", "payment",
                                                   "payment"]

    assert _takings(server, since) == ("36.40", {"card": "20.00", "cash": "16.40"})
    assert _report_total(server, since) == ("36.40", {"card": "20.00", "cash": "16.40"})
    counts = ok(server, "tickets/getticketcounts", {"performance": perf}, key=False)
    assert counts["ticketcounts"][0]["sold"] == 3
    assert ok(server, "cafe/getstock", key=False)["stock"][0]["available"] == 8

    # The customer brings one adult ticket back: an anti-ticket and a cash refund.
    refund = ok(server, "baskets/newbasket")["basket"]["id"]
    body = ok(server, "baskets/additem", {"basket": refund, "type": "ticket",
                                          "item.performance": perf,
                                          "item.tickettype": types["Adult"], "item.refund": "1"})
    assert body["basket"]["value"] == "-12.00"
    ok(server, "baskets/additem", {"basket": refund, "type": "payment", "item.paymenttype": "cash",
                                   "item.amount": "12.00", "item.refund": "true"})
    assert ok(server, "baskets/closebasket", {"basket": refund})["basket"]["value"] == "0.00"

    assert _takings(server, since) == ("24.40", {"card": "20.00", "cash": "4.40"})
    assert _report_total(server, since) == ("24.40", {"card": "20.00", "cash": "4.40"})
    perf_detail = ok(server, "tickets/getperformance", {"performance": perf},
                     key=False)["performance"]
    assert perf_detail["counts"]["sold"] == 2
    sold = {t["name"]: t["sold"] for t in perf_detail["tickettypes"]}
    assert sold == {"Adult": 1, "Concession": 1}

    # The cash-up sheet a manager prints says the same.
    import urllib.parse
    import urllib.request

    q = urllib.parse.urlencode({"type": "takings", "from": since, "format": "html",
                                "password": server.admin_password})
    with urllib.request.urlopen(f"{server.url}/v2/xts/report?{q}", timeout=30) as r:
        html = r.read().decode()
    assert "24.40" in html and "<svg" in html and "<table" in html
