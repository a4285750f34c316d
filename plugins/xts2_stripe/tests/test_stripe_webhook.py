"""Stripe's webhook refuses what Stripe did not sign (a bad signature, another secret, a stale
time, no header, a body changed after signing) and changes nothing; an event about a payment this
server does not know answers 200; a database that is busy answers 503, so Stripe sends it again."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import sqlalchemy as sa
import stripe
import webtest
from stripekit import (
    VISA,
    WEBHOOK_SECRET,
    basket,
    event,
    intent_of,
    payment,
    post_event,
    rows,
    settings,
)

from xts2_stripe.models import StripeEvent


@pytest.fixture
def paid(venue: Any, customer: Any) -> dict[str, Any]:
    """A customer at the card page who has paid at Stripe; the shop has heard nothing yet."""
    ann = customer()
    ann.add(venue.perf, {venue.adult: 2})
    intent = intent_of(ann.checkout())
    return venue.localstripe.pay(intent, VISA)


def unchanged(venue: Any) -> tuple[Any, ...]:
    p = payment(venue)
    return (p.state, p.item_id, basket(venue, p.basket_id)["state"], len(rows(venue, StripeEvent)))


@pytest.mark.parametrize("forgery", ["another secret", "stale", "garbled", "none", "changed"])
def test_what_stripe_did_not_sign_is_refused(venue: Any, paid: dict[str, Any],
                                             forgery: str) -> None:
    before = unchanged(venue)
    body = event("payment_intent.succeeded", paid)
    if forgery == "another secret":
        answer = post_event(venue, body, secret="whsec_someone_else", status=400)
    elif forgery == "stale":  # signed ten minutes ago: Stripe's tolerance is five
        answer = post_event(venue, body, timestamp=int(time.time()) - 600, status=400)
    elif forgery == "garbled":
        answer = post_event(venue, body, signature="t=1,v1=abc", status=400)
    elif forgery == "none":
        answer = post_event(venue, body, signature="", status=400)
    else:  # signed, then the amount changed on the way
        payload = json.dumps(body)
        header = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)
        changed = payload.replace('"amount": 2400', '"amount": 1')
        answer = webtest.TestApp(venue.wsgi).post(
            "/shop/stripe/webhook", changed.encode(), status=400,
            headers={"Content-Type": "application/json", "Stripe-Signature": header})
    assert answer.text == "bad signature"
    assert unchanged(venue) == before == ("pending", None, "open", 0)


def test_an_event_of_a_payment_not_known_here(venue: Any, paid: dict[str, Any]) -> None:
    stranger = {**paid, "id": "pi_from_another_shop"}
    answer = post_event(venue, event("payment_intent.succeeded", stranger, "evt_stranger"))
    assert (answer.status_int, answer.text) == (200, "unknown payment")
    assert post_event(venue, event("payment_intent.succeeded", stranger, "evt_stranger")
                      ).text == "already handled"
    assert [(e.id, e.intent, e.payment_id, e.outcome) for e in rows(venue, StripeEvent)] == [
        ("evt_stranger", "pi_from_another_shop", None, "unknown payment")]
    assert unchanged(venue)[:3] == ("pending", None, "open")


def test_events_it_does_not_handle_are_answered_and_ignored(venue: Any,
                                                            paid: dict[str, Any]) -> None:
    assert post_event(venue, event("customer.created", {"id": "cus_1", "object": "customer"})
                      ).text == "ignored customer.created"
    assert post_event(venue, b"not json", status=400).text == "bad payload"
    assert unchanged(venue) == ("pending", None, "open", 0)


def test_a_busy_database_answers_503_and_stripe_tries_again(
        venue: Any, paid: dict[str, Any], xts2_app_factory: Any, xts2_database_url: str) -> None:
    """Another transaction holds what the webhook needs (SQLite: the database; PostgreSQL: the
    payment's row) longer than the server waits: 503, nothing changed; later, the same event
    confirms the payment."""
    url = xts2_database_url
    sqlite = url.startswith("sqlite")
    if not sqlite:  # the server gives up on a row lock after 0.3 s
        url += ("&" if "?" in url else "?") + "options=-c%20lock_timeout%3D300"
    impatient = xts2_app_factory(**{**settings(venue.localstripe.url), "sqlalchemy.url": url,
                                    "xts2.sqlite_busy_timeout": "0.3"})
    holder = sa.create_engine(xts2_database_url.replace("postgresql://",
                                                        "postgresql+psycopg://"))
    succeeded = event("payment_intent.succeeded", paid)
    try:
        with holder.connect() as conn:
            if sqlite:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.execute(sa.text("SELECT id FROM core_online_payment FOR UPDATE"))
            answer = post_event(impatient, succeeded, status=503)
            conn.rollback()
    finally:
        holder.dispose()
    assert answer.text == "busy; send it again"
    assert unchanged(venue) == ("pending", None, "open", 0)
    assert post_event(impatient, succeeded).text == "confirmed (paid)"
    assert unchanged(venue)[:3] == ("paid", payment(venue).item_id, "closed")
