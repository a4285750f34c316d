"""``stripe.emulator``: trying the card page with localstripe. Allowed with test keys against
an emulator only; its bridge (``POST /shop/stripe/emulator/{payment}``) confirms a payment's
PaymentIntent with the card the browser gave the emulator's SetupIntent, for the holder of that
payment's card page only, and answers a declined card with a new SetupIntent for the next try.
The whole path in a browser is test_stripe_browser.py."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from stripekit import DECLINED, ENV, PUBLISHABLE_KEY, VISA, client_secret, payment, settings

from xts2_stripe.settings import StripeSettings, StripeSettingsError


@pytest.fixture
def emulated(xts2_app_factory: Any, xts2_clock: Any, localstripe: Any, stripe_env: Any,
             venue: Any) -> Any:
    """The venue's shop with the emulator's bridge on (the same database and season)."""
    from stripekit import Customer

    app = xts2_app_factory(**settings(localstripe.url), **{"stripe.emulator": "true"})
    app.localstripe, app.perf, app.adult = localstripe, venue.perf, venue.adult
    app.customer = lambda: Customer(app)
    return app


def card_page(app: Any) -> Any:
    ann = app.customer()
    ann.add(app.perf, {app.adult: 2})
    return ann.checkout()


def setup_with_card(app: Any, page: Any, number: str) -> str:
    """What the browser does: localstripe's confirmCardSetup with the typed card."""
    secret = re.search(r'data-setup="([^"]+)"', page.text)[1]
    setup = secret.split("_secret_")[0]
    answer = requests.post(f"{app.localstripe.url}/v1/setup_intents/{setup}/confirm", timeout=10,
                           json={"key": PUBLISHABLE_KEY, "client_secret": secret,
                                 "payment_method_data": {"type": "card", "card": {
                                     "number": number, "exp_month": "12", "exp_year": "34",
                                     "cvc": "123"}}})
    assert answer.json()["status"] == "succeeded"
    return setup


class _Page:
    """A card page's text (the retry's, with the SetupIntent the bridge gave back)."""

    def __init__(self, text: str) -> None:
        self.text = text


def bridge(app: Any, body: dict[str, Any], status: int) -> Any:
    return app.app.post_json(f"/shop/stripe/emulator/{payment(app).id}", body, status=status).json


def test_only_with_test_keys_against_an_emulator() -> None:
    on = {"stripe.emulator": "true"}
    assert StripeSettings.from_settings({**settings("http://127.0.0.1:8420"), **on},
                                        ENV).emulator
    with pytest.raises(StripeSettingsError, match="for a Stripe emulator"):
        StripeSettings.from_settings({**settings("https://api.stripe.com"), **on}, ENV)
    live = {**ENV, "XTS2_TEST_STRIPE_SECRET": "sk_live_x", "XTS2_TEST_STRIPE_PUBLIC": "pk_live_x"}
    with pytest.raises(StripeSettingsError, match="needs test keys"):
        StripeSettings.from_settings({**settings("http://127.0.0.1:8420"), **on}, live)
    with pytest.raises(StripeSettingsError, match="true or false"):
        StripeSettings.from_settings({**settings("http://127.0.0.1:8420"),
                                      "stripe.emulator": "maybe"}, ENV)


def test_off_the_bridge_is_not_there(venue: Any, customer: Any) -> None:
    ann = customer()
    ann.add(venue.perf, {venue.adult: 2})
    assert "data-setup" not in ann.checkout().text
    venue.app.post_json(f"/shop/stripe/emulator/{payment(venue).id}", {}, status=404)


def test_the_bridge_pays_and_a_declined_card_gets_another_try(emulated: Any) -> None:
    page = card_page(emulated)
    secret = client_secret(page)
    declined = bridge(emulated, {"setup_intent": setup_with_card(emulated, page, DECLINED),
                                 "client_secret": secret}, 402)
    assert declined["error"]["message"] == "Your card was declined."
    retry = page.text.replace(re.search(r'data-setup="([^"]+)"', page.text)[1],
                              declined["setup"])
    paid = bridge(emulated, {"setup_intent": setup_with_card(emulated, _Page(retry), VISA),
                             "client_secret": secret}, 200)
    assert paid["status"] == "succeeded"
    assert emulated.localstripe.intent(payment(emulated).reference)["status"] == "succeeded"


def test_the_bridge_refuses_strangers(emulated: Any) -> None:
    page = card_page(emulated)
    setup = setup_with_card(emulated, page, VISA)
    assert bridge(emulated, {"setup_intent": setup, "client_secret": "pi_x_secret_y"},
                  403)["error"]["message"] == "this card page is not the payment's"
    assert "required" in bridge(emulated, {"setup_intent": setup}, 400)["error"]["message"]
    emulated.app.post_json("/shop/stripe/emulator/999", {"setup_intent": setup,
                                                     "client_secret": "x"}, status=404)
    assert emulated.localstripe.intent(payment(emulated).reference)["status"] == \
        "requires_payment_method"  # nothing was confirmed


def test_a_new_setup_intent_after_the_browsers_failed(emulated: Any) -> None:
    page = card_page(emulated)
    renewed = bridge(emulated, {"renew": True, "client_secret": client_secret(page)}, 200)
    assert renewed["setup"].startswith("seti_") and renewed["setup"] not in page.text
    bridge(emulated, {"renew": True, "client_secret": "pi_x_secret_y"}, 403)
