"""The ``donations`` report: every donation in the baskets closed in a period.

``xts/report?type=donations&from=2026-12-01&until=2026-12-08`` (admin): one row per donation
(closed, basket, item, donor, postcode, giftaid, amount), the total, and in the HTML form a chart
of the amounts by basket and donor. ``until`` defaults to now. Baskets still open (or reopened) are left out.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from xts2_core import (
    BadParam,
    Basket,
    BasketItem,
    Column,
    DateTime,
    Field,
    Money,
    Params,
    Report,
    ReportType,
    format_datetime,
)

from .donation import ITEM_TYPE

COLUMNS = [
    Column("closed", "Closed", "datetime"),
    Column("basket", "Basket", "int"),
    Column("item", "Item", "int"),
    Column("donor", "Donor"),
    Column("postcode", "Postcode"),
    Column("giftaid", "Gift Aid", "bool"),
    Column("amount", "Amount", "money"),
]


class DonationsReportParams(Params):
    from_: DateTime = Field(alias="from", description="The start of the period (baskets "
                            "closed from then on).")
    until: DateTime | None = Field(None, description="The end of the period (exclusive); "
                                   "default now.")


def build(request: Any, p: DonationsReportParams) -> Report:
    until = p.until or request.now
    if until <= p.from_:
        raise BadParam("until", "parameter 'until' must be later than 'from'")
    found = request.dbsession.execute(
        sa.select(BasketItem, Basket.closed)
        .join(Basket, Basket.id == BasketItem.basket_id)
        .where(BasketItem.type == ITEM_TYPE, Basket.state == "closed",
               Basket.closed >= p.from_, Basket.closed < until)
        .order_by(Basket.closed, BasketItem.id)).all()
    rows = []
    for item, closed in found:
        d = item.detail or {}
        rows.append({"closed": closed, "basket": item.basket_id, "item": item.id,
                     "donor": d.get("donor"), "postcode": d.get("postcode"),
                     "giftaid": bool(d.get("giftaid")), "amount": item.value})
    total = sum(r["amount"] for r in rows)
    giftaid = sum(r["amount"] for r in rows if r["giftaid"])
    tz = request.tz
    return Report(
        title=f"Donations {format_datetime(p.from_, tz)[:10]} to {format_datetime(until, tz)[:10]}",
        columns=COLUMNS, rows=rows, total={"amount": total},
        attrs={"from": p.from_, "until": until, "count": len(rows),
               "giftaidamount": Money(giftaid)},
        chart=(("basket", "donor"), "amount"))


REPORT = ReportType("donations", build, DonationsReportParams,
                    "donations in the baskets closed between from and until, with Gift Aid",
                    "Donations")
