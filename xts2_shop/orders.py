"""Orders: a customer's basket with their name and email, its private links, and its mail.

An order is made at checkout (state ``checkout``). When its basket closes — a payment confirmed
online, or a reservation paid at the counter — the order is ``paid`` and the confirmation mail
goes into the outbox in the same transaction (``basket_closed``). A link is a random token; only
its SHA-256 is kept, so the database alone cannot make a link.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pyramid.renderers import render
from pyramid_jinja2 import IJinja2Environment

from xts2_core import Basket, Terminal, call_command, queue_mail

from . import etickets
from .models import ShopOrder, ShopOrderLink

log = logging.getLogger(__name__)


def online_terminal(request: Any) -> Terminal | None:
    """The terminal the shop sells as (``shop.terminal``), or None if the season has none."""
    name = request.registry["shop.settings"].terminal
    terminal = request.dbsession.execute(
        sa.select(Terminal).where(Terminal.name == name, Terminal.active.is_(True))
    ).scalar_one_or_none()
    if terminal is not None:
        request.registry["shop.terminal_id"] = terminal.id
    return terminal


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_link(request: Any, order: ShopOrder) -> str:
    """A new private link token to ``order`` (its hash is stored)."""
    token = secrets.token_urlsafe(24)
    request.dbsession.add(ShopOrderLink(token_hash=token_hash(token), order_id=order.id,
                                        created=request.now))
    request.dbsession.flush()
    return token


def order_by_token(request: Any, token: str) -> ShopOrder | None:
    if not 20 <= len(token) <= 64:
        return None
    link = request.dbsession.get(ShopOrderLink, token_hash(token))
    return None if link is None else request.dbsession.get(ShopOrder, link.order_id)


def order_of_basket(request: Any, basket_id: int) -> ShopOrder | None:
    return request.dbsession.execute(
        sa.select(ShopOrder).where(ShopOrder.basket_id == basket_id)).scalar_one_or_none()


def checkout(request: Any, basket_id: int, name: str, email: str, method: str,
             basket_created: datetime | None = None) -> ShopOrder:
    """The order of ``basket_id`` with these details (made, or updated on a second try), and
    the basket's metadata saying who it is for (what the box office sees).

    An order made before its basket (``basket_created``) was another basket's: one that
    expired and was deleted, whose id the database gave again (SQLite does). It is started
    afresh, its links dropped, so that its first customer's link never shows this one's order.
    """
    order = order_of_basket(request, basket_id)
    if order is not None and basket_created is not None and order.created < basket_created:
        request.dbsession.execute(sa.delete(ShopOrderLink).where(ShopOrderLink.order_id
                                                                 == order.id))
        order.state, order.deadline, order.created = "checkout", None, request.now
    if order is None:
        order = ShopOrder(basket_id=basket_id, name=name, email=email, method=method,
                          state="checkout", created=request.now)
        request.dbsession.add(order)
    else:
        order.name, order.email, order.method = name, email, method
    request.dbsession.flush()
    terminal = request.shop_terminal
    for key, value in (("email", email), ("customer", name), ("source", "shop")):
        call_command(request, "baskets/setmetadata",
                     {"basket": basket_id, "key": key, "value": value}, terminal=terminal)
    return order


def order_url(request: Any, token: str) -> str:
    return request.route_url("shop.order", token=token)


def basket_closed(request: Any, basket: Basket) -> None:
    """The order of a basket sold online is paid: mark it and send the confirmation."""
    terminal_id = request.registry.get("shop.terminal_id")
    if terminal_id is None:
        # Looked up once a process; 0 when the season has no online terminal yet (a shop page
        # that finds it later keeps its id here, before any basket of it can close).
        terminal = online_terminal(request)
        terminal_id = request.registry["shop.terminal_id"] = terminal.id if terminal else 0
    if basket.terminal_id != terminal_id:
        return  # a sale at the counter: no order (and no query)
    order = order_of_basket(request, basket.id)
    if order is None or order.state == "paid":
        return
    order.state = "paid"
    request.dbsession.flush()
    send_order_mail(request, order, "confirmation")


def send_order_mail(request: Any, order: ShopOrder, kind: str) -> None:
    """Queue the order's mail (``confirmation``, ``reservation``, ``released``) with a new link."""
    token = new_link(request, order)
    shop = request.registry["shop.settings"]
    basket = None
    if kind != "released":
        basket = call_command(request, "baskets/getbasket", {"basket": order.basket_id},
                              terminal=request.shop_terminal)["basket"]
    # A confirmation carries the tickets: their QR codes in the mail, and the PDF attached.
    tickets, attachments = [], []
    if kind == "confirmation":
        tickets = etickets.order_tickets(request, order.basket_id, png=True)
        pdf = etickets.tickets_pdf(request, order.basket_id) if tickets else None
        if pdf is not None:
            attachments.append((f"tickets-{order.basket_id}.pdf", "application/pdf", pdf))
    values = {"order": order, "basket": basket, "lines": order_lines(basket), "shop": shop,
              "url": order_url(request, token), "kind": kind, "tz": request.tz,
              "tickets": tickets}
    subjects = {"confirmation": f"Your tickets from {shop.venue_name}",
                "reservation": f"Your reservation at {shop.venue_name}",
                "released": f"Your reservation at {shop.venue_name} has ended"}
    try:
        queue_mail(request, to=(order.name, order.email), subject=subjects[kind],
                   text=_plain_text(request, "xts2_shop:templates/mail.txt.jinja2", values),
                   html=render("xts2_shop:templates/mail.html.jinja2", values, request=request),
                   attachments=attachments, basket_id=order.basket_id)
    except ValueError as exc:
        # An address mail cannot go to (the checkout refuses them; an order from before it
        # did, or changed since): the order stands, the customer has its page, staff the log.
        log.warning("order %s: its %s mail cannot be sent: %s", order.id, kind, exc)


def _plain_text(request: Any, template: str, values: dict[str, Any]) -> str:
    """A plain-text template rendered as text: not HTML-escaped, so that a name with ``&`` or
    ``<`` reads as it was typed (the shop's renderer escapes for HTML)."""
    env = request.registry.get("shop.text_templates")
    if env is None:
        html_env = request.registry.queryUtility(IJinja2Environment, name=".jinja2")
        env = request.registry["shop.text_templates"] = html_env.overlay(autoescape=False)
    return env.get_template(template).render(**values)


def order_lines(basket: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The basket's items as the pages and mails show them: what was bought, what was paid."""
    if basket is None:
        return []
    return [item for item in basket.get("item") or []]
