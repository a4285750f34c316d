"""The ``stripe`` report (``xts/report?type=stripe&day=2026-11-30``, admin): the day's card
payments against Stripe's own records, for the bookkeeper.

One row per card payment XTS2 started that day (each :class:`xts2_core.OnlinePayment` of the
method ``stripe`` with a PaymentIntent, created from the venue's midnight to the next), beside
what Stripe says of its PaymentIntent; then one row per PaymentIntent Stripe lists for the day
that took money and that XTS2 does not know. The ``problem`` column says in words what does not
agree; the total row adds the money on both sides.

Stripe is asked once for the day's PaymentIntents (``created`` in the day, paged), and by id for
each payment that list does not hold. When Stripe does not answer, the report still shows XTS2's
side, Stripe's columns blank and "Stripe did not answer" in every row: the bookkeeper keeps the
day's card takings and opens the report again later for Stripe's side.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BeforeValidator

from xts2_core import (
    Column,
    Conflict,
    Field,
    OnlinePayment,
    Params,
    Report,
    ReportType,
)

from . import service
from .method import NAME, refunded_here
from .page import money
from .service import StripeUnavailable, client_of

#: XTS2 counts these payments as money received (``late``/``refunded``: received, then due back).
RECEIVED_STATES = ("paid", "late", "refunded")
#: Stripe's statuses of a PaymentIntent that has taken, or is taking, money.
MONEY_STATUSES = ("succeeded", "processing", "requires_capture")

COLUMNS = [
    Column("time", "Started", "datetime"),
    Column("order", "Order", "int"),
    Column("payment", "Payment", "int"),
    Column("reference", "Stripe reference"),
    Column("state", "XTS2 state"),
    Column("amount", "Amount", "money"),
    Column("taken", "Received (XTS2)", "money"),
    Column("stripestatus", "Stripe status"),
    Column("received", "Received at Stripe", "money"),
    Column("refunded", "Refunded by XTS2", "money"),
    Column("stripe_refunded", "Refunded at Stripe", "money"),
    Column("fee", "Stripe fee", "money"),
    Column("problem", "Problem"),
]

_DAY_RE = re.compile(r"^[1-8][0-9]{3}-[0-9]{2}-[0-9]{2}$")


def _as_day(v: Any) -> Any:
    if isinstance(v, str):
        text = v.strip()
        try:
            if not _DAY_RE.match(text):
                raise ValueError
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError("must be a date such as 2026-11-30") from None
    return v


Day = Annotated[date, BeforeValidator(_as_day)]


class StripeReportParams(Params):
    day: Day | None = Field(None, description="The day (YYYY-MM-DD, in the venue's time zone) "
                            "whose card payments to check; default today.")


def window(day: date, tz: Any) -> tuple[datetime, datetime]:
    """The venue's day from its midnight to the next, in UTC (a day of 23 or 25 hours when the
    clocks change)."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def _charge(intent: dict[str, Any]) -> dict[str, Any]:
    charge = intent.get("latest_charge")
    return charge if isinstance(charge, dict) else {}


def _stripe_side(intent: dict[str, Any]) -> dict[str, Any]:
    """What Stripe says: status, received, refunded (when the charge says) and fee (when its
    balance transaction says; never guessed)."""
    status = str(intent.get("status") or "")
    charge = _charge(intent)
    refunded = charge.get("amount_refunded")
    return {"stripestatus": status,
            "received": service.received(intent) if status == "succeeded" else 0,
            "stripe_refunded": int(refunded) if refunded is not None else None,
            "fee": service.fee(intent)}


def _mismatches(p: OnlinePayment, side: dict[str, Any], intent: dict[str, Any],
                currency: str) -> list[str]:
    problems = []
    status = side["stripestatus"]
    here = p.state in RECEIVED_STATES
    if status == "succeeded" and not here:
        problems.append(f"paid at Stripe but not in XTS2 (XTS2 says {p.state})")
    elif here and status != "succeeded":
        problems.append(f"XTS2 says paid, Stripe says {status.replace('_', ' ')}")
    elif here and side["received"] != p.amount:
        problems.append(f"amounts differ: XTS2 {money(p.amount, currency)}, Stripe "
                        f"{money(side['received'], currency)}")
    theirs = str(intent.get("currency") or "").upper()
    if theirs and theirs != p.currency.upper():
        problems.append(f"currencies differ: XTS2 {p.currency.upper()}, Stripe {theirs}")
    return problems


def _refund_problems(p: OnlinePayment, ours: int, theirs: int | None, currency: str,
                     by_webhook: bool) -> list[str]:
    problems = []
    if p.state == "late":
        problems.append("paid too late for its order and not refunded yet")
    if theirs is None:
        return problems
    heard = " (Stripe's webhook said so)" if by_webhook else ""
    if theirs > ours:
        problems.append(f"refunded in Stripe's dashboard, not through XTS2: "
                        f"{money(theirs - ours, currency)}{heard}")
    elif theirs < ours:
        problems.append(f"refunded through XTS2 but not at Stripe: "
                        f"{money(ours - theirs, currency)}")
    return problems


def _origin(intent: dict[str, Any], ours: dict[tuple[str, str], OnlinePayment]) -> str:
    """Where a PaymentIntent XTS2 does not know came from, by its metadata."""
    meta = intent.get("metadata") or {}
    number = str(meta.get("xts2_payment") or "")
    if not number:
        return "not started by XTS2: taken in Stripe's dashboard or by another system"
    mine = ours.get((number, str(meta.get("xts2_created") or "")))
    if mine is not None:
        return f"an earlier try of order {mine.basket_id}, payment {mine.id}"
    return (f"started by another XTS2 database (its payment {number}, order "
            f"{meta.get('xts2_basket') or '?'})")


