"""The card page: the plugin's own HTML (a Jinja2 template of its own, autoescaped), with
Stripe.js and the plugin's module ``static/card.js`` — no inline script or style, so the shop's
Content-Security-Policy (plus the method's ``content_security``) holds."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from pyramid.response import Response

from xts2_core import OnlinePayment, format_money

from .settings import StripeSettings

SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("xts2_stripe", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined)


def render(template: str, **values: Any) -> str:
    return _environment().get_template(template).render(**values)


def money(amount: int, currency: str) -> str:
    """``£24.00``; a currency without a symbol here: ``CHF 24.00``."""
    text = format_money(amount)
    symbol = SYMBOLS.get(currency.upper())
    return f"{symbol}{text}" if symbol else f"{currency.upper()} {text}"


def _path(request: Any, route: str, **kw: Any) -> str | None:
    try:
        return request.route_path(route, **kw)
    except KeyError:  # no such route (the shop is not installed)
        return None


def card_page(request: Any, cfg: StripeSettings, payment: OnlinePayment, client_secret: str,
              back: str) -> Response:
    settings = request.registry.settings
    emulator = None
    if cfg.emulator:  # localstripe's stand-in for Stripe.js (emulator.py)
        from .emulator import setup_secret

        emulator = {"url": request.route_path("stripe.emulator", payment=payment.id),
                    "setup": setup_secret(request.registry, payment)}
    html = render(
        "card.html", amount=money(payment.amount, payment.currency), payment=payment,
        venue=str(settings.get("stripe.venue_name") or settings.get("shop.venue_name")
                  or "The box office").strip(),
        js_url=cfg.js_url, publishable_key=cfg.publishable_key, client_secret=client_secret,
        return_url=back, checkout_url=_path(request, "shop.checkout"),
        script=request.static_path("xts2_stripe:static/card.js"),
        style=request.static_path("xts2_stripe:static/card.css"), test_mode=cfg.test_mode,
        emulator=emulator)
    response = Response(html, content_type="text/html", charset="utf-8")
    response.headers["Cache-Control"] = "no-store"  # it holds the payment's client secret
    response.headers["Referrer-Policy"] = "same-origin"
    return response
