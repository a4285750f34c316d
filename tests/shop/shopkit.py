"""What the shop's tests share: a customer's browser (:class:`Browser`, WebTest with cookies of its
own and the shop's forms), what the box office sees (the API, the database), the test payment
service's notification, the outbox, and a real SMTP server (aiosmtpd).

Imported by ``conftest.py`` and the test modules of this directory (pytest puts it on the path).
"""

from __future__ import annotations

import email
import re
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import lxml.html
import sqlalchemy as sa
import webtest
from pyramid.scripting import prepare
from pyramid.session import JSONSerializer
from webob.cookies import SignedSerializer

from xts2_core import settle_overdue
from xts2_core.baskets.service import delete_expired
from xts2_core.mail import OutboxMail
from xts2_core.payments import OnlinePayment
from xts2_shop import testpay
from xts2_shop.models import ShopOrder

WEBSITE_KEY = "website-terminal-key-0001"
SECRET = "test-secret-not-secret"
#: The settings of the ``shop`` fixture's app (the test payment service on, its notification
#: left to the test); an app of a test's own starts from them.
SHOP_SETTINGS = {"shop.testpay": "true", "shop.testpay.notify": "off",
                 "shop.venue_name": "Riverside Theatre", "shop.secret": SECRET}
ANN = {"name": "Ann Example", "email": "ann@example.org"}
BOB = {"name": "Bob Example", "email": "bob@example.org"}
TOKEN_RE = re.compile(r"/shop/order/([A-Za-z0-9_-]+)")
COOKIE = "xts2shop"


class Browser(webtest.TestApp):  # type: ignore[misc]
    """A customer's browser on the shop: its own cookies, and the steps of buying as a customer
    takes them (each reads the page and sends its form, as a browser without JavaScript does)."""

    def __init__(self, shop: Any, **extra_environ: Any) -> None:
        super().__init__(shop.wsgi, extra_environ={"REMOTE_ADDR": "192.0.2.10", **extra_environ})
        self.shop = shop

    # -- pages and forms ---------------------------------------------------------------------

    def csrf(self) -> str:
        """The session's CSRF token, as the shop's forms carry it (read from the cookie, so any
        page will do, with or without a form)."""
        if "xts2shop" not in self.cookies:
            self.get("/shop/")
        return session_of(self)["_csrft_"]

    def add(self, perf: int, quantities: dict[int, Any], *, status: int = 303,
            extra: dict[str, str] | None = None) -> Any:
        """Fill the performance page's form (``{tickettype id: quantity}``) and send it; a
        success is followed to the basket page."""
        page = self.get(f"/shop/performance/{perf}")
        form = page.forms["tickets"]
        for tickettype, n in quantities.items():
            form[f"q.{tickettype}"].force_value(str(n))
        fields = dict(form.submit_fields())
        fields.update(extra or {})
        response = self.post(form.action, fields, status=status)
        return response.follow() if status == 303 else response

    def add_form(self, perf: int) -> dict[str, str]:
        """The performance page's form fields as they are (to send again, or change)."""
        return dict(self.get(f"/shop/performance/{perf}").forms["tickets"].submit_fields())

    def post_add(self, perf: int, fields: dict[str, str], status: int | str = "*") -> Any:
        return self.post(f"/shop/performance/{perf}/add", fields, status=status)

    def checkout(self, *, name: str = ANN["name"], email: str = ANN["email"],
                 email2: str | None = None, method: str = "testpay",
                 status: int = 303) -> Any:
        """Fill the checkout page's form and send it (not followed)."""
        page = self.get("/shop/checkout")
        form = page.forms["details"]
        form["name"].force_value(name)
        form["email"].force_value(email)
        form["email2"].force_value(email if email2 is None else email2)
        form["method"].force_value(method)
        return form.submit(status=status)

    def pay(self, outcome: str = "paid") -> Any:
        """On the test payment service's page (after :meth:`checkout`): press Pay or Decline.
        Answers the redirect back to the shop (not followed)."""
        page = self.get(f"/shop/testpay/{self.reference()}")
        return page.forms["pay"].submit("outcome", value=outcome, status=303)

    def reference(self) -> str:
        """The test payment service's reference of the session's latest payment."""
        return latest_payment(self.shop).reference

    def buy(self, perf: int, quantities: dict[int, Any], *, notify_first: bool = False,
            **details: Any) -> tuple[str, Any]:
        """A whole purchase; answers the order's token and its page."""
        self.add(perf, quantities)
        self.checkout(**details).follow()
        back = self.pay()
        if notify_first:
            notify(self.shop, self.reference(), "paid")
        order = back.follow(status=303)
        return token_of(order.location), order.follow()

    def reserve(self, perf: int, quantities: dict[int, Any], **details: Any) -> tuple[str, Any]:
        self.add(perf, quantities)
        response = self.checkout(method="boxoffice", **details)
        return token_of(response.location), response.follow()


