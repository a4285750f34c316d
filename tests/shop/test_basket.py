"""The basket: it expires, the ticket limit per order, the last seats of a performance, and what
the basket page says once the order is done."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from shopkit import (
    SHOP_SETTINGS,
    Browser,
    all_baskets,
    counts,
    items,
    latest_payment,
    notify,
    snapshot,
    words,
)


@pytest.fixture
def hamlet(shop: Any) -> dict[str, int]:
    ids = shop.ids
    return {"perf": ids.perfs[("Hamlet", "2026-12-05T19:30")],
            "adult": ids.tickettypes[("Hamlet", "Adult")],
            "concession": ids.tickettypes[("Hamlet", "Concession")]}


@pytest.fixture
def macbeth(shop: Any) -> dict[str, int]:
    """Thu 3 Dec 19:00, five seats."""
    return {"perf": shop.ids.perfs[("Macbeth", "2026-12-03T19:00")],
            "standard": shop.ids.tickettypes[("Macbeth", "Standard")]}


# -- expiry -----------------------------------------------------------------------------------

def test_an_expired_basket_says_so_and_offers_to_start_again(shop, customer, hamlet):
    c = customer()
    page = c.add(hamlet["perf"], {hamlet["adult"]: 2})
    assert "30 minutes" in words(page)
    assert counts(shop, hamlet["perf"])["reserved"] == 2

    shop.clock.advance(minutes=31)
    page = c.get("/shop/basket", status=410)
    assert "Your basket has expired" in words(page)
    assert counts(shop, hamlet["perf"]) == {"sold": 0, "reserved": 0, "available": 100}
    # Checking out is not possible any more: back to the basket, which says why.
    assert c.get("/shop/checkout", status=303).location.endswith("/shop/basket")
    # A form of the checkout page sent now changes nothing either.
    assert c.post("/shop/checkout", {"csrf_token": c.csrf(), "name": "Ann", "email":
                                     "ann@example.org", "email2": "ann@example.org",
                                     "method": "testpay"}, status=303)
    assert latest_payment_or_none(shop) is None

    # Start again: the basket is forgotten, and the next tickets go into a new one.
    restart = page.forms[0].submit(status=303)
    assert restart.location.endswith("/shop/")
    assert "Your basket is empty" in words(c.get("/shop/basket", status=200))
    page = c.add(hamlet["perf"], {hamlet["adult"]: 1})
    assert "£12.00" in words(page)
    assert [b["state"] for b in all_baskets(shop)] == ["open"]


def latest_payment_or_none(shop: Any) -> Any:
    try:
        return latest_payment(shop)
    except IndexError:
        return None


def test_adding_to_an_expired_basket_starts_a_new_one(shop, customer, hamlet):
    c = customer()
    c.add(hamlet["perf"], {hamlet["adult"]: 2})
    shop.clock.advance(minutes=31)
    page = c.add(hamlet["perf"], {hamlet["concession"]: 1})
    text = words(page)
    assert "Concession" in text and "Adult" not in text
    assert counts(shop, hamlet["perf"])["reserved"] == 1


def test_the_basket_page_after_paying_leads_to_the_order_not_to_expired(shop, customer, hamlet):
    """The payment service told the shop first (the basket closed) and the customer looks at
    the basket before coming back from the service: the order, not "expired"."""
    c = customer()
    c.add(hamlet["perf"], {hamlet["adult"]: 1})
    c.checkout().follow()
    c.pay()
    notify(shop, latest_payment(shop).reference, "paid")
    page = c.get("/shop/basket", status=303)
    assert "/shop/order/" in page.location
    assert "your order is confirmed" in words(page.follow())
    assert "Your basket is empty" in words(c.get("/shop/basket", status=200))
    # ... and the checkout page too.
    assert c.get("/shop/checkout", status=303).location.endswith("/shop/basket")


def test_removing_a_line(shop, customer, hamlet):
    c = customer()
    page = c.add(hamlet["perf"], {hamlet["adult"]: 2, hamlet["concession"]: 1})
    (adult,) = [i for i in items(shop, latest_basket(shop), "ticket") if i["quantity"] == 2]
    form = next(f for f in page.forms.values() if f.fields.get("item")
                and f["item"].value == str(adult["id"]))
    page = form.submit(status=303).follow()
    text = words(page)
    assert "Adult" not in text and "Concession" in text and "£8.00" in text
    assert counts(shop, hamlet["perf"])["reserved"] == 1


def latest_basket(shop: Any) -> int:
    return all_baskets(shop)[0]["id"]


# -- the ticket limit -------------------------------------------------------------------------

def test_eleven_tickets_at_once_are_refused(shop, customer, hamlet):
    c = customer()
    refused = c.add(hamlet["perf"], {hamlet["adult"]: 11}, status=400)
    assert "At most 10 tickets" in words(refused)
    refused = c.add(hamlet["perf"], {hamlet["adult"]: 6, hamlet["concession"]: 5}, status=400)
    assert "An order can hold at most 10 tickets" in words(refused)
    assert "already" not in words(refused)  # the basket had none
    assert all_baskets(shop) == []
    assert counts(shop, hamlet["perf"])["reserved"] == 0


def test_six_then_five_is_refused(shop, customer, hamlet):
    c = customer()
    c.add(hamlet["perf"], {hamlet["adult"]: 6})
    before = snapshot(shop)
    refused = c.add(hamlet["perf"], {hamlet["concession"]: 5}, status=409)
    assert "An order can hold at most 10 tickets; your basket has 6 already" in words(refused)
    assert snapshot(shop) == before
    # Another performance counts too: the limit is per order.
    other = shop.ids.perfs[("Hamlet", "2026-12-01T19:30")]
    c.add(other, {hamlet["adult"]: 5}, status=409)
    assert snapshot(shop) == before
    c.add(other, {hamlet["adult"]: 4})
    assert counts(shop, hamlet["perf"])["reserved"] == 6
    assert counts(shop, other)["reserved"] == 4


def test_the_limit_is_a_setting(xts2_app_factory, shop, hamlet):
    small = xts2_app_factory(**{**SHOP_SETTINGS, "shop.max_tickets": "3"})
    c = Browser(small)
    refused = c.add(hamlet["perf"], {hamlet["adult"]: 4}, status=400)
    assert "At most 3 tickets" in words(refused)
    c.add(hamlet["perf"], {hamlet["adult"]: 3})


# -- the last seats ---------------------------------------------------------------------------

def test_two_customers_after_the_last_seats(shop, customer, macbeth):
    ann, bob = customer(), customer(REMOTE_ADDR="192.0.2.20")
    ann.add(macbeth["perf"], {macbeth["standard"]: 3})
    before = snapshot(shop)
    lost = bob.add(macbeth["perf"], {macbeth["standard"]: 3}, status=409)
    text = words(lost)
    assert "Only 2 tickets are available for Macbeth" in text
    assert snapshot(shop) == before
    # Bob's refused first add left his session with no basket (not an "expired" one).
    assert "Your basket is empty" in words(bob.get("/shop/basket", status=200))
    bob.add(macbeth["perf"], {macbeth["standard"]: 2})
    assert counts(shop, macbeth["perf"]) == {"sold": 0, "reserved": 5, "available": 0}
    # Sold out: no form, and a forged one is refused.
    carol = customer(REMOTE_ADDR="192.0.2.30")
    page = carol.get(f"/shop/performance/{macbeth['perf']}")
    assert "tickets" not in page.forms
    assert "sold out" in words(page).lower()
    forged = carol.post_add(macbeth["perf"], {"csrf_token": carol.csrf(),
                                              "formid": "0123456789abcdef",
                                              f"q.{macbeth['standard']}": "1"}, status=409)
    assert "sold" in words(forged).lower() and "tickets" not in forged.forms
    assert counts(shop, macbeth["perf"]) == {"sold": 0, "reserved": 5, "available": 0}


def test_a_refused_first_add_leaves_no_basket_another_customer_could_share(shop, customer,
                                                                          macbeth, hamlet):
    """The basket made for a refused add is undone with it; the session must not keep its id,
    which the database may give to the next customer's basket."""
    ann = customer()
    ann.add(macbeth["perf"], {macbeth["standard"]: 6}, status=409)
    bob = customer(REMOTE_ADDR="192.0.2.20")
    bob.add(hamlet["perf"], {hamlet["adult"]: 2})
    page = ann.get("/shop/basket", status=200)
    assert "Your basket is empty" in words(page)
    assert "Adult" not in words(page)


def test_the_last_seats_at_the_same_moment(xts2_app_factory, shop, macbeth):
    """Two customers press "Add" at once for 3 of the last 5 seats (each counting slowed down so
    that the two overlap): one gets them, the other is told how many are left; no oversale."""
    racing = xts2_app_factory(**{**SHOP_SETTINGS, "xts2.testing.tickets.count_delay": "0.2"})
    browsers = [Browser(racing, REMOTE_ADDR=f"192.0.2.{n}") for n in (1, 2)]
    forms = [b.add_form(macbeth["perf"]) for b in browsers]
    for form in forms:
        form[f"q.{macbeth['standard']}"] = "3"
    results: list[Any] = [None, None]
    start = threading.Barrier(2)

    def press(i: int) -> None:
        start.wait()
        results[i] = browsers[i].post_add(macbeth["perf"], forms[i])

    threads = [threading.Thread(target=press, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(r.status_int for r in results) == [303, 409]
    (lost,) = [r for r in results if r.status_int == 409]
    assert "Only 2 tickets are available for Macbeth" in words(lost)
    assert counts(shop, macbeth["perf"]) == {"sold": 0, "reserved": 3, "available": 2}
    assert len(all_baskets(shop)) == 1
