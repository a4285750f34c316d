"""``money/getpaymenttypes`` and the ``paymenttypes`` season section and terminal key."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from xts2_core import SeasonError
from xts2_core.testing import write_ini

CASH_AND_CARD = [{"code": "cash", "name": "Cash"}, {"code": "card", "name": "Card"}]


def test_getpaymenttypes_json(till):
    body = till.call("money/getpaymenttypes")
    assert body["status"] == "ok"
    assert [(p["code"], p["name"]) for p in body["paymenttypes"]] == [("cash", "Cash"),
                                                                      ("card", "Card")]
    assert all(isinstance(p["id"], int) for p in body["paymenttypes"])
    assert isinstance(body["terminal"], int)


def test_getpaymenttypes_xml(till):
    root = till.xml("money/getpaymenttypes")
    pts = root.find("paymenttypes")
    assert pts.get("terminal") == str(till.call("money/getpaymenttypes")["terminal"])
    assert [(p.get("code"), p.get("name")) for p in pts.findall("paymenttype")] == [
        ("cash", "Cash"), ("card", "Card")]
    assert all(sorted(p.attrib) == ["code", "id", "name"] and int(p.get("id")) > 0
               for p in pts.findall("paymenttype"))
    assert till.call("money/getpaymenttypes", fmt="xml").headers["Cache-Control"] == "no-store"


def test_each_terminal_sees_its_own(till):
    mine = till.call("money/getpaymenttypes")
    web = till.call("money/getpaymenttypes", key=till.web_key)
    assert [p["code"] for p in web["paymenttypes"]] == ["card"]
    assert web["terminal"] != mine["terminal"]


def test_getpaymenttypes_needs_a_terminal_key(till):
    err = till.call("money/getpaymenttypes", key=False, status=401)["error"]
    assert err["code"] == "unauthorized"
    err = till.call("money/getpaymenttypes", key="not-a-real-key-at-all", status=401)["error"]
    assert err["code"] == "unauthorized"
    assert till.call("money/getpaymenttypes", method="post")["paymenttypes"]


def test_a_terminal_that_accepts_nothing(till):
    till.add_terminal("Bar", "bar-terminal-key-00001")
    assert till.call("money/getpaymenttypes", key="bar-terminal-key-00001")["paymenttypes"] == []


def test_core_and_money_alone(xts2_app_factory):
    app = xts2_app_factory(plugins=["money"])
    app.load({"paymenttypes": CASH_AND_CARD,
              "terminals": [{"name": "Test terminal", "paymenttypes": ["card"]}]})
    assert [p["code"] for p in app.call("money/getpaymenttypes")["paymenttypes"]] == ["card"]
    servlets = {s["name"]: s for s in app.get("/v2", {"format": "json"}).json["servlets"]}
    assert sorted(servlets) == ["baskets", "money", "xts"]
    assert {c["name"]: c["access"] for c in servlets["money"]["command"]} == {
        "getpaymenttypes": "terminal", "gettakings": "terminal"}
    b = app.call("baskets/newbasket")["basket"]["id"]
    err = app.call("baskets/additem", {"basket": b, "type": "ticket"}, status=400)["error"]
    assert "installed types: payment" in err["message"]


@pytest.mark.live
def test_a_server_with_core_and_money_alone_starts(xts2_app_factory, xts2_live_server):
    app = xts2_app_factory(plugins=["money"])
    app.load({"paymenttypes": CASH_AND_CARD,
              "terminals": [{"name": "Test terminal", "paymenttypes": ["cash", "card"]}]})
    server = xts2_live_server(plugins=["money"])
    status, body = server.call("money/getpaymenttypes")
    assert status == 200
    assert [p["code"] for p in body["paymenttypes"]] == ["cash", "card"]
    status, body = server.get("")
    assert sorted(s["name"] for s in body["servlets"]) == ["baskets", "money", "xts"]


def test_loading_twice_changes_nothing(till):
    data = {"paymenttypes": till.paymenttypes,
            "terminals": [{"name": "Test terminal", "paymenttypes": ["cash", "card"]}]}
    before = till.call("money/getpaymenttypes")
    till.load(data)
    till.load(data)
    assert till.call("money/getpaymenttypes") == before


def test_names_update_by_code_and_the_list_is_replaced(till):
    till.load({"paymenttypes": [{"code": "card", "name": "Credit or debit card"}],
               "terminals": [{"name": "Test terminal", "paymenttypes": ["card", "voucher"]}]})
    pts = till.call("money/getpaymenttypes")["paymenttypes"]
    assert [(p["code"], p["name"]) for p in pts] == [("card", "Credit or debit card"),
                                                     ("voucher", "Gift voucher")]
    till.load({"terminals": [{"name": "Test terminal", "paymenttypes": []}]})
    assert till.call("money/getpaymenttypes")["paymenttypes"] == []


def test_terminals_without_the_key_keep_their_list(till):
    till.load({"terminals": [{"name": "Test terminal", "expiry": 600}]})
    assert len(till.call("money/getpaymenttypes")["paymenttypes"]) == 2


def test_section_order_does_not_matter_in_a_file(till):
    # terminals first in the file: payment types still load before them
    till.load({"terminals": [{"name": "Test terminal", "paymenttypes": ["cheque"]}],
               "paymenttypes": [{"code": "cheque", "name": "Cheque"}]})
    assert [p["code"] for p in till.call("money/getpaymenttypes")["paymenttypes"]] == ["cheque"]


def test_an_unknown_code_is_named_and_changes_nothing(till):
    with pytest.raises(SeasonError) as exc:
        till.load({"paymenttypes": [{"code": "bitcoin", "name": "Bitcoin"}],
                   "terminals": [{"name": "Test terminal",
                                  "paymenttypes": ["cash", "bitcoin", "cheque"]}]})
    msg = str(exc.value)
    assert "'cheque'" in msg and "Test terminal" in msg and "terminals" in msg
    assert "'bitcoin'" not in msg.split("unknown payment type")[1]
    # nothing changed: not even the new payment type
    assert "bitcoin" not in {p["code"] for p in till.call("money/getpaymenttypes")["paymenttypes"]}
    till.load({"terminals": [{"name": "Test terminal", "paymenttypes": ["cash"]}]})
    with pytest.raises(SeasonError, match="bitcoin"):
        till.load({"terminals": [{"name": "Test terminal", "paymenttypes": ["bitcoin"]}]})


@pytest.mark.parametrize(("data", "words"), [
    ({"paymenttypes": [{"code": "cash money", "name": "Cash"}]}, ["code"]),
    ({"paymenttypes": [{"code": "cash"}]}, ["name"]),
    ({"paymenttypes": [{"code": "cash", "name": ""}]}, ["name"]),
    ({"paymenttypes": [{"code": "cash", "name": "   "}]}, ["name"]),
    ({"paymenttypes": [{"code": "cash", "name": "Cash", "fee": 1}]}, ["fee"]),
    ({"paymenttypes": [{"code": "x", "name": "X"}, {"code": "x", "name": "Y"}]},
     ["x is listed more than once"]),
    ({"terminals": [{"name": "Test terminal", "paymenttypes": "cash"}]}, ["paymenttypes"]),
])
def test_bad_entries(till, data, words):
    with pytest.raises(SeasonError) as exc:
        till.load(data)
    for w in words:
        assert w in str(exc.value)


def test_demo_payment_types(xts2_app_factory, tmp_path: Path):
    # A database of its own: the test database carries every installed plugin's schema.
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    ini = write_ini(tmp_path / "demo.ini", url, plugins=["money"])
    xts2 = Path(sys.executable).with_name("xts2")
    run = subprocess.run([str(xts2), "demo", str(ini)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    key = re.search(r"demo terminal key: (\S+)", run.stdout).group(1)
    app = xts2_app_factory(plugins=["money"], **{"sqlalchemy.url": url})
    body = app.call("money/getpaymenttypes", key=key)
    assert [(p["code"], p["name"]) for p in body["paymenttypes"]] == [("cash", "Cash"),
                                                                      ("card", "Card")]