def build(request: Any, p: StripeReportParams) -> Report:
    tz = request.tz
    day = p.day or request.now.astimezone(tz).date()
    start, end = window(day, tz)
    currency = request.registry["xts2.currency"]
    db = request.dbsession
    found = list(db.execute(
        sa.select(OnlinePayment)
        .where(OnlinePayment.method == NAME, OnlinePayment.reference.is_not(None),
               OnlinePayment.reference != "",
               OnlinePayment.created >= start, OnlinePayment.created < end)
        .order_by(OnlinePayment.created, OnlinePayment.id)).scalars())

    client = client_of(request.registry)
    away: str | None = None
    notes: list[str] = []
    listed: dict[str, dict[str, Any]] = {}
    try:
        for intent in service.list_intents(client, gte=int(start.timestamp()),
                                           lt=int(end.timestamp())):
            listed[str(intent["id"])] = intent
    except StripeUnavailable as exc:
        away = exc.message
    except Conflict as exc:
        notes.append(f"Stripe's list of the day's payments could not be read ({exc.message}): "
                     f"payments made at Stripe that XTS2 does not know are not shown")

    rows = []
    for pay in found:
        detail = pay.detail or {}
        ours = refunded_here(pay)
        row: dict[str, Any] = {
            "time": pay.created, "order": pay.basket_id, "payment": pay.id,
            "reference": pay.reference, "state": pay.state, "amount": pay.amount,
            "taken": pay.amount if pay.state in RECEIVED_STATES else 0, "refunded": ours,
            "stripestatus": None, "received": None, "stripe_refunded": None, "fee": None}
        problems: list[str] = []
        intent = listed.get(pay.reference)
        if intent is None and away is None:
            try:
                intent = service.intent_record(client, pay.reference)
            except StripeUnavailable as exc:
                away = exc.message
            except Conflict as exc:
                problems.append(f"Stripe does not know this payment ({exc.message})")
        if intent is not None:
            row.update(_stripe_side(intent))
            problems += _mismatches(pay, row, intent, currency)
        elif away is not None:
            problems.append("Stripe did not answer")
        by_webhook = row["stripe_refunded"] is None and "stripe_refunded" in detail
        if by_webhook:  # Stripe's word by webhook, when its answer now does not say
            row["stripe_refunded"] = int(detail["stripe_refunded"])
        problems += _refund_problems(pay, ours, row["stripe_refunded"], currency, by_webhook)
        row["problem"] = "; ".join(problems) or None
        rows.append(row)

    known = {pay.reference for pay in found}
    tries: dict[tuple[str, str], OnlinePayment] = {}
    strangers = [i for ref, i in listed.items()
                 if ref not in known and i.get("status") in MONEY_STATUSES]
    if strangers:  # a payment of another day may hold one (its try started after midnight)
        known |= set(db.scalars(sa.select(OnlinePayment.reference).where(
            OnlinePayment.method == NAME,
            OnlinePayment.reference.in_([str(i["id"]) for i in strangers]))))
        numbers = {str((i.get("metadata") or {}).get("xts2_payment") or "") for i in strangers}
        ids = [int(n) for n in numbers if n.isdigit() and len(n) < 19]
        tries = {(str(o.id), o.created.strftime("%Y%m%d%H%M%S")): o for o in db.scalars(
            sa.select(OnlinePayment).where(OnlinePayment.method == NAME,
                                           OnlinePayment.id.in_(ids)))}
    # Oldest first, as XTS2's rows (Stripe lists newest first; the sort keeps ties in order).
    for intent in sorted(reversed(strangers), key=lambda i: int(i.get("created") or 0)):
        if intent["id"] in known:
            continue
        side = _stripe_side(intent)
        what = "paid" if side["stripestatus"] == "succeeded" else "being paid"
        created = intent.get("created")
        rows.append({
            "time": datetime.fromtimestamp(int(created), UTC) if created else None,
            "reference": intent["id"], **side,
            "problem": f"{what} at Stripe but not in XTS2 ({_origin(intent, tries)})"})

    if away is not None:
        notes.append(f"Stripe did not answer, so its side of the day is missing: open the "
                     f"report again later ({away})")
    rows += [{"problem": note} for note in notes]

    def total(column: str) -> int | None:
        values = [r[column] for r in rows if r.get(column) is not None]
        return sum(values) if values else None

    troubled = sum(1 for r in rows if r.get("problem") and r.get("reference"))
    return Report(
        title=f"Card payments through Stripe, {day:%a} {day.day} {day:%b %Y}, against Stripe's "
              f"records",
        columns=COLUMNS, rows=rows,
        total={"reference": "Total", "taken": total("taken"), "received": total("received"),
               "refunded": total("refunded"), "stripe_refunded": total("stripe_refunded"),
               "fee": total("fee"),
               "problem": (f"{troubled} of {sum(1 for r in rows if r.get('reference'))} "
                           f"payments need a look" if troubled else None)},
        attrs={"day": day.isoformat(), "from": start, "until": end, "currency": currency,
               "stripe": "did not answer" if away is not None else "answered"},
        chart=None)


REPORT = ReportType(
    "stripe", build, StripeReportParams,
    "the day's card payments through Stripe beside Stripe's own records, with what does not "
    "agree", "Card payments against Stripe")
