"""The ``takings`` report (``xts/report?type=takings``): the end-of-day cash-up sheet.

Rows by terminal and payment type — items, payments, refunds, the net amount, what payment
services charged for taking it (``item.fee``: Stripe's fee) and the net of those fees — a total
row and a chart of the net amounts. Built on the same query as ``gettakings``, so both agree to the penny.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from xts2_core import (
    BadParam,
    Column,
    DateTime,
    Field,
    Id,
    NotFound,
    Params,
    Report,
    ReportType,
    Terminal,
)

from .takings import takings

COLUMNS = [
    Column("terminal", "No.", "int"),
    Column("terminalname", "Terminal"),
    Column("paymenttype", "Code"),
    Column("paymenttypename", "Payment type"),
    Column("count", "Items", "int"),
    Column("payments", "Taken", "money"),
    Column("refunds", "Refunded", "money"),
    Column("amount", "Net", "money"),
    Column("fees", "Service fees", "money"),
    Column("afterfees", "Net of fees", "money"),
]


class TakingsReportParams(Params):
    """``from`` (required), ``until`` (default now), ``terminal`` (optional: all terminals)."""

    from_: DateTime = Field(alias="from", description="The start of the period (payments "
                            "added from then on).")
    until: DateTime | None = Field(None, description="The end of the period (exclusive); "
                                   "default now.")
    terminal: Id | None = Field(None, description="One terminal (its id); default all.")


def _when(dt: datetime, tz: tzinfo) -> str:
    local = dt.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"


def build(request: Any, p: TakingsReportParams) -> Report:
    until = p.until if p.until is not None else request.now
    if until < p.from_:
        raise BadParam("until", "parameter 'until' must not be before 'from'")
    terminal = None
    if p.terminal is not None:
        terminal = request.dbsession.get(Terminal, p.terminal)
        if terminal is None:
            raise NotFound(f"no terminal {p.terminal}", param="terminal")
    lines = takings(request.dbsession, p.from_, until, terminal_id=p.terminal)
    rows = [{"terminal": t.terminal_id, "terminalname": t.terminal_name, "paymenttype": t.code,
             "paymenttypename": t.name, "count": t.count, "payments": t.payments,
             "refunds": t.refunds, "amount": t.amount, "fees": t.fees,
             "afterfees": t.after_fees} for t in lines]
    total = {"terminalname": "Total", "count": sum(t.count for t in lines),
             "payments": sum(t.payments for t in lines), "refunds": sum(t.refunds for t in lines),
             "amount": sum(t.amount for t in lines), "fees": sum(t.fees for t in lines),
             "afterfees": sum(t.after_fees for t in lines)}
    who = terminal.name if terminal is not None else "all terminals"
    return Report(
        title=f"Cash-up: takings of {who}, {_when(p.from_, request.tz)} to "
              f"{_when(until, request.tz)}",
        columns=COLUMNS, rows=rows, total=total,
        attrs={"from": p.from_, "until": until, "terminal": p.terminal,
               "terminalname": terminal.name if terminal is not None else None},
        chart=(("terminalname", "paymenttypename"), "amount"))


def report_types() -> list[ReportType]:
    return [ReportType("takings", build, TakingsReportParams,
                       "takings by terminal and payment type: the cash-up sheet", "Takings")]
