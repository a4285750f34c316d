"""No overselling under concurrent sales, across threads and processes (API.md §5).

Two real ``pserve`` processes share the test's database; 16 client threads each open two baskets,
wait for each other at a barrier, then all try to buy one ticket per basket for a performance with
5 seats left. With locks, exactly 5 succeed and the rest are told the performance is sold out.

The negative control runs the same race with the test-only setting ``xts2.testing.skip_locks``:
the count is then no longer protected, and the same race must oversell — proof that the first
test can see a race at all. Both runs widen the window between counting and writing with the
test-only ``xts2.testing.tickets.count_delay``. Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from racekit import race_performance

pytestmark = [pytest.mark.live, pytest.mark.slow]

THREADS = 16
BASKETS_PER_THREAD = 2
CAPACITY = 20
SOLD_BEFORE = 15
SEATS = CAPACITY - SOLD_BEFORE
DELAY = "0.2"


def _setup(xts2_app_factory: Any) -> tuple[int, int]:
    """The race's performance with all but :data:`SEATS` sold: (performance id, ticket type)."""
    app, perf, tt, _ = race_performance(xts2_app_factory, CAPACITY, SOLD_BEFORE)
    app.registry["dbengine"].dispose()
    return perf, tt


def _race(servers: list[Any], perf: int, tt: int, key: str) -> dict[str, Any]:
    barrier = threading.Barrier(THREADS)
    outcomes: Counter[str] = Counter()
    errors: list[Any] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        server = servers[n % len(servers)]
        baskets = []
        for _ in range(BASKETS_PER_THREAD):
            status, body = server.get("baskets/newbasket", {"terminalkey": key})
            if status == 200:
                baskets.append(body["basket"]["id"])
            else:
                with lock:
                    outcomes["error"] += 1
                    errors.append((status, body.get("error")))
        barrier.wait()
        for basket in baskets:
            status, body = server.get("baskets/additem", {
                "terminalkey": key, "basket": basket, "type": "ticket",
                "item.performance": perf, "item.tickettype": tt, "item.quantity": 1})
            with lock:
                if status == 200:
                    outcomes["success"] += 1
                elif status == 409 and body["error"]["code"] == "item_rejected":
                    outcomes["rejected"] += 1
                else:
                    outcomes["error"] += 1
                    errors.append((status, body.get("error")))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    status, body = servers[0].get("tickets/getticketcounts", {"performance": perf})
    assert status == 200
    return {"outcomes": outcomes, "errors": errors, "counts": body["ticketcounts"][0]}


def _report(label: str, db: str, result: dict[str, Any]) -> None:
    o, c = result["outcomes"], result["counts"]
    print(f"\nrace [{label}, {db}]: attempts={THREADS * BASKETS_PER_THREAD} seats={SEATS} "
          f"successes={o['success']} rejected={o['rejected']} errors={o['error']} "
          f"sold+reserved={c['sold'] + c['reserved']}/{c['capacity']}")
    if result["errors"]:
        kinds = Counter(f"{status} {(err or {}).get('code')}" for status, err in result["errors"])
        print(f"race [{label}, {db}]: errors by kind: {dict(kinds)}")


def _db(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def test_no_overselling_across_processes(xts2_app_factory, xts2_live_server,
                                         xts2_database_url):
    from xts2_core.testing import TEST_KEY

    perf, tt = _setup(xts2_app_factory)
    settings = {"xts2.testing.tickets.count_delay": DELAY}
    servers = [xts2_live_server(plugins=["tickets"], **settings) for _ in range(2)]
    result = _race(servers, perf, tt, TEST_KEY)
    _report("locks", _db(xts2_database_url), result)
    counts = result["counts"]
    assert result["errors"] == []
    assert counts["sold"] + counts["reserved"] <= counts["capacity"]
    assert result["outcomes"]["success"] == SEATS
    assert result["outcomes"]["rejected"] == THREADS * BASKETS_PER_THREAD - SEATS
    assert (counts["sold"], counts["reserved"], counts["available"]) == (SOLD_BEFORE, SEATS, 0)


def test_negative_control_without_locks_oversells(xts2_app_factory, xts2_live_server,
                                                  xts2_database_url):
    from xts2_core.testing import TEST_KEY

    perf, tt = _setup(xts2_app_factory)
    settings = {"xts2.testing.tickets.count_delay": DELAY, "xts2.testing.skip_locks": "true"}
    servers = [xts2_live_server(plugins=["tickets"], **settings) for _ in range(2)]
    result = _race(servers, perf, tt, TEST_KEY)
    _report("skip_locks", _db(xts2_database_url), result)
    counts = result["counts"]
    assert result["outcomes"]["success"] > SEATS
    assert counts["sold"] + counts["reserved"] > counts["capacity"]
