"""The ``stripe`` report: a day's card payments against Stripe's own records, as the bookkeeper
reads it (``xts/report?type=stripe``): a paid order, a declined-then-paid one, one paid too late
(refunded), one refunded in Stripe's dashboard, one paid at Stripe that XTS2 has not heard of,
and a PaymentIntent XTS2 never started; Stripe away; no report without Stripe.

localstripe lists PaymentIntents but refuses the ``created`` filter the report sends (and runs on
the real clock, not the tests' frozen one), so most tests put :class:`StripeListing` between the
app and localstripe: it answers the day's listing with the PaymentIntents made during the test,
newest first and paged, as Stripe answers it for the day.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
import stripe
from stripekit import (
    DECLINED,
    SECRET_KEY,
    VISA,
    counts,
    event,
    flaky,
    intent_of,
    payment,
    payments,
    post_event,
)

from xts2_core import OnlinePayment
from xts2_core.testing import XTS2TestApp
from xts2_stripe import service
from xts2_stripe.report import window


class StripeListing(stripe.RequestsClient):
    """Stripe's ``GET /v1/payment_intents?created[gte]=…&created[lt]=…`` over localstripe: the
    PaymentIntents made since the transport was put in place, newest first, ``limit`` at a time
    after ``starting_after``; everything else goes to localstripe as it is."""

    def __init__(self, api: str) -> None:
        super().__init__(timeout=10)
        self.api = api
        self.asked: list[dict[str, str]] = []
        self.before = {i["id"] for i in self._everything({"Authorization":
                                                          f"Bearer {SECRET_KEY}"})}

    def _everything(self, headers: Any, expand: list[tuple[str, str]] = ()) -> list[dict]:
        found: list[dict[str, Any]] = []
        after: list[tuple[str, str]] = []
        while True:
            query = urlencode([("limit", "100"), *expand, *after])
            body, _, _ = super().request("get", f"{self.api}/v1/payment_intents?{query}",
                                         headers)
            page = json.loads(body)
            found += page["data"]
            if not page["has_more"] or not page["data"]:
                return found
            after = [("starting_after", page["data"][-1]["id"])]

    def request(self, method: str, url: str, headers: Any, post_data: Any = None) -> Any:
        parts = urlsplit(url)
        query = parse_qsl(parts.query)
        if method.lower() != "get" or parts.path != "/v1/payment_intents" or not any(
                k.startswith("created[") for k, _ in query):
            return super().request(method, url, headers, post_data)
        asked = dict(query)
        self.asked.append(asked)
        expand = [(k, v) for k, v in query if k.startswith("expand")]
        made = [i for i in self._everything(headers, expand) if i["id"] not in self.before]
        made.reverse()  # localstripe keeps them oldest first; Stripe lists newest first
        if "starting_after" in asked:
            ids = [i["id"] for i in made]
            made = made[ids.index(asked["starting_after"]) + 1:]
        limit = int(asked.get("limit", 10))
        body = {"object": "list", "url": "/v1/payment_intents", "data": made[:limit],
                "has_more": len(made) > limit}
        return json.dumps(body), 200, {"Request-Id": "req_listing"}


def listing(venue: Any) -> StripeListing:
    transport = StripeListing(venue.localstripe.url)
    venue.registry["stripe.client"] = stripe.StripeClient(
        SECRET_KEY, base_addresses={"api": venue.localstripe.url}, max_network_retries=0,
        http_client=transport)
    return transport


def report(venue: Any, fmt: str = "json", **params: Any) -> Any:
    answer = venue.call("xts/report", {"type": "stripe", **params}, admin=True, fmt=fmt)
    return answer["report"] if fmt == "json" else answer


def seen(found: dict[str, Any], *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(r.get(c) for c in columns) for r in found["row"]]



def buy(venue: Any, customer: Any, adults: int = 2) -> tuple[Any, str]:
    """A customer at the card page with ``adults`` Adult tickets: (customer, PaymentIntent)."""
    ann = customer()
    ann.add(venue.perf, {venue.adult: adults})
    return ann, intent_of(ann.checkout())


def paid(venue: Any, customer: Any, adults: int = 2) -> str:
    ann, intent = buy(venue, customer, adults)
    venue.localstripe.pay(intent, VISA)
    ann.back(payment(venue).id)
    return intent


def declined_then_paid(venue: Any, customer: Any) -> str:
    ann, intent = buy(venue, customer, 1)
    venue.localstripe.pay(intent, DECLINED)
    ann.back(payment(venue).id, status=303)
    assert intent_of(ann.checkout()) == intent  # the second try: the same PaymentIntent
    venue.localstripe.pay(intent, VISA)
    ann.back(payment(venue).id, status=303)
    return intent


def refunded_in_the_dashboard(venue: Any, customer: Any, amount: int) -> str:
    """Paid, then ``amount`` refunded in Stripe's dashboard: Stripe's ``charge.refunded``
    reaches the webhook (localstripe sends none; the test signs it as Stripe does)."""
    intent = paid(venue, customer)
    client = venue.localstripe.client()
    client.v1.refunds.create(params={"payment_intent": intent, "amount": amount})
    charge = client.v1.charges.retrieve(venue.localstripe.intent(intent)["latest_charge"]["id"])
    assert post_event(venue, event("charge.refunded", charge.to_dict())).text == \
        f"refunded outside XTS2: {amount}"
    return intent


def paid_too_late(venue: Any, customer: Any, xts2_clock: Any) -> str:
    """Paid 31 minutes after the card page opened, when the box office has sold the seats its
    basket no longer held: refunded at once by the webhook."""
    ann, intent = buy(venue, customer, 1)
    xts2_clock.advance(minutes=31)
    box = venue.call("baskets/newbasket")["basket"]["id"]
    venue.call("baskets/additem", {"basket": box, "type": "ticket", "item.performance": venue.perf,
                                   "item.tickettype": venue.adult,
                                   "item.quantity": counts(venue, venue.perf)["available"]})
    done = venue.localstripe.pay(intent, VISA)
    assert post_event(venue, event("payment_intent.succeeded", done)).text == \
        "confirmed (refunded)"
    return intent


def paid_behind_xts2s_back(venue: Any, metadata: dict[str, str] | None = None) -> str:
    """A PaymentIntent XTS2 never started (the dashboard, another system), paid."""
    made = venue.localstripe.client().v1.payment_intents.create(params={
        "amount": 1500, "currency": "gbp", "payment_method_types": ["card"],
        "metadata": metadata or {}})
    assert venue.localstripe.pay(made.id, VISA)["status"] == "succeeded"
    return made.id


COLUMNS = ("order", "payment", "reference", "state", "amount", "taken", "stripestatus",
           "received", "refunded", "stripe_refunded", "problem")


def test_a_day_of_card_payments(venue: Any, customer: Any, xts2_clock: Any) -> None:
    transport = listing(venue)
    first = paid(venue, customer)
    second = declined_then_paid(venue, customer)
    third = refunded_in_the_dashboard(venue, customer, 1200)
    _, fourth = buy(venue, customer, 1)  # paid at Stripe; the customer never came back and
    venue.localstripe.pay(fourth, VISA)  # Stripe's webhook has not arrived yet
    stranger = paid_behind_xts2s_back(venue)
    other_db = paid_behind_xts2s_back(venue, {"xts2_payment": "77", "xts2_basket": "70",
                                              "xts2_created": "20261001090000"})
    fifth = paid_too_late(venue, customer, xts2_clock)

    found = report(venue)
    assert found["title"] == ("Card payments through Stripe, Mon 30 Nov 2026, against "
                              "Stripe's records")
    assert (found["day"], found["stripe"], found["currency"]) == ("2026-11-30", "answered", "GBP")
    assert seen(found, *COLUMNS) == [
        (1, 1, first, "paid", "24.00", "24.00", "succeeded", "24.00", "0.00", "0.00", None),
        (2, 2, second, "paid", "12.00", "12.00", "succeeded", "12.00", "0.00", "0.00", None),
        (3, 3, third, "paid", "24.00", "24.00", "succeeded", "24.00", "0.00", "12.00",
         "refunded in Stripe's dashboard, not through XTS2: £12.00"),
        (4, 4, fourth, "pending", "12.00", "0.00", "succeeded", "12.00", "0.00", "0.00",
         "paid at Stripe but not in XTS2 (XTS2 says pending)"),
        (5, 5, fifth, "refunded", "12.00", "12.00", "succeeded", "12.00", "12.00", "12.00",
         None),
        (None, None, stranger, None, None, None, "succeeded", "15.00", None, "0.00",
         "paid at Stripe but not in XTS2 (not started by XTS2: taken in Stripe's dashboard "
         "or by another system)"),
        (None, None, other_db, None, None, None, "succeeded", "15.00", None, "0.00",
         "paid at Stripe but not in XTS2 (started by another XTS2 database (its payment 77, "
         "order 70))"),
    ]
    # When each payment was started (the late one too, 31 minutes before it was paid).
    assert [r["time"] for r in found["row"]][:5] == ["2026-11-30T12:00:00+00:00"] * 5
    # localstripe's charges carry a balance transaction with a fee of 0: the report shows
    # Stripe's figure, whatever it is.
    assert {r["fee"] for r in found["row"]} == {"0.00"}
    assert found["total"] == {
        "reference": "Total", "taken": "72.00", "received": "114.00", "refunded": "12.00",
        "stripe_refunded": "24.00", "fee": "0.00", "problem": "4 of 7 payments need a look"}
    # One listing of the venue's day (London: GMT in November), paged as Stripe pages.
    (asked,) = transport.asked
    assert (asked["created[gte]"], asked["created[lt]"], asked["limit"]) == (
        "1795996800", "1796083200", "100")  # 30 Nov 2026 00:00 to 1 Dec 00:00 UTC

    csv = report(venue, "csv").text.splitlines()
    assert csv[0] == ("time,order,payment,reference,state,amount,taken,stripestatus,received,"
                      "refunded,stripe_refunded,fee,problem")
    assert csv[1] == f"2026-11-30T12:00:00+00:00,1,1,{first},paid,24.00,24.00,succeeded,24.00," \
                     f"0.00,0.00,0.00,"
    assert len(csv) == 8
    html = report(venue, "html").text
    assert "<h1>Card payments through Stripe, Mon 30 Nov 2026, against Stripe&#x27;s records" \
        in html
    assert "refunded in Stripe&#x27;s dashboard, not through XTS2: £12.00" in html
    assert "4 of 7 payments need a look" in html


def test_another_day_and_paging(venue: Any, customer: Any) -> None:
    transport = listing(venue)
    paid(venue, customer)
    assert report(venue, day="2026-11-29")["row"] == []  # nothing of ours that day...
    # ...and Stripe's list, read a page at a time, gives each PaymentIntent once.
    made = [paid_behind_xts2s_back(venue) for _ in range(2)]
    client = venue.registry["stripe.client"]
    listed = service.list_intents(client, gte=0, lt=2**40, page=1)
    assert [i["id"] for i in listed] == [*reversed(made), payments(venue)[0].reference]
    assert [a.get("starting_after") for a in transport.asked[1:]] == [
        None, made[1], made[0]]
    assert venue.call("xts/report", {"type": "stripe", "day": "30 Nov"}, admin=True,
                      status=400)["error"]["param"] == "day"


def change(venue: Any, payment_id: int, **values: Any) -> None:
    with venue.session() as s:
        found = s.get(OnlinePayment, payment_id)
        for name, value in values.items():
            setattr(found, name, value)


def test_what_does_not_agree(venue: Any, customer: Any) -> None:
    """XTS2 says paid where Stripe says canceled; XTS2 took another amount than Stripe."""
    listing(venue)
    _, intent = buy(venue, customer)
    venue.localstripe.client().v1.payment_intents.cancel(intent)
    change(venue, payment(venue).id, state="paid")  # a payment marked paid by hand, say
    first = paid(venue, customer)
    change(venue, payment(venue).id, amount=2000)
    assert seen(report(venue), "reference", "stripestatus", "problem") == [
        (intent, "canceled", "XTS2 says paid, Stripe says canceled"),
        (first, "succeeded", "amounts differ: XTS2 £20.00, Stripe £24.00")]


def test_without_the_listing_each_payment_is_looked_up(venue: Any, customer: Any) -> None:
    """localstripe refuses the listing by ``created``: the report says the list is missing,
    and still checks each of XTS2's payments by its reference."""
    third = refunded_in_the_dashboard(venue, customer, 500)
    paid_behind_xts2s_back(venue)
    found = report(venue)
    assert seen(found, "reference", "stripestatus", "received", "stripe_refunded", "fee",
                "problem") == [
        (third, "succeeded", "24.00", "5.00", "0.00",
         "refunded in Stripe's dashboard, not through XTS2: £5.00"),
        (None, None, None, None, None,
         "Stripe's list of the day's payments could not be read (Stripe refused to list the "
         "payments: Unexpected created): payments made at Stripe that XTS2 does not know are "
         "not shown")]
    assert found["total"]["problem"] == "1 of 1 payments need a look"


