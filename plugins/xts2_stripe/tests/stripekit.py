"""What the Stripe plugin's tests share: localstripe (a Stripe emulator, GPL-3.0, for the tests
only) in a process of its own, the venue and its shop, a customer who buys through the shop's
forms (WebTest), what Stripe.js would do with a card, Stripe's webhook signed as Stripe signs it,
and a look at the database.

Imported by ``conftest.py`` and the test modules of this folder (pytest puts it on the path).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
import stripe
import webtest

from xts2_core import OnlinePayment
from xts2_core.testing import free_port

SECRET_KEY = "sk_test_xts2_localstripe_0001"
PUBLISHABLE_KEY = "pk_test_xts2_localstripe_0001"
WEBHOOK_SECRET = "whsec_xts2_tests_not_a_secret"
ENV = {"XTS2_TEST_STRIPE_SECRET": SECRET_KEY, "XTS2_TEST_STRIPE_PUBLIC": PUBLISHABLE_KEY,
       "XTS2_TEST_STRIPE_WEBHOOK": WEBHOOK_SECRET}
WEBSITE_KEY = "website-terminal-key-0001"
ANN = {"name": "Ann Example", "email": "ann@example.org"}

#: Stripe's test cards (localstripe knows them by number).
VISA = "4242424242424242"
DECLINED = "4000000000000341"  # localstripe declines this one when charged
THREE_D_SECURE = "4000002500003155"  # needs 3-D Secure


def settings(api_base: str) -> dict[str, str]:
    """The ini settings of a shop that takes cards through Stripe at ``api_base``."""
    return {
        "stripe.secret_key_env": "XTS2_TEST_STRIPE_SECRET",
        "stripe.publishable_key_env": "XTS2_TEST_STRIPE_PUBLIC",
        "stripe.webhook_secret_env": "XTS2_TEST_STRIPE_WEBHOOK",
        "stripe.api_base": api_base,
        "stripe.js_url": f"{api_base}/js.stripe.com/v3/",
        "stripe.network_retries": "0",
        "stripe.timeout": "10",
        "shop.secret": "stripe-test-secret-not-secret",
        "shop.venue_name": "Riverside Theatre",
    }


def season(first: str = "2026-12-01T19:30", capacity: int = 10) -> dict[str, Any]:
    return {
        "shows": [{"name": "Hamlet", "description": "A prince hesitates.",
                   "tickettypes": [{"name": "Adult", "price": "12.00"},
                                   {"name": "Concession", "price": "8.00"}],
                   "performances": [{"start": first, "capacity": capacity}]}],
        "paymenttypes": [{"code": "cash", "name": "Cash"},
                         {"code": "stripe", "name": "Card (Stripe)"}],
        # The online terminal takes the method's payment type (docs/stripe.md).
        "terminals": [{"name": "Website", "key": WEBSITE_KEY, "expiry": 1800,
                       "paymenttypes": ["stripe"]}],
    }


# -- localstripe ------------------------------------------------------------------------------

class LocalStripe:
    """localstripe on a free port of its own (``--from-scratch``: nothing from an earlier run)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "localstripe.log"
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> LocalStripe:
        exe = shutil.which("localstripe") or str(Path(sys.executable).with_name("localstripe"))
        self._logfile = open(self.log, "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen([exe, "--port", str(self.port), "--from-scratch"],
                                     cwd=self.workdir, stdout=self._logfile,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"localstripe exited: {self.log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{self.url}/js.stripe.com/v3/", timeout=1).read()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"localstripe did not answer in {timeout}s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_logfile", None):
            self._logfile.close()

    def client(self) -> stripe.StripeClient:
        return stripe.StripeClient(SECRET_KEY, base_addresses={"api": self.url},
                                   max_network_retries=0)

    def intent(self, intent_id: str) -> dict[str, Any]:
        return self.client().v1.payment_intents.retrieve(intent_id).to_dict()

    def refunds(self, intent_id: str) -> list[dict[str, Any]]:
        """The PaymentIntent's refunds, newest first by the second each was made in: two
        made within one second come in either order, so compare them sorted."""
        return [r.to_dict() for r in self.client().v1.refunds.list(
            params={"payment_intent": intent_id}).data]

    def webhook(self, url: str, hook_id: str = "xts2") -> None:
        """Send every event to ``url``, signed with the tests' webhook secret."""
        requests.post(f"{self.url}/_config/webhooks/{hook_id}", timeout=10,
                      data={"url": url, "secret": WEBHOOK_SECRET}).raise_for_status()

    # -- what Stripe.js does with the card the customer typed --------------------------------

    def confirm(self, intent_id: str, number: str) -> dict[str, Any]:
        """The PaymentIntent confirmed with a card, as Stripe.js's ``confirmCardPayment`` does
        (a PaymentMethod of the card, then the confirmation): the PaymentIntent
        (``requires_action`` when the bank asks for 3-D Secure). A declined card raises
        ``stripe.CardError``."""
        client = self.client()
        card = {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}
        method = client.v1.payment_methods.create(params={"type": "card", "card": card})
        # localstripe keeps a declined charge as the latest, so a PaymentIntent could never be
        # confirmed again after a decline, as it can at Stripe: start the new try afresh.
        self._post(f"/v1/payment_intents/{intent_id}",
                   {"payment_method": method.id, "latest_charge": None})
        return client.v1.payment_intents.confirm(intent_id).to_dict()

    def authenticate(self, intent: dict[str, Any], success: bool) -> dict[str, Any]:
        """The customer's answer to 3-D Secure (localstripe's own step)."""
        response = requests.post(
            f"{self.url}/v1/payment_intents/{intent['id']}/_authenticate",
            params={"success": "true" if success else "false"}, timeout=10,
            json={"key": PUBLISHABLE_KEY, "client_secret": intent["client_secret"]})
        response.raise_for_status()
        return response.json()

    def pay(self, intent_id: str, number: str = VISA, *, authenticate: bool = True
            ) -> dict[str, Any]:
        """Pay the PaymentIntent with a card (3-D Secure: ``authenticate`` says how the
        customer answers the bank). Answers the PaymentIntent."""
        try:
            intent = self.confirm(intent_id, number)
        except stripe.CardError:
            return self.intent(intent_id)
        if intent["status"] == "requires_action":
            intent = self.authenticate(intent, authenticate)
        return intent

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = requests.post(self.url + path, json=body, timeout=10,
                                 headers={"Authorization": f"Bearer {SECRET_KEY}"})
        response.raise_for_status()
        return response.json()


