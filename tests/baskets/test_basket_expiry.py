"""Expiry: an open, non-persistent basket whose ``expires`` has passed is gone — for every
command, for ``getbaskets`` and for the counts — the moment it expires, with no background job."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from basket_calls import add_widget, error, new_basket

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def expired(app, xts2_clock):
    """(expired basket id, its item id, a live basket id, its item id)."""
    xts2_clock.set(NOON)
    gone = new_basket(app, expiry=60)["id"]
    gone_item = add_widget(app, gone, "5")["item"]["id"]
    app.call("baskets/setmetadata", {"basket": gone, "key": "k", "value": "v"})
    live = new_basket(app, expiry=3600)["id"]
    live_item = add_widget(app, live, "1")["item"]["id"]
    xts2_clock.advance(60)                       # expires == now: expired
    return gone, gone_item, live, live_item


def counts(app):
    body = app.call("xts/getstats")
    return {c["name"]: c["text"] for c in body["stats"]["count"]}


def test_alive_until_expires_then_gone(app, xts2_clock):
    xts2_clock.set(NOON)
    b = new_basket(app, expiry=60)["id"]
    xts2_clock.advance(59)
    assert app.call("baskets/getbasket", {"basket": b})["basket"]["id"] == b
    xts2_clock.advance(1)
    assert error(app.call("baskets/getbasket", {"basket": b}, status=409)) == (
        "basket_expired", None)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_command_naming_it_answers_basket_expired(app, expired, fmt):
    gone, gone_item, live, live_item = expired
    calls = [
        ("getbasket", {"basket": gone}, False),
        ("touchbasket", {"basket": gone}, False),
        ("touchbasket", {"basket": gone, "expiry": 600}, False),
        ("savebasket", {"basket": gone, "name": "Too late"}, False),
        ("additem", {"basket": gone, "type": "widget", "item.price": "1"}, False),
        ("removeitem", {"basket": gone, "item": gone_item}, False),
        ("moveitem", {"item": gone_item, "to": live}, False),        # its basket expired
        ("moveitem", {"item": live_item, "to": gone}, False),        # the target expired
        ("closebasket", {"basket": gone}, False),
        ("openbasket", {"basket": gone}, True),
        ("setmetadata", {"basket": gone, "key": "k", "value": "w"}, False),
        ("setmetadata", {"basket": gone, "key": "k"}, False),
        ("getmetadata", {"basket": gone}, False),
    ]
    for cmd, params, admin in calls:
        resp = app.call(f"baskets/{cmd}", params, status=409, admin=admin, fmt=fmt)
        if fmt == "json":
            assert error(resp)[0] == "basket_expired", cmd
            assert str(gone) in resp["error"]["message"]
        else:
            from lxml import etree

            assert etree.fromstring(resp.body).find("error").get("code") == "basket_expired", cmd
    # Nothing changed: the live basket still holds its item, the expired one is untouched.
    assert [i["id"] for i in app.call("baskets/getbasket", {"basket": live})["basket"]["item"]
            ] == [live_item]


def test_left_out_of_getbaskets_and_counts(app, expired):
    gone, _, live, _ = expired
    body = app.call("baskets/getbaskets")
    assert [b["id"] for b in body["baskets"]] == [live] and body["total"] == 1
    assert app.call("baskets/getbaskets", {"contains": "widget"})["total"] == 1
    c = counts(app)
    assert (c["baskets"], c["openbaskets"], c["items"]) == (1, 1, 1)


def test_counts_before_expiry(app, xts2_clock):
    xts2_clock.set(NOON)
    b = new_basket(app, expiry=60)["id"]
    add_widget(app, b, "1")
    c = counts(app)
    assert (c["baskets"], c["openbaskets"], c["items"]) == (1, 1, 1)
    xts2_clock.advance(61)
    c = counts(app)
    assert (c["baskets"], c["openbaskets"], c["items"]) == (0, 0, 0)


def test_no_background_job_needed(app, expired, xts2_clock):
    """The rows are still there (``xts2 expire`` tidies); the API alone hides them."""
    from basket_calls import rows

    gone = expired[0]
    assert rows(app, "SELECT id FROM core_basket WHERE id = :b", b=gone) == [(gone,)]
    # Moving the clock back brings it back: expiry is a comparison with now, nothing more.
    xts2_clock.advance(-1)
    assert app.call("baskets/getbasket", {"basket": gone})["basket"]["value"] == "5.00"


def test_touch_keeps_it_alive(app, xts2_clock):
    xts2_clock.set(NOON)
    b = new_basket(app, expiry=60)["id"]
    for _ in range(5):
        xts2_clock.advance(50)
        app.call("baskets/touchbasket", {"basket": b, "expiry": 60})
    xts2_clock.advance(59)
    assert app.call("baskets/getbasket", {"basket": b})["basket"]["state"] == "open"
    xts2_clock.advance(1)
    assert error(app.call("baskets/getbasket", {"basket": b}, status=409))[0] == "basket_expired"


def test_saved_closed_and_forever_baskets_never_expire(app, xts2_clock):
    xts2_clock.set(NOON)
    saved = new_basket(app, expiry=30)["id"]
    app.call("baskets/savebasket", {"basket": saved, "name": "Keep"})
    closed = new_basket(app, expiry=30)["id"]
    add_widget(app, closed, "0")
    app.call("baskets/closebasket", {"basket": closed})
    forever = new_basket(app, expiry=30)["id"]
    body = add_widget(app, forever, "10", forever=1)     # like money's payment: never expires
    assert "expires" not in body["basket"] and body["basket"]["persistent"] is False
    xts2_clock.advance(days=400)
    for b in (saved, closed, forever):
        assert app.call("baskets/getbasket", {"basket": b})["basket"]["id"] == b
    assert app.call("baskets/getbaskets")["total"] == 3
    # touchbasket leaves a basket that never expires as it is.
    assert "expires" not in app.call("baskets/touchbasket", {"basket": forever})["basket"]


def test_newbasket_expires_default_from_setting(xts2_app_factory, provider, xts2_clock):
    app = xts2_app_factory(plugins=[], extra=[("testprovider", provider)],
                           **{"xts2.basket_expiry": "45"})
    xts2_clock.set(NOON)
    b = new_basket(app)["id"]
    xts2_clock.advance(44)
    app.call("baskets/getbasket", {"basket": b})
    xts2_clock.advance(1)
    assert error(app.call("baskets/getbasket", {"basket": b}, status=409))[0] == "basket_expired"
