"""The settings: the method is offered only when configured; keys come from the environment
variables the settings name (never the ini file), and a missing or wrong one stops start-up
saying which; the Content-Security-Policy sources follow the addresses; the table matches its
migration."""

from __future__ import annotations

from typing import Any

import pytest
from stripekit import ENV, settings

from xts2_core import payment_methods
from xts2_core.testing import assert_migrations_match_models
from xts2_stripe.settings import StripeSettings, StripeSettingsError


def test_not_configured_no_method_and_no_webhook(xts2_app_factory: Any) -> None:
    app = xts2_app_factory()
    assert "stripe" not in payment_methods(app.registry)
    app.post("/shop/stripe/webhook", b"{}", status=404)


def test_configured(venue: Any) -> None:
    method = payment_methods(venue.registry)["stripe"]
    assert (method.label, method.paymenttype, method.hold_seconds) == ("Pay by card", "stripe",
                                                                       1800)
    assert method.check and method.refund and method.late and method.settle


def test_keys_come_from_the_environment() -> None:
    cfg = StripeSettings.from_settings(settings("https://api.stripe.com"), ENV)
    assert (cfg.secret_key, cfg.publishable_key, cfg.webhook_secret) == (
        ENV["XTS2_TEST_STRIPE_SECRET"], ENV["XTS2_TEST_STRIPE_PUBLIC"],
        ENV["XTS2_TEST_STRIPE_WEBHOOK"])
    assert cfg.test_mode and "sk_test" not in repr(cfg) and "whsec" not in repr(cfg)


@pytest.mark.parametrize(("change", "message"), [
    ({"XTS2_TEST_STRIPE_SECRET": ""}, r"XTS2_TEST_STRIPE_SECRET \(setting "
                                      r"stripe.secret_key_env\) is empty"),
    ({"XTS2_TEST_STRIPE_WEBHOOK": "abc"}, "does not hold a key starting whsec_"),
    ({"XTS2_TEST_STRIPE_PUBLIC": "pk_live_123"}, "different modes"),
])
def test_a_missing_or_wrong_key_stops_start_up(change: dict[str, str], message: str) -> None:
    with pytest.raises(StripeSettingsError, match=message):
        StripeSettings.from_settings(settings("https://api.stripe.com"), {**ENV, **change})


def test_a_missing_key_stops_the_server(xts2_app_factory: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("XTS2_TEST_STRIPE_SECRET", raising=False)
    with pytest.raises(StripeSettingsError, match="XTS2_TEST_STRIPE_SECRET"):
        xts2_app_factory(**settings("https://api.stripe.com"))


@pytest.mark.parametrize(("key", "value"), [("stripe.settle_margin", "1000"),
                                            ("stripe.api_base", "ftp://x"),
                                            ("stripe.paymenttype", "card payments")])
def test_bad_settings(key: str, value: str) -> None:
    with pytest.raises(StripeSettingsError, match=key):
        StripeSettings.from_settings({**settings("https://api.stripe.com"), key: value}, ENV)


def test_content_security_for_stripe_and_for_a_stand_in() -> None:
    real = StripeSettings.from_settings({**settings("https://api.stripe.com"),
                                         "stripe.js_url": ""}, ENV)
    assert real.content_security() == {
        "script-src": ("https://js.stripe.com", "https://*.js.stripe.com"),
        "frame-src": ("https://js.stripe.com", "https://*.js.stripe.com",
                      "https://hooks.stripe.com"),
        "connect-src": ("https://api.stripe.com", "https://js.stripe.com")}
    local = StripeSettings.from_settings(settings("http://127.0.0.1:8420"), ENV)
    assert local.content_security() == {"script-src": ("http://127.0.0.1:8420",),
                                        "frame-src": ("http://127.0.0.1:8420",),
                                        "connect-src": ("http://127.0.0.1:8420",)}


def test_the_table_matches_its_migration(xts2_database_url: str) -> None:
    assert_migrations_match_models(xts2_database_url, "stripe")
