"""The pages that only read: what's on, a show, a performance — and the what's-on page of the
box-office client, whose Book links lead to the shop when the shop is installed."""

from __future__ import annotations

from typing import Any

import lxml.html
from shopkit import Browser, words


def book_links(page: Any) -> list[str]:
    """Where the page's Book links lead."""
    root = lxml.html.fromstring(page.body)
    return sorted(a.get("href") for a in root.iter("a")
                  if a.text_content().strip().startswith("Book"))


def test_whats_on_lists_what_is_for_sale(shop, customer):
    c = customer()
    page = c.get("/shop/")
    text = words(page)
    assert "Hamlet" in text and "Macbeth" in text
    ids = shop.ids.perfs
    links = book_links(page)
    assert links == sorted(f"/shop/performance/{ids[k]}" for k in [
        ("Hamlet", "2026-12-01T19:30"), ("Hamlet", "2026-12-05T19:30"),
        ("Macbeth", "2026-12-03T19:00")])  # not the one that started on 29 Nov
    assert c.get("/shop", status=302).location.endswith("/shop/")


def test_a_sold_out_performance_has_no_book_link(shop, customer):
    macbeth = shop.ids.perfs[("Macbeth", "2026-12-03T19:00")]
    customer().add(macbeth, {shop.ids.tickettypes[("Macbeth", "Standard")]: 5})
    c = customer(REMOTE_ADDR="192.0.2.20")
    assert f"/shop/performance/{macbeth}" not in book_links(c.get("/shop/"))
    show = c.get(f"/shop/show/{shop.ids.shows['Macbeth']}")
    assert "Sold out" in words(show)
    assert book_links(show) == []


def test_the_show_page(shop, customer):
    page = customer().get(f"/shop/show/{shop.ids.shows['Hamlet']}")
    assert "A prince hesitates." in words(page)
    assert len(book_links(page)) == 2


def test_the_whats_on_book_link_leads_to_the_shop(shop):
    settings = shop.call("jsclient/getsettings", key=False)["settings"]
    assert settings["bookingurl"] == "/shop/performance/{performance}"
    perf = shop.ids.perfs[("Hamlet", "2026-12-05T19:30")]
    page = Browser(shop).get(settings["bookingurl"].replace("{performance}", str(perf)))
    assert "tickets" in page.forms
    assert "Saturday 5 December 2026, 19:30" in words(page)


def test_the_book_link_is_the_venues_own_when_set(xts2_app_factory, shop):
    app = xts2_app_factory(**{"jsclient.booking_url": "https://venue.example/book?p={performance}"})
    assert app.call("jsclient/getsettings", key=False)["settings"]["bookingurl"] == \
        "https://venue.example/book?p={performance}"


def test_no_book_link_without_the_shop(xts2_app_factory, shop):
    app = xts2_app_factory(plugins=["tickets", "money", "jsclient"])
    assert app.call("jsclient/getsettings", key=False)["settings"].get("bookingurl") is None
    app.get("/shop/", status=404)
