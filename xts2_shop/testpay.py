"""A test payment service, for development and the demo only (``shop.testpay = true``;
production.ini never offers it, and a test holds it to that).

It plays a card payment service end to end with no outside service: the shop's payment step
sends the customer to a page of its own (``/shop/testpay/<reference>``) with **Pay** and
**Decline**; what the customer chooses is the service's record (kept in the payment's
``detail``). Like a real service it tells the shop twice, in either order: the customer's
return (``/shop/pay/<id>/return``, which asks :func:`check`) and a notification
(``POST /shop/testpay/notify``, signed with the shop's secret so a customer cannot make one),
sent by the server to itself when ``shop.testpay.notify`` says:

``before``  (default) once the choice is saved, before the customer is sent back (waited
            for up to 2 s, never longer: a busy server is not stuck on itself): the
            notification usually confirms first, the return finds the order paid;
``after``   N seconds after (``shop.testpay.notify_delay``, default 2), from a thread: the
            return comes first;
``off``     none (tests post it themselves).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
import urllib.request
from typing import Any
from urllib.parse import urlencode

from pyramid.csrf import check_csrf_token
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.response import Response

from xts2_core import (
    OnlinePayment,
    PaymentMethod,
    confirm_payment,
    fail_payment,
    find_payment,
)

log = logging.getLogger(__name__)
NAME = "testpay"


def start(request: Any, payment: OnlinePayment) -> Any:
    """Send the customer to the service's page (a second try keeps its reference)."""
    if not payment.reference:
        payment.reference = f"tp_{payment.id}_{secrets.token_hex(6)}"
    payment.detail = {**(payment.detail or {}), "service": "open"}
    request.dbsession.flush()
    return HTTPSeeOther(request.route_path("shop.testpay", reference=payment.reference))


def check(request: Any, payment: OnlinePayment) -> str:
    return {"paid": "paid", "declined": "failed"}.get((payment.detail or {}).get("service"),
                                                      "pending")


def refund(request: Any, payment: OnlinePayment, amount: int, key: str) -> str:
    refunds = dict((payment.detail or {}).get("refunds") or {})
    refunds.setdefault(key, amount)  # the same key twice refunds once, as a service would
    payment.detail = {**(payment.detail or {}), "refunds": refunds}
    request.dbsession.flush()
    return f"tpr_{payment.id}_{key}"


def late(request: Any, payment: OnlinePayment) -> None:
    """Paid too late for its basket: the whole amount goes back at once."""
    refund(request, payment, payment.amount, f"late-{payment.id}")
    payment.state = "refunded"
    request.dbsession.flush()


METHOD = PaymentMethod(
    name=NAME, label="Pay online (test payment service)", paymenttype="online",
    start=start, check=check, refund=refund, late=late, hold_seconds=1800,
    description="A stand-in for a card payment service, for trying the shop: no money moves.")


# -- the service's own pages ---------------------------------------------------------------------

def signature(secret: str, reference: str, outcome: str) -> str:
    return hmac.new(secret.encode(), f"{reference}:{outcome}".encode(), hashlib.sha256).hexdigest()


def service_page(request: Any) -> Any:
    from .views import page

    payment = find_payment(request, NAME, request.matchdict["reference"])
    if payment is None:
        return page(request, "notfound.jinja2", status=404, message="No such test payment.")
    return page(request, "testpay.jinja2", payment=payment,
                outcome=(payment.detail or {}).get("service"))


def service_choose(request: Any) -> Any:
    """POST: the customer pressed Pay or Decline on the service's page."""
    check_csrf_token(request, raises=True)
    outcome = request.POST.get("outcome")
    payment = find_payment(request, NAME, request.matchdict["reference"])
    if payment is None or outcome not in ("paid", "declined"):
        from .views import page

        return page(request, "notfound.jinja2", status=404, message="No such test payment.")
    if (payment.detail or {}).get("service") in ("open", "declined"):  # a paid one stays paid
        payment.detail = {**(payment.detail or {}), "service": outcome}
        request.dbsession.flush()
    _notify_later(request, payment.reference, outcome)
    return HTTPSeeOther(request.route_path("shop.return", payment=payment.id))


def _notify_later(request: Any, reference: str, outcome: str) -> None:
    settings = request.registry.settings
    mode = settings.get("shop.testpay.notify", "before")
    if mode == "off":
        return
    url = request.route_url("shop.testpay.notify")
    body = urlencode({"reference": reference, "outcome": outcome,
                      "signature": signature(request.registry["shop.secret"].get(), reference,
                                             outcome)}).encode()
    delay = float(settings.get("shop.testpay.notify_delay", 2)) if mode == "after" else 0.0

    def send() -> None:
        time.sleep(delay)
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=30):
                pass
        except OSError as exc:
            log.warning("the test payment service could not notify %s: %s", url, exc)

    thread = threading.Thread(target=send, daemon=True, name="testpay-notify")
    if mode == "after":
        thread.start()
        return

    def before(request: Any) -> None:
        # After this request's commit, before its answer leaves the process: the notification
        # usually confirms first. It is sent from a thread of its own and waited for a little
        # only, so a server whose threads are all busy (an on-sale) is never stuck waiting on
        # itself: the customer's return then confirms first, as with a slow service.
        thread.start()
        thread.join(timeout=2.0)

    request.add_finished_callback(before)


def notify(request: Any) -> Any:
    """POST from the service: a payment's outcome. Signed; the same one twice changes nothing."""
    reference = request.POST.get("reference", "")
    outcome = request.POST.get("outcome", "")
    given = request.POST.get("signature", "")
    expected = signature(request.registry["shop.secret"].get(), reference, outcome)
    if not hmac.compare_digest(given, expected):
        return Response("bad signature", status=400, content_type="text/plain")
    payment = find_payment(request, NAME, reference)
    if payment is None:
        return Response("unknown payment", status=200, content_type="text/plain")
    if outcome == "paid":
        payment.detail = {**(payment.detail or {}), "service": "paid"}
        confirm_payment(request, payment)
    else:
        fail_payment(request, payment, "the payment was declined")
    return Response("ok", content_type="text/plain")


def includeme(config: Any) -> None:
    if NAME not in config.registry["xts2.payment_methods"]:
        return
    config.add_route("shop.testpay.notify", "/shop/testpay/notify")
    config.add_route("shop.testpay", "/shop/testpay/{reference}")
    config.add_route("shop.testpay.choose", "/shop/testpay/{reference}/choose")
    config.add_view(notify, route_name="shop.testpay.notify", request_method="POST")
    config.add_view(service_page, route_name="shop.testpay", request_method=("GET", "HEAD"))
    config.add_view(service_choose, route_name="shop.testpay.choose", request_method="POST")
