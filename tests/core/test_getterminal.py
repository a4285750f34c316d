"""``xts/getterminal`` (API.md §11): the calling terminal, its baskets' default expiry, the venue's
time zone, and what plugins add through ``describe_terminal`` (money: its payment types)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa

from xts2_core import E, Terminal

PAYMENTTYPES = [{"code": "cash", "name": "Cash"}, {"code": "card", "name": "Card"},
                {"code": "voucher", "name": "Gift voucher"}]
BAR_KEY = "bar-terminal-key-000001"


def terminal_id(app: Any, name: str = "Test terminal") -> int:
    with app.session() as s:
        return s.scalar(sa.select(Terminal.id).where(Terminal.name == name))


def test_needs_a_terminal_key(xts2_app_factory):
    app = xts2_app_factory(plugins=[])
    assert app.call("xts/getterminal", key=False, status=401)["error"]["code"] == "unauthorized"
    error = app.call("xts/getterminal", key="not-a-key-of-any-terminal", status=401)["error"]
    assert error["code"] == "unauthorized"
    # the admin password is not a terminal
    assert app.call("xts/getterminal", key=False, admin=True, status=401)["error"]["code"] == \
        "unauthorized"


def test_a_revoked_terminal_is_refused(xts2_app_factory):
    app = xts2_app_factory(plugins=[])
    app.add_terminal("Bar", BAR_KEY)
    assert app.call("xts/getterminal", key=BAR_KEY)["terminal"]["name"] == "Bar"
    with app.session() as s:
        s.execute(sa.update(Terminal).where(Terminal.name == "Bar").values(active=False))
    assert app.call("xts/getterminal", key=BAR_KEY, status=401)["error"]["code"] == "unauthorized"


def test_the_core_alone(xts2_app_factory):
    app = xts2_app_factory(plugins=[])
    body = app.call("xts/getterminal")
    assert (body["status"], body["servlet"], body["command"]) == ("ok", "xts", "getterminal")
    assert body["terminal"] == {"id": terminal_id(app), "name": "Test terminal", "expiry": 900,
                                "timezone": "Europe/London"}
    assert app.call("xts/getterminal", fmt="xml").headers["Cache-Control"] == "no-store"
    # POST and the header credential, as every command
    assert app.call("xts/getterminal", method="post")["terminal"]["name"] == "Test terminal"
    by_header = app.call("xts/getterminal", key=False, headers={"X-XTS2-Key": app.terminal_key})
    assert by_header["terminal"]["name"] == "Test terminal"


def test_each_terminal_sees_itself(xts2_app_factory):
    app = xts2_app_factory(plugins=[])
    app.add_terminal("Bar", BAR_KEY, expiry=120)
    mine, bar = app.call("xts/getterminal")["terminal"], app.call("xts/getterminal",
                                                                 key=BAR_KEY)["terminal"]
    assert (bar["id"], bar["name"], bar["expiry"]) == (terminal_id(app, "Bar"), "Bar", 120)
    assert mine["id"] != bar["id"] and mine["expiry"] == 900


def test_expiry_and_timezone_come_from_the_settings(xts2_app_factory):
    """Without an expiry of its own a terminal's baskets last ``xts2.basket_expiry``; the zone
    is ``xts2.timezone``. The terminal's own expiry wins over the setting."""
    app = xts2_app_factory(plugins=[], **{"xts2.basket_expiry": "60",
                                          "xts2.timezone": "America/New_York"})
    terminal = app.call("xts/getterminal")["terminal"]
    assert (terminal["expiry"], terminal["timezone"]) == (60, "America/New_York")
    # what newbasket does with it
    basket = app.call("baskets/newbasket")["basket"]
    assert (datetime.fromisoformat(basket["expires"])
            - datetime.fromisoformat(basket["created"])).total_seconds() == 60
    app.add_terminal("Bar", BAR_KEY, expiry=300)
    assert app.call("xts/getterminal", key=BAR_KEY)["terminal"]["expiry"] == 300


