"""The ``stripe`` plugin's hooks (entry point ``xts2``: ``stripe``) and its Pyramid configuration.

The method is offered only when the ini file sets ``stripe.secret_key_env`` (see
:mod:`.settings`); then it is the payment method ``stripe``, the webhook is at
``POST /shop/stripe/webhook`` and the report ``xts/report?type=stripe`` (:mod:`.report`) checks
a day's card payments against Stripe's records. Its table (``stripe_event``) is made whether or
not it is configured, as every installed plugin's tables are.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from xts2_core import PaymentMethod, ReportType, hookimpl

from . import models  # noqa: F401  (the table is on Base for the migrations' check)
from .method import NAME, payment_method
from .report import REPORT
from .service import CLIENT, SETTINGS, make_client
from .settings import StripeSettings

log = logging.getLogger(__name__)


@hookimpl
def register_payment_methods(settings: dict[str, Any]) -> list[PaymentMethod]:
    cfg = StripeSettings.from_settings(settings)
    if cfg is None:
        return []
    return [payment_method(cfg)]


@hookimpl
def register_reports(settings: dict[str, Any]) -> list[ReportType]:
    # Only beside the method: without Stripe's keys there is nothing to check against.
    if StripeSettings.from_settings(settings) is None:
        return []
    return [REPORT]


@hookimpl
def register_migrations() -> list[str]:
    return [str(Path(__file__).parent / "migrations" / "versions")]


def includeme(config: Any) -> None:
    """The webhook's route and the card page's files, when the method is offered."""
    if NAME not in config.registry["xts2.payment_methods"]:
        return
    cfg = StripeSettings.from_settings(config.get_settings())
    config.registry[SETTINGS] = cfg
    config.registry[CLIENT] = make_client(cfg)
    from .webhook import webhook_failed, webhook_view

    config.add_route("stripe.webhook", "/shop/stripe/webhook")
    config.add_view(webhook_view, route_name="stripe.webhook", request_method="POST",
                    require_csrf=False)
    config.add_exception_view(webhook_failed, route_name="stripe.webhook", context=Exception)
    config.add_static_view("shop/stripe/static", "xts2_stripe:static", cache_max_age=3600)
    if cfg.emulator:  # localstripe's stand-in for Stripe.js, never with live keys
        from .emulator import bridge_view

        config.add_route("stripe.emulator", "/shop/stripe/emulator/{payment:\\d+}")
        config.add_view(bridge_view, route_name="stripe.emulator", request_method="POST",
                        require_csrf=False)
        log.warning("stripe: the card page pays through a Stripe emulator at %s "
                    "(stripe.emulator)", cfg.api_base)
    log.info("stripe: card payments on (%s mode, API at %s, paid as %r)",
             "test" if cfg.test_mode else "LIVE", cfg.api_base, cfg.paymenttype)