# -- Stripe's webhook -------------------------------------------------------------------------

def localstripe_or_skip(workdir: Path) -> LocalStripe:
    """localstripe started, or the test skipped (failed under CI) when it is not installed."""
    if not (shutil.which("localstripe") or Path(sys.executable).with_name("localstripe")
            .exists()):
        message = ("localstripe is not installed: pip install -e 'plugins/xts2_stripe[testing]' "
                   "(python3 dev.py test does)")
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return LocalStripe(workdir).start()


def event(kind: str, obj: dict[str, Any], event_id: str | None = None,
          created: int | None = None) -> dict[str, Any]:
    """An event as Stripe sends it (``evt_…``, its type, the object as it is now)."""
    return {"id": event_id or f"evt_test_{secrets.token_hex(8)}", "object": "event",
            "type": kind, "created": created or int(time.time()), "livemode": False,
            "api_version": "2026-10-28.endive", "pending_webhooks": 1,
            "data": {"object": obj}}


def post_event(app: Any, body: dict[str, Any] | bytes, *, secret: str = WEBHOOK_SECRET,
               timestamp: int | None = None, signature: str | None = None,
               status: int | str = 200) -> Any:
    """POST an event to the webhook, signed as Stripe signs it (the raw body, with ``secret``
    at ``timestamp``), from a client with no cookies (Stripe's servers)."""
    payload = body if isinstance(body, bytes) else json.dumps(body, indent=2).encode()
    header = signature if signature is not None else \
        stripe.WebhookSignature.generate_signature_header(payload.decode(), secret, timestamp)
    client = webtest.TestApp(app.wsgi, extra_environ={"REMOTE_ADDR": "198.51.100.7"})
    return client.post("/shop/stripe/webhook", payload, status=status,
                       headers={"Content-Type": "application/json; charset=utf-8",
                                "Stripe-Signature": header})


# -- a customer -------------------------------------------------------------------------------

SECRET_RE = re.compile(r'data-secret="(pi_[A-Za-z0-9]+_secret_[A-Za-z0-9]+)"')


