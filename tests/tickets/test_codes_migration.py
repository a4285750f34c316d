"""The revision that adds ``tickets_code`` gives tickets sold before it their codes: one per
ticket of each sale in a closed basket, less what refunds naming the sale gave back (closed);
and it downgrades cleanly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from xts2_core.db import get_engine
from xts2_core.migrate import alembic_config, current_heads, installed_locations, upgrade
from xts2_core.plugins import get_plugin_manager

BEFORE = "7b3e9d2c41a8"   # the tickets revision before the codes
CODES = "c5d8e2a94f17"


def _migrate(url: str, target: str | None) -> set[str]:
    """Downgrade the tickets branch to ``target`` (``None``: upgrade every branch to heads)."""
    engine = get_engine({"sqlalchemy.url": url})
    try:
        pm = get_plugin_manager({})
        if target is None:
            upgrade(engine, pm)
        else:
            with engine.begin() as conn:
                command.downgrade(alembic_config(pm, conn, locations=installed_locations(pm)),
                                  target)
        return current_heads(engine)
    finally:
        engine.dispose()


def test_earlier_sales_get_their_codes(make_venue, xts2_database_url):
    venue = make_venue()
    hamlet = venue.ids["Hamlet@2026-12-01T19:30"]
    adult = venue.ids["Hamlet/Adult"]
    three = venue.sell(hamlet, adult, 3)
    three_item = venue.call("baskets/getbasket", {"basket": three})["basket"]["item"][0]["id"]
    two = venue.sell(hamlet, venue.ids["Hamlet/Concession"], 2)
    r = venue.basket()                                   # one of the three given back
    venue.call("baskets/additem", {"basket": r, "type": "ticket", "item.refundof": three_item})
    venue.settle(r)
    waiting = venue.basket()                             # a refund still open: not counted
    venue.call("baskets/additem", {"basket": waiting, "type": "ticket",
                                   "item.refundof": three_item})
    unpaid = venue.basket()                              # a reservation: no codes
    venue.add(unpaid, hamlet, adult, 2)
    venue.registry["dbengine"].dispose()

    heads = _migrate(xts2_database_url, BEFORE)
    assert BEFORE in heads and CODES not in heads
    engine = get_engine({"sqlalchemy.url": xts2_database_url})
    try:
        assert "tickets_code" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()

    assert CODES in _migrate(xts2_database_url, None)
    after = make_venue()          # a new app on the migrated database (the season loads again)
    shown = {i["id"]: i["ticket"]["code"]
             for b in (three, two)
             for i in after.call("baskets/getbasket", {"basket": b})["basket"]["item"]
             if i["type"] == "ticket"}
    assert sorted(len(c) for c in shown.values()) == [2, 2]
    assert len(shown[three_item]) == 2
    assert after.call("baskets/getbasket", {"basket": unpaid})["basket"]["item"][0][
        "ticket"].get("code") is None
    code = shown[three_item][0]
    answer = after.call("tickets/checkin", {"code": code, "performance": hamlet})["checkin"]
    assert (answer["result"], answer["basket"]) == ("admitted", three)
    doorlist = after.call("tickets/getdoorlist", {"performance": hamlet})["doorlist"]
    assert (doorlist["sold"], doorlist["admitted"]) == (4, 1)
