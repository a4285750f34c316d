"""The ``shop`` plugin: the venue's online shop at ``/shop/``.

It is a client of the API that runs in the server: every change goes through the API's own
commands (:func:`xts2_core.call_command`) as the venue's online terminal (``shop.terminal``), so
its baskets have that terminal's expiry and its sales show in takings as that terminal's, and
whatever a provider refuses, the shop refuses in the provider's words. Its pages are rendered on
the server (Jinja2, autoescaped) and work without JavaScript.

Settings (the ini's ``[app:main]``; docs/shop.md has the whole list):

``shop.terminal``            the online terminal's name (default ``Website``)
``shop.secret``              the key that signs the shop's cookie (default: one made and kept in
                             the database)
``shop.secure_cookie``       send the cookie over HTTPS only (production.ini: true)
``shop.max_tickets``         tickets per order at most (default 10)
``shop.baskets_per_window``  new baskets per client address per ``shop.rate_window`` seconds
                             (default 20 per 600; 0: no limit)
``shop.venue_name``, ``shop.venue_address``, ``shop.venue_email``, ``shop.colour``,
``shop.logo``                the look and the venue's details
``shop.embed_origins``       origins whose pages may frame the shop
``shop.testpay``             offer the test payment service (development only)
``shop.reservations``        offer "pay at the box office" (default true), with
``shop.reservation_days``    (at most N days after booking, default 3) and
``shop.reservation_minutes_before`` (and this long before the performance, default 60)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xts2_core import Basket, PaymentMethod, hookimpl

from . import boxoffice, orders, testpay
from .settings import ShopSettings


@hookimpl
def register_migrations() -> list[str]:
    return [str(Path(__file__).parent / "migrations" / "versions")]


@hookimpl
def register_payment_methods(settings: dict[str, Any]) -> list[PaymentMethod]:
    shop = ShopSettings.from_settings(settings)
    methods = []
    if shop.testpay:
        methods.append(testpay.METHOD)
    if shop.reservations:
        methods.append(boxoffice.method(shop))
    return methods


@hookimpl(trylast=True)
def basket_closed(request: Any, basket: Basket) -> None:
    # Last: the confirmation mail shows the tickets' codes, which the tickets provider issues
    # in its own basket_closed.
    orders.basket_closed(request, basket)


@hookimpl
def erase_personal_data(dbsession: Any, email: str) -> int:
    """The orders of ``email`` keep their basket, method and state; name and address go."""
    import sqlalchemy as sa

    from .models import ShopOrder

    return dbsession.execute(sa.update(ShopOrder).where(sa.func.lower(ShopOrder.email) == email)
                             .values(name="erased", email="erased")).rowcount or 0


def includeme(config: Any) -> None:
    """The shop's pages (Pyramid configuration: routes, views, templates, its cookie)."""
    from . import views

    views.includeme(config)
