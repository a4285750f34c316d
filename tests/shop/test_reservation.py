"""Pay at the box office: a reservation as the customer sees it, as the box office finds and sells
it, and one not collected by its deadline, released."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from shopkit import (
    ANN,
    SHOP_SETTINGS,
    counts,
    items,
    message,
    orders,
    outbox,
    parts,
    payments,
    settle,
    takings,
    words,
)

from xts2_core.testing import write_ini


@pytest.fixture
def hamlet(shop: Any) -> dict[str, int]:
    """The performance of Tue 1 Dec 19:30 (10 seats): a reservation made on Mon 30 Nov 12:00
    ends an hour before it, Tue 1 Dec 18:30."""
    ids = shop.ids
    return {"perf": ids.perfs[("Hamlet", "2026-12-01T19:30")],
            "adult": ids.tickettypes[("Hamlet", "Adult")]}


def test_a_reservation_is_paid_and_collected_at_the_box_office(shop, customer, hamlet):
    c = customer()
    c.add(hamlet["perf"], {hamlet["adult"]: 2})
    response = c.checkout(method="boxoffice")
    order = response.follow()
    assert order.status_int == 200
    text = words(order)
    assert "Your tickets are reserved" in text
    assert "Tuesday 1 December 2026, 18:30" in text  # the deadline
    assert "£24.00" in text  # to pay at the box office
    assert "ann@example.org" in text
    # The session's basket is done: the next purchase starts a new one.
    assert "Your basket is empty" in words(c.get("/shop/basket"))

    # The box office finds it under the customer's name: saved, open, its seats reserved.
    (found,) = shop.call("baskets/getbaskets", {"name": "Ann", "persistent": True})["baskets"]
    assert (found["name"], found["state"], found["value"]) == ("Ann Example", "open", "24.00")
    assert counts(shop, hamlet["perf"]) == {"sold": 0, "reserved": 2, "available": 8}
    (reservation,) = payments(shop)
    assert (reservation.method, reservation.state, reservation.basket_id) == (
        "boxoffice", "pending", found["id"])
    assert [(o.state, o.basket_id) for o in orders(shop)] == [("reserved", found["id"])]
    assert [m.subject for m in outbox(shop)] == ["Your reservation at Riverside Theatre"]

    # Staff take cash at the counter (the test terminal) and close the basket.
    shop.call("baskets/additem", {"basket": found["id"], "type": "payment",
                                  "item.paymenttype": "cash", "item.amount": "24.00"})
    shop.call("baskets/closebasket", {"basket": found["id"]})

    assert [p.state for p in payments(shop)] == ["paid"]
    assert [o.state for o in orders(shop)] == ["paid"]
    assert counts(shop, hamlet["perf"]) == {"sold": 2, "reserved": 0, "available": 8}
    (cash,) = items(shop, found["id"], "payment")
    assert cash["payment"]["paymenttype"] == "cash"
    assert takings(shop)["total"] == "0.00"  # the money is the counter's, not the Website's
    text = words(c.get(response.location))
    assert "your order is confirmed" in text
    assert "Cash" in text and "£24.00" in text
    assert [m.subject for m in outbox(shop)] == ["Your reservation at Riverside Theatre",
                                                 "Your tickets from Riverside Theatre"]


def test_a_reservation_past_its_deadline_is_released(shop, customer, hamlet):
    c = customer()
    c.add(hamlet["perf"], {hamlet["adult"]: 3})
    order_url = c.checkout(method="boxoffice", name="Bea Late", email="bea@example.org").location
    other = customer()  # and another reservation, still within its deadline
    later = shop.ids.perfs[("Hamlet", "2026-12-05T19:30")]
    other.add(later, {hamlet["adult"]: 1})
    other.checkout(method="boxoffice")
    assert counts(shop, hamlet["perf"]) == {"sold": 0, "reserved": 3, "available": 7}

    shop.clock.advance(days=1, hours=6, minutes=29)  # Tue 1 Dec 18:29: not yet
    assert settle(shop) == 0
    assert "Your tickets are reserved" in words(c.get(order_url))

    shop.clock.advance(minutes=2)  # 18:31
    assert settle(shop) == 1
    assert counts(shop, hamlet["perf"]) == {"sold": 0, "reserved": 0, "available": 10}
    released, kept = payments(shop)
    assert (released.state, kept.state) == ("cancelled", "pending")
    assert [o.state for o in orders(shop)] == ["released", "reserved"]
    assert items(shop, released.basket_id, "ticket") == []
    assert "Your reservation has ended" in words(c.get(order_url))
    mails = [m for m in outbox(shop) if m.to_addr == "bea@example.org"]
    assert [m.subject for m in mails] == ["Your reservation at Riverside Theatre",
                                          "Your reservation at Riverside Theatre has ended"]
    text, html = parts(message(mails[-1].message))
    assert "gone back on sale" in text and "gone back on sale" in html
    assert "Bea Late" in text
    # Settled once: again, nothing more happens.
    assert settle(shop) == 0
    assert len(outbox(shop)) == 3
    # The other customer's reservation stands.
    (found,) = shop.call("baskets/getbaskets", {"name": ANN["name"]})["baskets"]
    assert (found["id"], found["state"], found["value"]) == (kept.basket_id, "open", "12.00")


def test_a_reservation_is_not_offered_too_close_to_the_performance(shop, customer, hamlet):
    """Within the last hour (and five minutes) before the performance no reservation can be
    made: the method is not offered, and a forged choice of it is refused."""
    shop.clock.advance(days=1, hours=6, minutes=26)  # Tue 1 Dec 18:26: it would end at 18:30
    c = customer()
    c.add(hamlet["perf"], {hamlet["adult"]: 1})
    page = c.get("/shop/checkout")
    assert [v for v, *_ in page.forms["details"]["method"].options] == ["testpay"]
    assert "Reserve now" not in words(page)
    refused = c.checkout(method="boxoffice", status=400)
    assert "Please choose how to pay" in words(refused)
    assert payments(shop) == []
    assert counts(shop, hamlet["perf"])["reserved"] == 1  # the basket only


def test_xts2_expire_releases_a_reservation_past_its_deadline(shop, customer, tmp_path,
                                                             xts2_database_url):
    """The command itself (its own process, on the real clock): a performance two days after
    the shop's clock, whose reservation's deadline the real clock has passed."""
    real_now = datetime.now(UTC).replace(second=0, microsecond=0)
    shop.clock.set(real_now - timedelta(days=5))
    start = (real_now - timedelta(days=3)).astimezone(ZoneInfo("Europe/London"))
    shop.load({"shows": [{"name": "Othello", "tickettypes": [{"name": "Adult", "price": "9.00"}],
                          "performances": [{"start": start.strftime("%Y-%m-%dT%H:%M"),
                                            "capacity": 20}]}]})
    perf = shop.call("tickets/getperformances", {"show": max(
        s["id"] for s in shop.call("tickets/getshows", key=False)["shows"])}, key=False)[
        "performances"][0]["id"]
    tickettype = shop.call("tickets/getperformance", {"performance": perf}, key=False)[
        "performance"]["tickettypes"][0]["id"]
    c = customer()
    c.add(perf, {tickettype: 4})
    order_url = c.checkout(method="boxoffice").location
    assert counts(shop, perf)["reserved"] == 4

    ini = write_ini(tmp_path / "expire.ini", xts2_database_url,
                    **{**SHOP_SETTINGS, "xts2.timezone": "Europe/London"})
    done = subprocess.run([str(Path(sys.executable).with_name("xts2")), "expire", str(ini)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "settled 1 online payment past their bound" in done.stdout
    assert counts(shop, perf) == {"sold": 0, "reserved": 0, "available": 20}
    assert [p.state for p in payments(shop)] == ["cancelled"]
    assert [o.state for o in orders(shop)] == ["released"]
    assert "Your reservation has ended" in words(c.get(order_url))
    assert [m.subject for m in outbox(shop)] == [
        "Your reservation at Riverside Theatre", "Your reservation at Riverside Theatre has ended"]
