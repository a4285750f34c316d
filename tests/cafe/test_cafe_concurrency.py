"""Two server processes selling the last coffees at once never sell more than the level."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from xts2_core.testing import TEST_KEY


@pytest.mark.live
def test_two_processes_never_oversell(cafe, xts2_live_server):
    coffee = cafe.ids()["Coffee"]        # level 5
    servers = [xts2_live_server(plugins=["cafe"]), xts2_live_server(plugins=["cafe"])]

    def buy(n: int) -> tuple[int, dict]:
        server = servers[n % 2]
        status, body = server.get("baskets/newbasket", {"terminalkey": TEST_KEY})
        assert status == 200, body
        return server.get("baskets/additem", {
            "terminalkey": TEST_KEY, "basket": body["basket"]["id"], "type": "cafe",
            "item.stock": coffee, "item.quantity": 1})

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(buy, range(12)))
    sold = [b for s, b in results if s == 200]
    refused = [b for s, b in results if s != 200]
    assert len(sold) == 5
    assert len(refused) == 7
    assert {b["error"]["code"] for b in refused} == {"item_rejected"}
    assert {b["error"]["message"] for b in refused} == {"Coffee is sold out"}
    assert cafe.available()["Coffee"] == 0