def test_xml(xts2_app_factory):
    app = xts2_app_factory(plugins=[], **{"xts2.timezone": "UTC"})
    root = app.xml("xts/getterminal")
    assert (root.get("servlet"), root.get("command"), root.get("status")) == (
        "xts", "getterminal", "ok")
    (terminal,) = root
    assert terminal.tag == "terminal" and len(terminal) == 0
    assert dict(terminal.attrib) == {"id": str(terminal_id(app)), "name": "Test terminal",
                                     "expiry": "900", "timezone": "UTC"}


# -- money: the payment types the terminal accepts -------------------------------------------

@pytest.fixture
def till(xts2_app_factory):
    """Core, tickets and money; the test terminal accepts voucher and cash, the bar nothing."""
    app = xts2_app_factory(plugins=["tickets", "money"])
    app.load({"paymenttypes": PAYMENTTYPES,
              "terminals": [{"name": "Test terminal", "paymenttypes": ["voucher", "cash"]},
                            {"name": "Bar", "key": BAR_KEY, "paymenttypes": []}]})
    return app


def test_money_adds_the_accepted_payment_types(till):
    terminal = till.call("xts/getterminal")["terminal"]
    assert set(terminal) == {"id", "name", "expiry", "timezone", "paymenttypes"}
    # in the order they were created (as money/getpaymenttypes), not the order of the list
    assert [(p["code"], p["name"]) for p in terminal["paymenttypes"]] == [
        ("cash", "Cash"), ("voucher", "Gift voucher")]
    assert all(sorted(p) == ["code", "id", "name"] for p in terminal["paymenttypes"])
    # the same payment types as money/getpaymenttypes, without its ``terminal`` attribute
    assert terminal["paymenttypes"] == till.call("money/getpaymenttypes")["paymenttypes"]
    assert "terminal" not in terminal  # no stray attribute beside the list either


def test_money_a_terminal_that_accepts_nothing(till):
    terminal = till.call("xts/getterminal", key=BAR_KEY)["terminal"]
    assert terminal["name"] == "Bar"
    assert terminal["paymenttypes"] == []  # a list, even when empty


def test_money_xml(till):
    terminal = till.xml("xts/getterminal").find("terminal")
    assert sorted(terminal.attrib) == ["expiry", "id", "name", "timezone"]
    (paymenttypes,) = terminal
    assert paymenttypes.tag == "paymenttypes"
    assert dict(paymenttypes.attrib) == {}  # no ``terminal`` inside <terminal>
    assert [(p.get("code"), p.get("name")) for p in paymenttypes] == [
        ("cash", "Cash"), ("voucher", "Gift voucher")]
    assert all(sorted(p.attrib) == ["code", "id", "name"] for p in paymenttypes)
    bar = till.xml("xts/getterminal", key=BAR_KEY).find("terminal")
    assert [child.tag for child in bar] == ["paymenttypes"] and len(bar[0]) == 0


def test_without_money_no_payment_types(xts2_app_factory):
    app = xts2_app_factory(plugins=["tickets"])
    terminal = app.call("xts/getterminal")["terminal"]
    assert set(terminal) == {"id", "name", "expiry", "timezone"}
    assert len(app.xml("xts/getterminal").find("terminal")) == 0


def test_every_plugin_adds_its_elements_in_plugin_order(xts2_app_factory, xts2_plugin):
    def first(request, terminal):
        assert request.terminal is terminal
        return [E("printer", {"name": f"Printer of {terminal.name}"})]

    def second(terminal):
        return None  # nothing to add

    app = xts2_app_factory(plugins=["money"], extra=[
        ("alpha", xts2_plugin(describe_terminal=first)),
        ("beta", xts2_plugin(describe_terminal=second))])
    app.load({"paymenttypes": PAYMENTTYPES[:1],
              "terminals": [{"name": "Test terminal", "paymenttypes": ["cash"]}]})
    terminal = app.call("xts/getterminal")["terminal"]
    assert terminal["printer"] == {"name": "Printer of Test terminal"}
    assert [p["code"] for p in terminal["paymenttypes"]] == ["cash"]
    tags = [child.tag for child in app.xml("xts/getterminal").find("terminal")]
    assert sorted(tags) == ["paymenttypes", "printer"]  # in the order pluggy calls the plugins