def test_stripe_away(venue: Any, customer: Any, xts2_clock: Any) -> None:
    first = paid(venue, customer)
    third = refunded_in_the_dashboard(venue, customer, 1200)
    fifth = paid_too_late(venue, customer, xts2_clock)
    transport = flaky(venue).down()
    found = report(venue)
    assert found["stripe"] == "did not answer"
    assert seen(found, "reference", "state", "taken", "stripestatus", "received", "refunded",
                "stripe_refunded", "fee", "problem") == [
        (first, "paid", "24.00", None, None, "0.00", None, None, "Stripe did not answer"),
        (third, "paid", "24.00", None, None, "0.00", "12.00", None,
         "Stripe did not answer; refunded in Stripe's dashboard, not through XTS2: £12.00 "
         "(Stripe's webhook said so)"),
        (fifth, "refunded", "12.00", None, None, "12.00", None, None,
         "Stripe did not answer"),
        (None, None, None, None, None, None, None, None, found["row"][3]["problem"])]
    note = found["row"][3]["problem"]
    assert note.startswith("Stripe did not answer, so its side of the day is missing: open the "
                           "report again later (Stripe did not answer (list the payments): ")
    assert "connection refused (Stripe is away)" in note
    assert found["total"] == {"reference": "Total", "taken": "60.00", "refunded": "12.00",
                              "stripe_refunded": "12.00",
                              "problem": "3 of 3 payments need a look"}
    assert len(transport.sent) == 1  # asked once: not once a payment, each waiting in vain
    assert [line.count("Stripe did not answer") > 0
            for line in report(venue, "csv").text.splitlines()] == [False] + [True] * 4
    assert "Stripe did not answer" in report(venue, "html").text


def test_no_report_without_stripe(xts2_app_factory: Any) -> None:
    app: XTS2TestApp = xts2_app_factory()
    error = app.call("xts/report", {"type": "stripe"}, admin=True, status=400)["error"]
    assert error["param"] == "type"
    assert "stripe" not in error["message"].split("installed: ")[1].split(", ")
    # The reports whose register_reports takes no settings are there as before.
    assert {"takings", "donations"} <= set(error["message"].split("installed: ")[1].split(", "))


def test_the_report_as_xml(venue: Any, customer: Any) -> None:
    listing(venue)
    intent = paid(venue, customer)
    body = report(venue, "xml").text
    assert f'reference="{intent}"' in body and 'stripestatus="succeeded"' in body


@pytest.mark.parametrize(("day", "hours"), [("2026-03-29", 23), ("2026-10-25", 25),
                                            ("2026-11-30", 24)])
def test_the_venues_day(day: str, hours: int) -> None:
    """From the venue's midnight to the next: 23 or 25 hours when the clocks change."""
    start, end = window(date.fromisoformat(day), ZoneInfo("Europe/London"))
    assert (end - start).total_seconds() == hours * 3600
    assert start.utcoffset() == timedelta(0)
