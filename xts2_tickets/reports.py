"""Report types ``performance`` and ``show`` (``xts/report``, API.md §9) and the plugin's counts
for ``xts/getstats``.

Revenue is what closed baskets took for the tickets, at the prices they were sold for (the items'
unit prices), refunds subtracted.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from xts2_core import Basket, BasketItem, Column, Field, Id, Params, Report, ReportType

from .commands import get_performance, get_show
from .counts import counts_of, sums_by_performance
from .labels import performance_label, when
from .models import Performance, Show, Ticket, TicketType


class PerformanceReportParams(Params):
    performance: Id = Field(description="The performance (its id).")


def performance_report(request: Any, p: PerformanceReportParams) -> Report:
    """One row per ticket type: tickets sold, refunded, and the revenue (closed baskets)."""
    db = request.dbsession
    perf = get_performance(request, p.performance)
    show = db.get(Show, perf.show_id)
    types = list(db.execute(sa.select(TicketType).where(TicketType.show_id == show.id)
                            .order_by(TicketType.id)).scalars())
    q = (sa.select(
        Ticket.tickettype_id,
        sa.func.coalesce(sa.func.sum(sa.case((Ticket.quantity > 0, Ticket.quantity), else_=0)),
                         0).label("sold"),
        sa.func.coalesce(sa.func.sum(sa.case((Ticket.quantity < 0, -Ticket.quantity), else_=0)),
                         0).label("refunded"),
        sa.func.coalesce(sa.func.sum(BasketItem.quantity * BasketItem.unit_price), 0
                         ).label("revenue"))
        .join(BasketItem, BasketItem.id == Ticket.item_id)
        .join(Basket, Basket.id == BasketItem.basket_id)
        .where(Ticket.performance_id == perf.id, Basket.state == "closed")
        .group_by(Ticket.tickettype_id))
    sums = {r.tickettype_id: r for r in db.execute(q)}
    rows = []
    for t in types:
        r = sums.get(t.id)
        rows.append({"tickettype": t.name, "price": t.price,
                     "sold": int(r.sold) if r else 0, "refunded": int(r.refunded) if r else 0,
                     "revenue": int(r.revenue) if r else 0})
    total = {k: sum(r[k] for r in rows) for k in ("sold", "refunded", "revenue")}
    total["tickettype"] = "Total"
    return Report(
        title=performance_label(show.name, perf.start, request.tz),
        columns=[Column("tickettype", "Ticket type"), Column("price", "Price", "money"),
                 Column("sold", "Sold", "int"), Column("refunded", "Refunded", "int"),
                 Column("revenue", "Revenue", "money")],
        rows=rows, total=total,
        attrs={"performance": perf.id, "show": show.id, "showname": show.name,
               "start": perf.start},
        chart=("tickettype", "revenue"))


class ShowReportParams(Params):
    show: Id = Field(description="The show (its id).")


def show_report(request: Any, p: ShowReportParams) -> Report:
    """One row per performance: capacity, sold, reserved, held back, available, revenue."""
    db = request.dbsession
    show = get_show(request, p.show)
    perfs = list(db.execute(sa.select(Performance).where(Performance.show_id == show.id)
                            .order_by(Performance.start, Performance.id)).scalars())
    sums = sums_by_performance(db, request.now, [perf.id for perf in perfs])
    rows = []
    for perf in perfs:
        s = sums.get(perf.id)
        c = counts_of(perf, s)
        rows.append({"performance": perf.id, "when": when(perf.start, request.tz),
                     "start": perf.start, "capacity": c.capacity, "sold": c.sold,
                     "reserved": c.reserved, "heldback": c.heldback, "available": c.available,
                     "revenue": s.revenue if s else 0})
    keys = ("capacity", "sold", "reserved", "heldback", "available", "revenue")
    total: dict[str, Any] = {k: sum(r[k] for r in rows) for k in keys}
    total["when"] = "Total"
    return Report(
        title=show.name,
        columns=[Column("performance", "Performance", "int"), Column("when", "When"),
                 Column("start", "Start", "datetime"), Column("capacity", "Capacity", "int"),
                 Column("sold", "Sold", "int"), Column("reserved", "Reserved", "int"),
                 Column("heldback", "Held back", "int"),
                 Column("available", "Available", "int"),
                 Column("revenue", "Revenue", "money")],
        rows=rows, total=total, attrs={"show": show.id, "showname": show.name},
        chart=("when", "sold"))


REPORT_TYPES = [
    ReportType("performance", performance_report, PerformanceReportParams,
               "Tickets sold and refunded and the revenue of one performance, by ticket type",
               "Performance"),
    ReportType("show", show_report, ShowReportParams,
               "Capacity, sales and revenue of every performance of one show", "Show"),
]


def stats(request: Any) -> dict[str, int]:
    """``shows``, ``performances`` and ``ticketssold`` (net, closed baskets)."""
    db = request.dbsession
    sold = db.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Ticket.quantity), 0))
        .join(BasketItem, BasketItem.id == Ticket.item_id)
        .join(Basket, Basket.id == BasketItem.basket_id)
        .where(Basket.state == "closed"))
    return {
        "shows": db.scalar(sa.select(sa.func.count()).select_from(Show)),
        "performances": db.scalar(sa.select(sa.func.count()).select_from(Performance)),
        "ticketssold": int(sold or 0),
    }
