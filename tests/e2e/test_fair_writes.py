"""Many writers at once against a real pserve: every request ends, and lets the next writer go.

On SQLite the writers of a process queue in arrival order (xts2_core.writequeue) and each request
must release its turn however it ends: a turn that leaked would stall every later writer until the
busy timeout (a short one here), and show as slow requests and 5xx answers. On PostgreSQL the same
load must pass too (row locks, no queue).
"""

from __future__ import annotations

import threading
import time

import pytest

pytestmark = [pytest.mark.live, pytest.mark.slow]


def test_concurrent_writers_that_succeed_and_are_refused_all_get_through(xts2_live_server):
    srv = xts2_live_server(plugins=[], threads=8, **{"xts2.sqlite_busy_timeout": "3"})
    statuses: dict[tuple[str, int], int] = {}
    slowest = [0.0]
    lock = threading.Lock()

    def note(step: str, status: int, seconds: float) -> None:
        with lock:
            statuses[(step, status)] = statuses.get((step, status), 0) + 1
            slowest[0] = max(slowest[0], seconds)

    def client(n: int) -> None:
        for i in range(8):
            t0 = time.monotonic()
            status, body = srv.call("baskets/newbasket")
            note("newbasket", status, time.monotonic() - t0)
            if status != 200:
                continue
            b = body["basket"]["id"]
            t0 = time.monotonic()
            status, _ = srv.call("baskets/setmetadata", {"basket": b, "key": "n", "value": n})
            note("setmetadata", status, time.monotonic() - t0)
            t0 = time.monotonic()
            status, body = srv.call("baskets/closebasket", {"basket": b})   # empty: refused
            note("closebasket", status, time.monotonic() - t0)
            t0 = time.monotonic()
            status, _ = srv.call("baskets/savebasket", {"basket": b, "name": f"C{n}.{i}"})
            note("savebasket", status, time.monotonic() - t0)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    assert statuses == {("newbasket", 200): 96, ("setmetadata", 200): 96,
                        ("closebasket", 409): 96, ("savebasket", 200): 96}, statuses
    # A leaked turn would hold every later writer for the busy timeout (3 s) and more.
    assert slowest[0] < 3, slowest
