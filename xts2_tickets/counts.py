"""Ticket counts (API.md §5): how many seats of a performance are sold, reserved, held back and
available, computed from basket state in one grouped aggregate query for any number of
performances.

- ``sold``: signed quantities in closed baskets (anti-tickets subtracted);
- ``reserved``: tickets (not anti-tickets) in live open baskets (``Basket.live(now)``: persistent,
  or not yet expired) — a refund waiting in an open basket frees no seat until it closes;
- ``refunding``: anti-tickets in live open baskets (not shown; refunds are checked against
  ``sold - refunding`` so two open refunds cannot return the same ticket);
- ``available = max(0, capacity - sold - reserved - heldback)``;
- ``admitted`` (``getperformance`` and ``getnowandnext`` only): valid tickets the door let in
  (codes not voided, in closed baskets, admitted), one more grouped query over ``tickets_code``.

A performance whose start is more than :data:`LATE_SALES` ago is ``past``: it is no longer sold.

The count statements are built once, at import, with bound parameters (``now``, and the
performance ``ids`` as an expanding ``IN``), and executed with their values: building a
statement's expression tree costs several times more CPU than running it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.visitors import replacement_traverse

from xts2_core import Basket, BasketItem, E, UTCDateTime

from .models import Performance, Ticket, TicketCode

#: How long after its start a performance is still sold (latecomers) and shown as now-and-next.
LATE_SALES = timedelta(minutes=60)


@dataclass
class Sums:
    """Ticket sums for one group (a performance, or a performance's ticket type)."""

    sold: int = 0
    reserved: int = 0
    refunding: int = 0
    revenue: int = 0


@dataclass
class Counts:
    """The ``<counts>`` of a performance."""

    performance: int
    capacity: int
    heldback: int
    sold: int = 0
    reserved: int = 0
    refunding: int = 0
    #: Tickets admitted at the door; ``None``: not counted (``<counts>`` leaves it out).
    admitted: int | None = None

    @property
    def available(self) -> int:
        return max(0, self.capacity - self.sold - self.reserved - self.heldback)

    @property
    def holdable(self) -> int:
        """The most seats that may be held back: ``capacity - sold - reserved``."""
        return max(0, self.capacity - self.sold - self.reserved)

    def element(self) -> E:
        return counts_element(self.performance, self.capacity, self.heldback, self.sold,
                              self.reserved, self.admitted)


def is_past(start: datetime, now: datetime) -> bool:
    """Started more than :data:`LATE_SALES` ago: no longer sold."""
    return start < now - LATE_SALES


def status(start: datetime, now: datetime, available: int) -> str:
    """``past``, ``soldout`` or ``onsale``."""
    if is_past(start, now):
        return "past"
    return "soldout" if available <= 0 else "onsale"


#: The request's clock, bound when a prebuilt statement runs.
NOW = sa.bindparam("now", type_=UTCDateTime())
#: Performance ids, an expanding ``IN (…)`` bound when a prebuilt statement runs.
IDS = sa.bindparam("ids", expanding=True)


def _sums_cases(now: Any) -> dict[str, Any]:
    """The ``CASE`` expression of each sum, per ticket (summed over a group)."""
    closed = Basket.state == "closed"
    live = Basket.live(now)
    return {
        "sold": sa.case((closed, Ticket.quantity), else_=0),
        "reserved": sa.case((sa.and_(live, Ticket.quantity > 0), Ticket.quantity), else_=0),
        "refunding": sa.case((sa.and_(live, Ticket.quantity < 0), -Ticket.quantity), else_=0),
        "revenue": sa.case((closed, BasketItem.quantity * BasketItem.unit_price), else_=0),
    }


def _tickets_of_baskets(now: Any, *columns: Any) -> sa.Select[Any]:
    """``SELECT columns…`` over tickets of baskets that still exist."""
    return (
        sa.select(*columns)
        .select_from(Ticket)
        .join(BasketItem, BasketItem.id == Ticket.item_id)
        .join(Basket, Basket.id == BasketItem.basket_id)
        .where(Basket.not_expired(now))
    )


def sums_query(now: Any, *group: Any) -> sa.Select[Any]:
    """``SELECT group…, sold, reserved, refunding, revenue`` over tickets of baskets that still
    exist; the caller adds a ``WHERE`` on :class:`Ticket` columns. ``now`` is a datetime or a bound
    parameter (:data:`NOW` in the prebuilt statements)."""
    cases = _sums_cases(now)
    return _tickets_of_baskets(now, *group, *(
        sa.func.coalesce(sa.func.sum(case), 0).label(name) for name, case in cases.items()
    )).group_by(*group)


def inline_constants(statement: Any) -> Any:
    """``statement`` with its constants (``'closed'``, ``0``) written into its SQL rather than
    sent as parameters: every parameter costs CPU at every execution. Named parameters
    (:data:`NOW`, ``ids``…) stay parameters."""
    def literal(element: Any) -> Any:
        if not isinstance(element, BindParameter) or not element.unique or element.expanding:
            return None
        value = element.value
        if type(value) is int:
            return sa.literal_column(str(value), element.type)
        if type(value) is str and value.isalnum():
            return sa.literal_column(f"'{value}'", element.type)
        return None

    return replacement_traverse(statement, {}, literal)


#: Sums by performance of the performances ``ids``; parameters ``now``, ``ids``.
SUMS_BY_PERFORMANCE = sums_query(NOW, Ticket.performance_id).where(
    Ticket.performance_id.in_(IDS))
#: Sums by ticket type of one performance; parameters ``now``, ``performance``.
SUMS_BY_TICKETTYPE = sums_query(NOW, Ticket.tickettype_id).where(
    Ticket.performance_id == sa.bindparam("performance"))
#: Sums by (performance, ticket type) of the performances ``ids``; parameters ``now``, ``ids``.
SUMS_BY_PERFORMANCE_TICKETTYPE = sums_query(
    NOW, Ticket.performance_id, Ticket.tickettype_id).where(Ticket.performance_id.in_(IDS))


def taken_query(now: Any, performance_ids: Any) -> sa.Select[Any]:
    """``SELECT performance_id, taken`` (``sold + reserved``: all that ``available`` needs) of
    the performances ``performance_ids`` (a ``SELECT`` of ids), grouped."""
    cases = _sums_cases(now)
    return (_tickets_of_baskets(now, Ticket.performance_id,
                                sa.func.sum(cases["sold"] + cases["reserved"]).label("taken"))
            .where(Ticket.performance_id.in_(performance_ids))
            .group_by(Ticket.performance_id))


def _counts_statement(performance: Any, ticket: Any) -> Any:
    """``id, capacity, heldback, sold, reserved`` of the performances matching ``performance``
    (those that exist) in one statement of plain rows: the performances ``LEFT OUTER JOIN``
    the sums of their tickets (matching ``ticket``)."""
    cases = _sums_cases(NOW)
    sums = (_tickets_of_baskets(NOW, Ticket.performance_id,
                                sa.func.sum(cases["sold"]).label("sold"),
                                sa.func.sum(cases["reserved"]).label("reserved"))
            .where(ticket).group_by(Ticket.performance_id).subquery("sums"))
    return inline_constants(
        sa.select(Performance.id, Performance.capacity, Performance.heldback,
                  sa.func.coalesce(sums.c.sold, 0).label("sold"),
                  sa.func.coalesce(sums.c.reserved, 0).label("reserved"))
        .outerjoin(sums, sums.c.performance_id == Performance.id)
        .where(performance))


_ID = sa.bindparam("id")
#: The counts of the performances ``ids``; parameters ``now``, ``ids``.
COUNTS_BY_ID = _counts_statement(Performance.id.in_(IDS), Ticket.performance_id.in_(IDS))
#: The counts of one performance ``id`` (no expanding ``IN`` to rewrite at each execution);
#: parameters ``now``, ``id``.
COUNTS_OF_ONE = _counts_statement(Performance.id == _ID, Ticket.performance_id == _ID)


def counts_rows(dbsession: Any, now: datetime, ids: list[int]) -> dict[int, Any]:
    """``{performance id: (id, capacity, heldback, sold, reserved)}`` of those of ``ids`` that
    exist, in one statement. A read of what is flushed: it runs on the session's connection,
    without the ORM's autoflush and row machinery."""
    if len(ids) == 1:
        statement, params = COUNTS_OF_ONE, {"now": now, "id": ids[0]}
    else:
        statement, params = COUNTS_BY_ID, {"now": now, "ids": ids}
    return {row[0]: row for row in dbsession.connection().execute(statement, params)}


def counts_element(performance: int, capacity: int, heldback: int, sold: int, reserved: int,
                   admitted: int | None = None) -> E:
    """``<counts performance capacity sold reserved heldback available admitted/>``
    (``admitted`` where it is counted)."""
    return E("counts", {
        "performance": performance, "capacity": capacity, "sold": sold, "reserved": reserved,
        "heldback": heldback,
        "available": max(0, capacity - sold - reserved - heldback),
        "admitted": admitted,
    })


def _sums(row: Any) -> Sums:
    return Sums(int(row.sold), int(row.reserved), int(row.refunding), int(row.revenue))


def sums_by_performance(dbsession: Any, now: datetime, performance_ids: Any
                        ) -> dict[int, Sums]:
    """``{performance id: Sums}`` in one query. ``performance_ids`` is a collection of ids or a
    ``SELECT`` of them (a show's performances)."""
    if isinstance(performance_ids, sa.Select):
        q = sums_query(now, Ticket.performance_id).where(
            Ticket.performance_id.in_(performance_ids))
        return {row.performance_id: _sums(row) for row in dbsession.execute(q)}
    ids = list(performance_ids)
    if not ids:
        return {}
    return {row.performance_id: _sums(row)
            for row in dbsession.execute(SUMS_BY_PERFORMANCE, {"now": now, "ids": ids})}


def sums_by_tickettype(dbsession: Any, now: datetime, performance_id: int) -> dict[int, Sums]:
    """``{ticket type id: Sums}`` of one performance, in one query."""
    return {row.tickettype_id: _sums(row) for row in dbsession.execute(
        SUMS_BY_TICKETTYPE, {"now": now, "performance": performance_id})}


def counts_of(performance: Any, sums: Sums | None) -> Counts:
    s = sums or Sums()
    return Counts(performance.id, performance.capacity, performance.heldback, s.sold, s.reserved,
                  s.refunding)


def counts_for(dbsession: Any, now: datetime, performances: Iterable[Any]
               ) -> dict[int, Counts]:
    """``{performance id: Counts}`` for already loaded performances (entities or rows with
    ``id``, ``capacity`` and ``heldback``), in one query."""
    perfs = list(performances)
    sums = sums_by_performance(dbsession, now, [p.id for p in perfs])
    return {p.id: counts_of(p, sums.get(p.id)) for p in perfs}


#: Tickets admitted of the performances ``ids``: codes not voided, in closed baskets, that the
#: door let in; parameter ``ids``.
ADMITTED_BY_PERFORMANCE = (
    sa.select(TicketCode.performance_id, sa.func.count().label("admitted"))
    .join(Basket, Basket.id == TicketCode.basket_id)
    .where(TicketCode.performance_id.in_(IDS), TicketCode.admitted.is_not(None),
           TicketCode.voided.is_(None), Basket.state == "closed")
    .group_by(TicketCode.performance_id))


def count_admitted(dbsession: Any, counts: Iterable[Counts]) -> None:
    """Set ``admitted`` of each of ``counts`` (one query for them all)."""
    counts = list(counts)
    if not counts:
        return
    found = dict(dbsession.connection().execute(
        ADMITTED_BY_PERFORMANCE, {"ids": [c.performance for c in counts]}).all())
    for c in counts:
        c.admitted = int(found.get(c.performance, 0))