def signer(secret: str = SECRET) -> SignedSerializer:
    """What signs the shop's cookie (Pyramid's SignedCookieSessionFactory, its defaults)."""
    return SignedSerializer(secret, "pyramid.session.", "sha512", serializer=JSONSerializer())


def session_of(browser: webtest.TestApp) -> dict[str, Any]:
    """What the browser's shop cookie holds (the session's values)."""
    _accessed, _created, state = signer().loads(browser.cookies[COOKIE].strip('"'))
    return state


def token_of(location: str) -> str:
    return TOKEN_RE.search(location)[1]


def notify(shop: Any, reference: str, outcome: str, *, secret: str = SECRET,
           status: int = 200) -> Any:
    """The test payment service's notification, signed as the service signs it, from a client
    with no cookies (the service's server)."""
    body = {"reference": reference, "outcome": outcome,
            "signature": testpay.signature(secret, reference, outcome)}
    return webtest.TestApp(shop.wsgi, extra_environ={"REMOTE_ADDR": "198.51.100.7"}).post(
        "/shop/testpay/notify", body, status=status)


def words(response: Any) -> str:
    """What a page's ``<main>`` says, as a reader would hear it: its text, white space made one
    space (so that a test does not depend on the markup)."""
    root = lxml.html.fromstring(response.body)
    main = root.find(".//main")
    return " ".join((main if main is not None else root).text_content().split())


# -- what the box office sees -----------------------------------------------------------------

def basket(shop: Any, basket_id: int) -> dict[str, Any]:
    return shop.call("baskets/getbasket", {"basket": basket_id})["basket"]


def items(shop: Any, basket_id: int, kind: str) -> list[dict[str, Any]]:
    return [i for i in basket(shop, basket_id).get("item") or [] if i["type"] == kind]


def counts(shop: Any, perf: int) -> dict[str, int]:
    c = shop.call("tickets/getperformance", {"performance": perf})["performance"]["counts"]
    return {k: c[k] for k in ("sold", "reserved", "available")}


def takings(shop: Any) -> dict[str, Any]:
    """The Website terminal's takings of the test's day."""
    return shop.call("money/gettakings", {"since": "2026-11-30T00:00", "until": "2026-12-31T00:00"},
                     key=WEBSITE_KEY)["takings"]


def all_baskets(shop: Any) -> list[dict[str, Any]]:
    return shop.call("baskets/getbaskets", {"limit": 1000})["baskets"]


def payments(shop: Any) -> list[OnlinePayment]:
    with shop.session() as s:
        rows = list(s.execute(sa.select(OnlinePayment).order_by(OnlinePayment.id)).scalars())
        s.expunge_all()
    return rows


def latest_payment(shop: Any) -> OnlinePayment:
    return payments(shop)[-1]


def orders(shop: Any) -> list[ShopOrder]:
    with shop.session() as s:
        rows = list(s.execute(sa.select(ShopOrder).order_by(ShopOrder.id)).scalars())
        s.expunge_all()
    return rows


def outbox(shop: Any) -> list[OutboxMail]:
    with shop.session() as s:
        rows = list(s.execute(sa.select(OutboxMail).order_by(OutboxMail.id)).scalars())
        s.expunge_all()
    return rows


def message(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=default_policy)


def parts(msg: EmailMessage) -> tuple[str, str]:
    """The plain-text and the HTML part of a mail."""
    return (msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content())


def settle(shop: Any) -> int:
    """What ``xts2 expire`` does for the payments under way past their bound, on the test's
    clock: settle them in a transaction of its own (a script's request on the app's registry,
    as the command's)."""
    env = prepare(registry=shop.registry)
    try:
        request = env["request"]
        with request.tm:
            return settle_overdue(request)
    finally:
        env["closer"]()


def expire(shop: Any) -> int:
    """The rest of ``xts2 expire`` on the test's clock: delete the expired baskets."""
    with shop.session() as s:
        return delete_expired(s, shop.clock.now())


def snapshot(shop: Any) -> tuple[Any, ...]:
    """Everything a refused request must leave as it was: the baskets with their items, the
    payments, the orders, the mail."""
    baskets = [basket(shop, b["id"]) for b in all_baskets(shop)]
    return (baskets, [(p.id, p.state, p.amount) for p in payments(shop)],
            [(o.id, o.state, o.name, o.email) for o in orders(shop)], len(outbox(shop)))
