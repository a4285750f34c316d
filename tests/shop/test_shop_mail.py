"""The shop's mail: the confirmation and the reservation in the outbox (the order's link, its
lines, a plain and an HTML part, a name that cannot break a header), and through a real SMTP
server (aiosmtpd): a purchase's mail arrives; with the server away during the purchase it
arrives once the server is back, exactly once.

Nothing here waits for a fixed time: each wait is a bounded poll for what must happen.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
import sqlalchemy as sa
from shopkit import (
    SHOP_SETTINGS,
    Browser,
    latest_payment,
    message,
    notify,
    orders,
    outbox,
    parts,
    words,
)

from xts2_core.testing import eventually
from xts2_shop.models import ShopOrder

SENDER = "Riverside Theatre box office <boxoffice@riverside.example>"


@pytest.fixture
def hamlet(shop: Any) -> dict[str, int]:
    ids = shop.ids
    return {"perf": ids.perfs[("Hamlet", "2026-12-01T19:30")],
            "adult": ids.tickettypes[("Hamlet", "Adult")],
            "concession": ids.tickettypes[("Hamlet", "Concession")]}


def link_in(text: str) -> str:
    (url,) = set(re.findall(r"http://localhost(/shop/order/[A-Za-z0-9_-]+)", text))
    return url


def test_the_confirmation_mail(shop, customer, hamlet):
    c = customer()
    token, page = c.buy(hamlet["perf"], {hamlet["adult"]: 2, hamlet["concession"]: 1},
                        name="Zoë Ünal-Smith", email="zoe@example.org")
    (mail,) = outbox(shop)
    basket_id = orders(shop)[0].basket_id
    assert (mail.to_addr, mail.basket_id, mail.sent) == ("zoe@example.org", basket_id, None)
    msg = message(mail.message)
    assert msg["Subject"] == "Your tickets from Riverside Theatre"
    (to,) = msg["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Zoë Ünal-Smith", "zoe@example.org")
    text, html = parts(msg)  # a plain and an HTML alternative (whatever else is attached)
    for part in (text, html):
        assert "Zoë Ünal-Smith" in part
        assert f"order {basket_id}" in part
        assert "confirmed and paid" in part
        assert "Hamlet, Tue 1 Dec 19:30, Adult" in part and "24.00" in part
        assert "Hamlet, Tue 1 Dec 19:30, Concession" in part and "8.00" in part
    # The link (the same in both parts) opens the order, in any browser; it is a new one,
    # not the session's.
    url = link_in(text)
    assert url == link_in(html)
    assert url != f"/shop/order/{token}"
    other = Browser(shop, REMOTE_ADDR="198.51.100.1")
    assert f"Order {basket_id} for Zoë Ünal-Smith" in words(other.get(url))


def test_the_reservation_mail(shop, customer, hamlet):
    c = customer()
    c.reserve(hamlet["perf"], {hamlet["adult"]: 2})
    (mail,) = outbox(shop)
    msg = message(mail.message)
    assert msg["Subject"] == "Your reservation at Riverside Theatre"
    text, html = parts(msg)
    for part in (text, html):
        assert "Tuesday 1 December 2026, 18:30" in part  # the deadline
        assert "Hamlet, Tue 1 Dec 19:30, Adult" in part
    assert "To pay at the box office: 24.00" in text
    assert "Your tickets are reserved" in words(c.get(link_in(text)))


def test_an_order_whose_mail_cannot_be_built_is_still_paid(shop, customer, hamlet, caplog):
    """An address the mail cannot go to (the checkout refuses them now; an order's address
    changed since): the payment is confirmed and the order paid all the same; the log says
    why no mail went."""
    caplog.set_level(logging.WARNING, logger="xts2_shop.orders")
    c = customer()
    c.add(hamlet["perf"], {hamlet["adult"]: 1})
    c.checkout().follow()
    with shop.session() as s:
        s.execute(sa.update(ShopOrder).values(email="a..b@example.org"))
    back = c.pay()
    notify(shop, latest_payment(shop).reference, "paid")
    assert "your order is confirmed" in words(back.follow(status=303).follow())
    assert [o.state for o in orders(shop)] == ["paid"]
    assert latest_payment(shop).state == "paid"
    assert outbox(shop) == []
    assert "confirmation mail cannot be sent" in caplog.text


# -- a real SMTP server -----------------------------------------------------------------------

def mail_app(xts2_app_factory: Any, server: Any) -> Any:
    """The shop's app sending its mail to ``server`` (on the ``shop`` fixture's data), retrying
    every second."""
    return xts2_app_factory(**{**SHOP_SETTINGS, "mail.host": "127.0.0.1",
                               "mail.port": str(server.port), "mail.sender": SENDER,
                               "mail.retry_seconds": "1"})


def all_sent(shop: Any, count: int) -> list[Any]:
    rows = outbox(shop)
    return rows if len(rows) == count and all(r.sent is not None for r in rows) else []


def test_a_purchases_mail_arrives(xts2_app_factory, shop, hamlet, xts2_mail_server):
    server = xts2_mail_server()
    app = mail_app(xts2_app_factory, server)
    Browser(app).buy(hamlet["perf"], {hamlet["adult"]: 1})
    (msg,) = server.wait(1)
    assert server.envelopes[0].rcpt_tos == ["ann@example.org"]
    assert msg["From"] == SENDER
    assert msg["To"] == "Ann Example <ann@example.org>"
    assert msg["Subject"] == "Your tickets from Riverside Theatre"
    text, _ = parts(msg)
    assert "Hamlet, Tue 1 Dec 19:30, Adult" in text
    assert "Ann Example" in words(Browser(app).get(link_in(text)))
    (row,) = eventually(lambda: all_sent(shop, 1), what="the mail marked sent")
    assert row.attempts == 1


def test_the_mail_server_away_during_the_purchase(xts2_app_factory, shop, hamlet, xts2_mail_server,
                                                 caplog):
    caplog.set_level(logging.WARNING, logger="xts2_core.mail")
    down = xts2_mail_server(start=False)  # its port, with nothing listening yet
    app = mail_app(xts2_app_factory, down)
    # The purchase neither waits for nor fails with the mail server.
    token, page = Browser(app).buy(hamlet["perf"], {hamlet["adult"]: 1}, notify_first=True)
    assert "your order is confirmed" in words(page)
    (row,) = eventually(lambda: [r for r in outbox(shop) if r.attempts == 1],
                        what="the first attempt")
    assert row.sent is None and row.last_error

    server = down.start()
    shop.clock.advance(seconds=30)  # the retry is due; the sender wakes by itself
    (msg,) = server.wait(1)
    assert msg["Subject"] == "Your tickets from Riverside Theatre"
    (row,) = eventually(lambda: all_sent(shop, 1), what="the mail marked sent")
    assert (row.attempts, row.last_error) == (2, None)

    # Exactly once: a later purchase's mail arrives after it, and it was not sent again.
    shop.clock.advance(minutes=5)
    Browser(app, REMOTE_ADDR="192.0.2.20").buy(hamlet["perf"], {hamlet["concession"]: 1},
                                               name="Bob Example", email="bob@example.org")
    messages = server.wait(2)
    assert [m["To"].addresses[0].addr_spec for m in messages] == ["ann@example.org",
                                                                  "bob@example.org"]
    eventually(lambda: all_sent(shop, 2), what="both mails marked sent")
    assert len(server.envelopes) == 2