class Customer(webtest.TestApp):  # type: ignore[misc]
    """A customer's browser on the shop (its own cookies), buying by the shop's forms."""

    def __init__(self, app: Any) -> None:
        super().__init__(app.wsgi, extra_environ={"REMOTE_ADDR": "192.0.2.10"})
        self.venue = app

    def add(self, perf: int, quantities: dict[int, int]) -> Any:
        form = self.get(f"/shop/performance/{perf}").forms["tickets"]
        for tickettype, n in quantities.items():
            form[f"q.{tickettype}"].force_value(str(n))
        return form.submit(status=303).follow()

    def checkout(self, *, method: str = "stripe", status: int | str = 200, **who: str) -> Any:
        """The checkout form, sent: the card page (``status`` 200) or a refusal."""
        person = {**ANN, **who}
        form = self.get("/shop/checkout").forms["details"]
        form["name"].force_value(person["name"])
        form["email"].force_value(person["email"])
        form["email2"].force_value(person["email"])
        form["method"].force_value(method)
        return form.submit(status=status)

    def back(self, payment_id: int, status: int | str = "*") -> Any:
        """The shop's return address, as card.js goes there once Stripe.js has paid."""
        return self.get(f"/shop/pay/{payment_id}/return", status=status)


def client_secret(card_page: Any) -> str:
    return SECRET_RE.search(card_page.text)[1]


def intent_of(card_page: Any) -> str:
    return client_secret(card_page).split("_secret_")[0]


# -- the database -----------------------------------------------------------------------------

def payments(app: Any) -> list[OnlinePayment]:
    with app.session() as s:
        rows = list(s.execute(sa.select(OnlinePayment).order_by(OnlinePayment.id)).scalars())
        s.expunge_all()
    return rows


def payment(app: Any) -> OnlinePayment:
    return payments(app)[-1]


def rows(app: Any, model: Any) -> list[Any]:
    with app.session() as s:
        found = list(s.execute(sa.select(model)).scalars())
        s.expunge_all()
    return found


def basket(app: Any, basket_id: int) -> dict[str, Any]:
    return app.call("baskets/getbasket", {"basket": basket_id})["basket"]


def counts(app: Any, perf: int) -> dict[str, int]:
    c = app.call("tickets/getperformance", {"performance": perf})["performance"]["counts"]
    return {k: c[k] for k in ("sold", "reserved", "available")}


# -- a request of the app, for what runs without a customer (xts2 expire, the box office) ------

@contextmanager
def app_request(app: Any) -> Iterator[Any]:
    """A request of ``app`` in a transaction committed at the end, as ``xts2 expire`` has."""
    from pyramid.scripting import prepare

    env = prepare(registry=app.registry)
    request = env["request"]
    try:
        with request.tm:
            yield request
    finally:
        env["closer"]()


def method(app: Any) -> Any:
    from xts2_core import payment_methods

    return payment_methods(app.registry)["stripe"]


# -- Stripe as it is, not as localstripe is -----------------------------------------------------

class FlakyStripe(stripe.RequestsClient):
    """An HTTP client for the Stripe library that keeps Stripe's promise localstripe does not:
    a request sent again with the same ``Idempotency-Key`` gets the first answer, and nothing
    is done twice. ``lose(n)``: the next ``n`` requests are done at Stripe but their answers
    are lost on the way back (a time-out); ``down()``: nothing reaches Stripe."""

    def __init__(self) -> None:
        super().__init__(timeout=10)
        self.answers: dict[str, tuple[Any, tuple[Any, int, Any]]] = {}
        self.sent: list[tuple[str, str, str | None]] = []
        self.to_lose = 0
        self.unreachable = False

    def lose(self, n: int = 1) -> FlakyStripe:
        self.to_lose = n
        return self

    def down(self, unreachable: bool = True) -> FlakyStripe:
        self.unreachable = unreachable
        return self

    def request(self, method: str, url: str, headers: Any, post_data: Any = None) -> Any:
        key = (headers or {}).get("Idempotency-Key")
        self.sent.append((method, url, key))
        if self.unreachable:
            self._handle_request_error(
                requests.exceptions.ConnectionError("connection refused (Stripe is away)"))
        if method.lower() == "post" and key and key in self.answers:
            sent, answer = self.answers[key]
            if sent != post_data:  # Stripe refuses a key reused with other parameters
                answer = (json.dumps({"error": {
                    "type": "idempotency_error",
                    "message": "Keys for idempotent requests can only be used with the same "
                               "parameters they were first used with."}}), 400, {})
        else:
            answer = super().request(method, url, headers, post_data)
            if method.lower() == "post" and key:
                self.answers[key] = (post_data, answer)
        if self.to_lose:
            self.to_lose -= 1
            self._handle_request_error(
                requests.exceptions.ReadTimeout("the answer was lost on the way back"))
        return answer


def flaky(app: Any, retries: int = 0) -> FlakyStripe:
    """Put a :class:`FlakyStripe` between the app and localstripe."""
    transport = FlakyStripe()
    app.registry["stripe.client"] = stripe.StripeClient(
        SECRET_KEY, base_addresses={"api": app.localstripe.url}, max_network_retries=retries,
        http_client=transport)
    return transport
