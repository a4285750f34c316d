"""Taking expired baskets back while others buy the last seats: never oversold.

Two real ``pserve`` processes share the test's database. A performance has 5 seats left; 8
expired baskets each hold one of its tickets (their seats are on sale again), and at a barrier 8
threads revive those baskets while 8 others buy a ticket each in new baskets. Exactly 5 of the 16
get a seat, whichever way; the others are told the seats are gone, and the counts end at
capacity. The sale side widens its window between counting and writing
(``xts2.testing.tickets.count_delay``), as in test_race.py.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from racekit import race_performance

from xts2_core.models import Basket

pytestmark = [pytest.mark.live, pytest.mark.slow]

CAPACITY, SOLD_BEFORE, EXPIRED, BUYERS = 10, 5, 8, 8


def test_reviving_and_selling_the_last_seats(xts2_app_factory, xts2_live_server):
    from xts2_core.testing import TEST_KEY

    app, perf, tt, _ = race_performance(xts2_app_factory, CAPACITY, SOLD_BEFORE)
    ticket = {"type": "ticket", "item.performance": perf, "item.tickettype": tt}
    expired = []
    for _ in range(EXPIRED):  # each expires as soon as it holds its ticket (the real clock)
        b = app.call("baskets/newbasket")["basket"]["id"]
        app.call("baskets/additem", {"basket": b, **ticket})
        with app.session() as s:
            s.execute(sa.update(Basket).where(Basket.id == b)
                      .values(expires=datetime.now(UTC) - timedelta(seconds=1)))
        expired.append(b)
    app.registry["dbengine"].dispose()
    servers = [xts2_live_server(plugins=["tickets"], **{
        "xts2.testing.tickets.count_delay": "0.2"}) for _ in range(2)]
    buyers = []
    for n in range(BUYERS):
        status, body = servers[n % 2].get("baskets/newbasket", {"terminalkey": TEST_KEY})
        assert status == 200, body
        buyers.append(body["basket"]["id"])

    barrier = threading.Barrier(EXPIRED + BUYERS)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def run(n: int, command: str, params: dict[str, Any]) -> None:
        barrier.wait()
        status, body = servers[n % 2].get(command, {"terminalkey": TEST_KEY, **params})
        with lock:
            if status == 200:
                outcomes[f"{command} ok"] += 1
            elif status == 409 and body["error"]["code"] == "item_rejected":
                outcomes["refused"] += 1
            else:
                outcomes[f"{status} {body.get('error')}"] += 1

    threads = [threading.Thread(target=run, args=(n, "baskets/revivebasket", {"basket": b}))
               for n, b in enumerate(expired)]
    threads += [threading.Thread(target=run, args=(n, "baskets/additem", {"basket": b, **ticket}))
                for n, b in enumerate(buyers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"\nrevive race: {dict(outcomes)}")
    got = outcomes["baskets/revivebasket ok"] + outcomes["baskets/additem ok"]
    assert (got, outcomes["refused"]) == (CAPACITY - SOLD_BEFORE,
                                          EXPIRED + BUYERS - CAPACITY + SOLD_BEFORE), outcomes
    status, body = servers[0].get("tickets/getticketcounts", {"performance": perf})
    counts = body["ticketcounts"][0]
    assert (counts["sold"], counts["reserved"], counts["available"]) == (SOLD_BEFORE, 5, 0)
