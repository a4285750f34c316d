"""The ``money`` servlet (API.md §7): ``getpaymenttypes`` and ``gettakings``."""

from __future__ import annotations

from typing import Any

from xts2_core import (
    Answer,
    BadParam,
    DateTime,
    DateTimeText,
    E,
    Field,
    Forbidden,
    Id,
    Key,
    Money,
    MoneyText,
    NoParams,
    NotFound,
    Params,
    Terminal,
    answers,
    elist,
)

from . import paymenttypes
from .takings import takings


class PaymentTypeOut(Answer):
    id: int
    code: str
    name: str


class PaymentTypesAnswer(Answer):
    paymenttypes: list[PaymentTypeOut]
    terminal: int


class TakingsLine(Answer):
    code: str
    name: str
    amount: MoneyText
    count: int
    fees: MoneyText


class TakingsOut(Answer):
    terminal: int
    since: DateTimeText
    until: DateTimeText
    total: MoneyText
    count: int
    fees: MoneyText
    paymenttype: list[TakingsLine] | None = None


class TakingsAnswer(Answer):
    takings: TakingsOut


@answers(PaymentTypesAnswer)
def getpaymenttypes(request: Any, p: NoParams) -> E:
    """``<paymenttypes terminal><paymenttype id code name/>…</paymenttypes>``: those the calling
    terminal accepts, in the order they were created."""
    terminal_id = request.terminal.id
    return paymenttypes_element(request, terminal_id, {"terminal": terminal_id})


def paymenttypes_element(request: Any, terminal_id: int, attrs: dict[str, Any] | None = None
                         ) -> E:
    """The payment types a terminal accepts, as ``getpaymenttypes`` and ``xts/getterminal``
    (inside ``<terminal>``, without the ``terminal`` attribute) show them."""
    return elist("paymenttypes", [
        E("paymenttype", {"id": pt.id, "code": pt.code, "name": pt.name}, many=True)
        for pt in paymenttypes.accepted(request.dbsession, terminal_id)
    ], attrs)


class GetTakings(Params):
    """``since`` (required), ``until`` (default now), ``paymenttype`` (a code), ``terminal`` (an
    id; another terminal's takings need the admin password)."""

    since: DateTime = Field(description="The start of the window (ISO 8601; venue time without "
                            "an offset).")
    until: DateTime | None = Field(None, description="The end of the window (exclusive); "
                                   "default now.")
    paymenttype: Key | None = Field(None, description="Only this payment type (its code).")
    terminal: Id | None = Field(None, description="Another terminal (its id; needs the admin "
                                "password); default the calling one.")


@answers(TakingsAnswer)
def gettakings(request: Any, p: GetTakings) -> E:
    """``<takings terminal since until total count fees><paymenttype code name amount count
    fees/>…</takings>``: what a terminal took in ``[since, until)`` per payment type, refunds
    subtracted; ``fees``: what payment services charged for taking it (``item.fee``)."""
    until = p.until if p.until is not None else request.now
    if until < p.since:
        raise BadParam("until", "parameter 'until' must not be before 'since'")
    terminal_id = request.terminal.id
    if p.terminal is not None and p.terminal != terminal_id:
        if not request.is_admin:
            raise Forbidden("another terminal's takings need the admin password")
        if request.dbsession.get(Terminal, p.terminal) is None:
            raise NotFound(f"no terminal {p.terminal}", param="terminal")
        terminal_id = p.terminal
    only = None
    if p.paymenttype is not None:
        only = paymenttypes.by_code(request.dbsession, p.paymenttype)
        if only is None:
            raise NotFound(f"no payment type {p.paymenttype!r}", param="paymenttype")
    lines = takings(request.dbsession, p.since, until, terminal_id=terminal_id,
                    paymenttype_id=only.id if only is not None else None)
    children = [E("paymenttype", {"code": t.code, "name": t.name, "amount": Money(t.amount),
                                  "count": t.count, "fees": Money(t.fees)}, many=True) for t in lines]
    if only is not None and not lines:
        children.append(E("paymenttype", {"code": only.code, "name": only.name,
                                          "amount": Money(0), "count": 0, "fees": Money(0)},
                                    many=True))
    return E("takings", {
        "terminal": terminal_id, "since": p.since, "until": until,
        "total": Money(sum(t.amount for t in lines)), "count": sum(t.count for t in lines),
        "fees": Money(sum(t.fees for t in lines)),
    }, children)
