"""The limit on new baskets per client address (``shop.baskets_per_window`` per
``shop.rate_window`` seconds): the next one gets a page saying when to try again; other addresses
are not affected; after the window it works again."""

from __future__ import annotations

from typing import Any

import pytest
from shopkit import SHOP_SETTINGS, Browser, all_baskets, counts, words


@pytest.fixture
def limited(xts2_app_factory: Any, shop: Any) -> Any:
    """The shop's app with 2 new baskets per address per 10 minutes (on the same data)."""
    return xts2_app_factory(**{**SHOP_SETTINGS, "shop.baskets_per_window": "2",
                               "shop.rate_window": "600"})


def test_the_third_new_basket_from_one_address_waits(shop, limited):
    perf = shop.ids.perfs[("Hamlet", "2026-12-05T19:30")]
    adult = shop.ids.tickettypes[("Hamlet", "Adult")]
    first = Browser(limited, REMOTE_ADDR="192.0.2.10")
    first.add(perf, {adult: 1})
    Browser(limited, REMOTE_ADDR="192.0.2.10").add(perf, {adult: 1})
    third = Browser(limited, REMOTE_ADDR="192.0.2.10")
    shop.clock.advance(minutes=4)
    page = third.add(perf, {adult: 1}, status=429)
    assert "Please wait a moment" in words(page)
    assert "try again in 6 minutes" in words(page)  # the window started 4 minutes ago
    assert len(all_baskets(shop)) == 2
    assert counts(shop, perf)["reserved"] == 2
    assert "Your basket is empty" in words(third.get("/shop/basket", status=200))

    # Adding to a basket one has is not a new basket: not limited.
    first.add(perf, {adult: 2})
    assert counts(shop, perf)["reserved"] == 4

    # Another address is not affected.
    Browser(limited, REMOTE_ADDR="198.51.100.20").add(perf, {adult: 1})
    assert len(all_baskets(shop)) == 3

    # At the window's last minute, still; once it has passed, again.
    shop.clock.advance(minutes=5, seconds=59)
    page = third.add(perf, {adult: 1}, status=429)
    assert "try again in 1 minute" in words(page)
    shop.clock.advance(seconds=1)
    third.add(perf, {adult: 1})
    assert len(all_baskets(shop)) == 4


def test_a_refused_add_does_not_count(shop, limited):
    """A new basket whose tickets were refused (sold out, bad input) was undone, and is not
    counted against the address."""
    macbeth = shop.ids.perfs[("Macbeth", "2026-12-03T19:00")]
    standard = shop.ids.tickettypes[("Macbeth", "Standard")]
    for _ in range(3):
        Browser(limited, REMOTE_ADDR="192.0.2.10").add(macbeth, {standard: 6}, status=409)
    Browser(limited, REMOTE_ADDR="192.0.2.10").add(macbeth, {standard: 1})
    Browser(limited, REMOTE_ADDR="192.0.2.10").add(macbeth, {standard: 1})
    Browser(limited, REMOTE_ADDR="192.0.2.10").add(macbeth, {standard: 1}, status=429)
    assert counts(shop, macbeth)["reserved"] == 2


def test_no_limit_when_the_setting_is_zero(xts2_app_factory, shop):
    free = xts2_app_factory(**{**SHOP_SETTINGS, "shop.baskets_per_window": "0"})
    perf = shop.ids.perfs[("Hamlet", "2026-12-05T19:30")]
    adult = shop.ids.tickettypes[("Hamlet", "Adult")]
    for _ in range(25):  # more than the default 20
        Browser(free, REMOTE_ADDR="192.0.2.10").add(perf, {adult: 1})
    assert counts(shop, perf)["reserved"] == 25


def test_a_forwarded_for_header_does_not_change_the_address(shop, limited):
    """The address is the one the WSGI server gives (behind a trusted proxy, waitress sets it
    from the proxy's header); a customer's own X-Forwarded-For is not believed."""
    perf = shop.ids.perfs[("Hamlet", "2026-12-05T19:30")]
    adult = shop.ids.tickettypes[("Hamlet", "Adult")]
    for n in range(3):
        c = Browser(limited, REMOTE_ADDR="192.0.2.10")
        c.extra_environ["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{n}"
        c.add(perf, {adult: 1}, status=303 if n < 2 else 429)
    assert len(all_baskets(shop)) == 2
