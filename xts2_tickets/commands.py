"""The ``tickets`` servlet (API.md §5): shows, performances, the programme and ticket counts.

Every read uses a fixed number of queries whatever the data size: the rows in one query, their
counts in one grouped aggregate (:mod:`xts2_tickets.counts`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa

from xts2_core import (
    Answer,
    Bool,
    Conflict,
    Count,
    DateTime,
    DateTimeText,
    E,
    Field,
    Id,
    IdList,
    Int,
    Money,
    MoneyText,
    NotFound,
    Params,
    UTCDateTime,
    answers,
    elist,
    for_update,
)

from .counts import (
    LATE_SALES,
    NOW,
    Counts,
    count_admitted,
    counts_element,
    counts_for,
    counts_of,
    counts_rows,
    inline_constants,
    status,
    sums_by_performance,
    sums_by_tickettype,
    taken_query,
)
from .labels import performance_label
from .models import Performance, Show, TicketType

# -- lookups ---------------------------------------------------------------------------------


def get_show(request: Any, show_id: int, param: str = "show") -> Show:
    show = request.dbsession.get(Show, show_id)
    if show is None:
        raise NotFound(f"no show {show_id}", param=param)
    return show


def get_performance(request: Any, performance_id: int, param: str = "performance", *,
                    lock: bool = False) -> Performance:
    """The performance, or ``not_found`` naming ``param``. ``lock``: ``SELECT … FOR UPDATE``,
    which every writer takes before it counts."""
    q = sa.select(Performance).where(Performance.id == performance_id)
    if lock:
        q = for_update(request, q).execution_options(populate_existing=True)
    perf = request.dbsession.execute(q).scalar_one_or_none()
    if perf is None:
        raise NotFound(f"no performance {performance_id}", param=param)
    return perf


def local_days_after(start: datetime, days: int, tz: Any) -> datetime:
    """``start`` plus ``days`` calendar days on the venue's clock (a day across a clock change
    is 23 or 25 hours), as UTC."""
    local = start.astimezone(tz).replace(tzinfo=None) + timedelta(days=days)
    return local.replace(tzinfo=tz).astimezone(UTC)


# -- shows -----------------------------------------------------------------------------------


STATUS = Literal["onsale", "soldout", "past"]


# -- answers (their JSON schemas, published in GET /v2/openapi.json) ---------------------------

class CountsOut(Answer):
    """``<counts>``: ``available = max(0, capacity - sold - reserved - heldback)``; ``admitted``
    (tickets the door let in) on ``getperformance`` and ``getnowandnext``."""

    performance: int
    capacity: Count
    sold: int
    reserved: Count
    heldback: Count
    available: Count
    admitted: Count | None = None


class ShowOut(Answer):
    id: int
    name: str
    performances: Count
    first: DateTimeText | None = None
    last: DateTimeText | None = None
    next: DateTimeText | None = None


class ShowsAnswer(Answer):
    shows: list[ShowOut]


class PublicityOut(Answer):
    text: str
    company: str | None = None
    runningtime: int | None = None
    ageguidance: str | None = None
    image: str | None = None
    link: str | None = None


class PerformanceRef(Answer):
    id: int
    start: DateTimeText


class ShowDetailOut(Answer):
    id: int
    name: str
    performances: Count
    description: str
    publicity: PublicityOut
    firstperformance: PerformanceRef | None = None
    lastperformance: PerformanceRef | None = None


class ShowAnswer(Answer):
    show: ShowDetailOut


class TicketTypeOut(Answer):
    id: int
    name: str
    price: MoneyText


class TicketTypesAnswer(Answer):
    tickettypes: list[TicketTypeOut]
    show: int


class PerformanceRow(Answer):
    id: int
    start: DateTimeText
    capacity: Count
    available: Count
    status: STATUS


class PerformancesAnswer(Answer):
    performances: list[PerformanceRow]
    show: int


class TicketTypeCounts(TicketTypeOut):
    sold: int
    reserved: Count


class PerformanceOut(Answer):
    id: int
    show: int
    showname: str
    start: DateTimeText
    status: STATUS
    counts: CountsOut


class PerformanceDetailOut(PerformanceOut):
    tickettypes: list[TicketTypeCounts]


class PerformanceAnswer(Answer):
    performance: PerformanceDetailOut


class ProgrammePerformance(Answer):
    id: int
    start: DateTimeText
    available: Count
    status: STATUS


class ProgrammeShow(Answer):
    id: int
    name: str
    performance: list[ProgrammePerformance]


class ProgrammeAnswer(Answer):
    programme: list[ProgrammeShow]
    from_: DateTimeText = Field(alias="from")
    until: DateTimeText


class NowAndNextAnswer(Answer):
    nowandnext: list[PerformanceOut]


class TicketCountsAnswer(Answer):
    ticketcounts: list[CountsOut]


class CountsAnswer(Answer):
    counts: CountsOut


# -- commands --------------------------------------------------------------------------------

CURRENT = Field(False, description="Only what has a performance not yet started.")


class GetShows(Params):
    current: Bool = CURRENT


def _shows_statement(current: bool) -> sa.Select[Any]:
    """The ``getshows`` statement; parameter ``now``. ``current``: only shows with a performance
    to come, found through the index on ``start`` so the cost does not grow with past
    performances (the grouped statistics are over those shows' performances only)."""
    now = NOW
    perfs = sa.select(
        Performance.show_id.label("show_id"),
        sa.func.count().label("n"),
        sa.func.min(Performance.start).label("first"),
        sa.func.max(Performance.start).label("last"),
        sa.func.min(sa.case((Performance.start > now, Performance.start))).label("next"),
    )
    if current:
        perfs = perfs.where(Performance.show_id.in_(
            sa.select(Performance.show_id).where(Performance.start > now)))
    stats = perfs.group_by(Performance.show_id).subquery()
    q = (sa.select(Show.id, Show.name, stats.c.n, stats.c.first, stats.c.last, stats.c.next)
         .outerjoin(stats, stats.c.show_id == Show.id))
    if current:
        q = q.where(stats.c.next.is_not(None))
    return q.order_by(stats.c.first.asc().nulls_last(), Show.name, Show.id)


_SHOWS = {current: _shows_statement(current) for current in (False, True)}


@answers(ShowsAnswer)
def getshows(request: Any, p: GetShows) -> E:
    """``<shows><show id name performances first last next/>…</shows>`` by first performance.

    ``next`` (an addition) is the start of the next performance not yet started."""
    rows = request.dbsession.execute(_SHOWS[p.current], {"now": request.now}).all()
    return elist("shows", [
        E("show", {"id": r.id, "name": r.name, "performances": r.n or 0, "first": r.first,
                   "last": r.last, "next": r.next})
        for r in rows
    ])


class ShowParam(Params):
    show: Id = Field(description="The show (its id).")


@answers(ShowAnswer)
def getshow(request: Any, p: ShowParam) -> E:
    """``<show id name performances><description/><publicity …/><firstperformance/>
    <lastperformance/></show>``."""
    show = get_show(request, p.show)
    db = request.dbsession
    base = sa.select(Performance.id, Performance.start).where(Performance.show_id == show.id)
    count = db.scalar(sa.select(sa.func.count()).select_from(Performance)
                      .where(Performance.show_id == show.id))
    children = [
        E("description", text=show.description or ""),
        E("publicity", {"company": show.company, "runningtime": show.runningtime,
                        "ageguidance": show.ageguidance, "image": show.image, "link": show.link},
          text=show.publicity or ""),
    ]
    if count:
        first = db.execute(base.order_by(Performance.start, Performance.id).limit(1)).one()
        last = db.execute(base.order_by(Performance.start.desc(), Performance.id.desc())
                          .limit(1)).one()
        children += [E("firstperformance", {"id": first.id, "start": first.start}),
                     E("lastperformance", {"id": last.id, "start": last.start})]
    return E("show", {"id": show.id, "name": show.name, "performances": count}, children)


@answers(TicketTypesAnswer)
def gettickettypes(request: Any, p: ShowParam) -> E:
    """``<tickettypes show><tickettype id name price/>…</tickettypes>`` in the order loaded."""
    show = get_show(request, p.show)
    types = request.dbsession.execute(
        sa.select(TicketType).where(TicketType.show_id == show.id).order_by(TicketType.id)
    ).scalars()
    return elist("tickettypes", [
        E("tickettype", {"id": t.id, "name": t.name, "price": Money(t.price)}) for t in types
    ], {"show": show.id})


# -- performances ----------------------------------------------------------------------------


class GetPerformances(Params):
    show: Id = Field(description="The show (its id).")
    current: Bool = Field(False, description="Only performances not yet started.")


@answers(PerformancesAnswer)
def getperformances(request: Any, p: GetPerformances) -> E:
    """``<performances show><performance id start capacity available status/>…</performances>``;
    ``current``: only performances not yet started."""
    show = get_show(request, p.show)
    now = request.now
    q = sa.select(Performance).where(Performance.show_id == show.id)
    if p.current:
        q = q.where(Performance.start > now)
    perfs = list(request.dbsession.execute(
        q.order_by(Performance.start, Performance.id)).scalars())
    counts = counts_for(request.dbsession, now, perfs)
    return elist("performances", [
        E("performance", {"id": perf.id, "start": perf.start, "capacity": perf.capacity,
                          "available": counts[perf.id].available,
                          "status": status(perf.start, now, counts[perf.id].available)})
        for perf in perfs
    ], {"show": show.id})


class PerformanceParam(Params):
    performance: Id = Field(description="The performance (its id).")


@answers(PerformanceAnswer)
def getperformance(request: Any, p: PerformanceParam) -> E:
    """``<performance id show showname start status><counts/><tickettypes>…</tickettypes>``;
    its counts carry ``admitted``."""
    perf = get_performance(request, p.performance)
    db = request.dbsession
    now = request.now
    show = db.get(Show, perf.show_id)
    types = list(db.execute(sa.select(TicketType).where(TicketType.show_id == perf.show_id)
                            .order_by(TicketType.id)).scalars())
    by_type = sums_by_tickettype(db, now, perf.id)
    counts = Counts(perf.id, perf.capacity, perf.heldback,
                    sold=sum(s.sold for s in by_type.values()),
                    reserved=sum(s.reserved for s in by_type.values()))
    count_admitted(db, [counts])
    rows = []
    for t in types:
        s = by_type.get(t.id)
        rows.append(E("tickettype", {"id": t.id, "name": t.name, "price": Money(t.price),
                                     "sold": s.sold if s else 0,
                                     "reserved": s.reserved if s else 0}))
    return E("performance", {
        "id": perf.id, "show": show.id, "showname": show.name, "start": perf.start,
        "status": status(perf.start, now, counts.available),
    }, [counts.element(), elist("tickettypes", rows)])


def _performance_with_counts(perf: Any, showname: str, counts: Counts, now: datetime
                             ) -> E:
    return E("performance", {
        "id": perf.id, "show": perf.show_id, "showname": showname, "start": perf.start,
        "status": status(perf.start, now, counts.available)}, [counts.element()])


class GetProgramme(Params):
    from_: DateTime | None = Field(None, alias="from", description="The window's start "
                                   "(ISO 8601, venue time without an offset); default now.")
    days: Int = Field(14, ge=1, le=366, description="The window's length in days.")
    limit: Int = Field(3, ge=1, le=50, description="At most this many performances per show.")


#: The columns of a performance the reads render, with its show's name, as plain rows.
_PERFORMANCE_ROW = (Performance.id, Performance.show_id, Performance.start, Performance.capacity,
                    Performance.heldback, Show.name.label("showname"))

_START = sa.bindparam("start", type_=UTCDateTime())
_UNTIL = sa.bindparam("until", type_=UTCDateTime())
_LIMIT = sa.bindparam("limit", type_=sa.Integer())
_PROGRAMME_COLUMNS = (Performance.id, Performance.show_id, Performance.start, Performance.capacity,
                      Performance.heldback)

_rank = sa.func.row_number().over(
    partition_by=Performance.show_id, order_by=(Performance.start, Performance.id)
).label("rank")
_ranked = (sa.select(*_PROGRAMME_COLUMNS, _rank)
           .where(Performance.start >= _START, Performance.start < _UNTIL)
           .subquery("ranked"))
#: The first ``limit`` performances of each show in [start, until): the performances in the window
#: (through the index on start), ranked per show.
_programme_ranked = (
    sa.select(_ranked.c.id, _ranked.c.show_id, _ranked.c.start, _ranked.c.capacity,
              _ranked.c.heldback)
    .where(_ranked.c.rank <= _LIMIT)
    .cte("programme"))

_shows_in_window = (sa.select(Performance.show_id).distinct()
                    .where(Performance.start >= _START, Performance.start < _UNTIL)
                    .subquery("shows"))
_first = sa.orm.aliased(Performance, name="first")
#: The same performances found by seeks instead (SQLite, whose window function costs more than
#: the rest of the statement): for each show in the window, its first ``limit`` performances there,
#: through the unique index on (show_id, start).
_programme_seeks = (
    sa.select(*_PROGRAMME_COLUMNS)
    .select_from(_shows_in_window)
    .join(Performance, Performance.id.in_(
        sa.select(_first.id)
        .where(_first.show_id == _shows_in_window.c.show_id, _first.start >= _START,
               _first.start < _UNTIL)
        .order_by(_first.start, _first.id).limit(_LIMIT)))
    .cte("programme"))


def _programme_statement(programme: Any) -> Any:
    """The programme in one statement of plain rows ``id, show_id, start, showname, free`` by
    start: the performances of ``programme`` with their show's name, ``LEFT OUTER JOIN`` the sums
    of their tickets only (``free = capacity - heldback - sold - reserved``; ``available`` is
    ``max(0, free)``). Parameters ``start``, ``until``, ``limit``, ``now``."""
    taken = taken_query(NOW, sa.select(programme.c.id)).subquery("taken")
    return inline_constants(
        sa.select(programme.c.id, programme.c.show_id, programme.c.start,
                  Show.name.label("showname"),
                  (programme.c.capacity - programme.c.heldback
                   - sa.func.coalesce(taken.c.taken, 0)).label("free"))
        .join(Show, Show.id == programme.c.show_id)
        .outerjoin(taken, taken.c.performance_id == programme.c.id)
        .order_by(programme.c.start, programme.c.id))


#: The programme statement by dialect: the ranking by window function (PostgreSQL, which would
#: not turn the seeks' correlated ``IN`` into index lookups), or by seeks (SQLite).
_PROGRAMME = _programme_statement(_programme_ranked)
_PROGRAMME_SQLITE = _programme_statement(_programme_seeks)


@answers(ProgrammeAnswer)
def getprogramme(request: Any, p: GetProgramme) -> E:
    """``<programme from until><show id name><performance id start available status/>…</show>…``:
    shows with a performance in [from, from + days) (venue calendar days), ordered by their
    next one, with at most ``limit`` performances each. One statement."""
    now = request.now
    start = p.from_ or now
    until = local_days_after(start, p.days, request.tz)
    conn = request.dbsession.connection()
    rows = conn.execute(_PROGRAMME_SQLITE if conn.dialect.name == "sqlite" else _PROGRAMME,
                        {"start": start, "until": until, "limit": p.limit, "now": now}).all()
    shows: dict[int, list[E]] = {}
    programme = []
    for perf_id, show_id, perf_start, showname, free in rows:
        perfs = shows.get(show_id)
        if perfs is None:
            show = E("show", {"id": show_id, "name": showname}, many=True)
            programme.append(show)
            perfs = shows[show_id] = show.children
        available = max(0, free)
        perfs.append(E("performance", {
            "id": perf_id, "start": perf_start, "available": available,
            "status": status(perf_start, now, available)}, many=True))
    return elist("programme", programme, {"from": start, "until": until})


class GetNowAndNext(Params):
    n: Int = Field(5, ge=1, le=50, description="How many performances.")


#: The next ``n`` performances starting at or after ``since``, by start.
_NOWANDNEXT = (
    sa.select(*_PERFORMANCE_ROW).join(Show, Show.id == Performance.show_id)
    .where(Performance.start >= sa.bindparam("since", type_=UTCDateTime()))
    .order_by(Performance.start, Performance.id).limit(sa.bindparam("n", type_=sa.Integer())))


@answers(NowAndNextAnswer)
def getnowandnext(request: Any, p: GetNowAndNext) -> E:
    """The next ``n`` performances whose start is at most 60 minutes ago, by start; their
    counts carry ``admitted``."""
    now = request.now
    rows = request.dbsession.execute(
        _NOWANDNEXT, {"since": now - LATE_SALES, "n": p.n}).all()
    counts = counts_for(request.dbsession, now, rows)
    count_admitted(request.dbsession, counts.values())
    return elist("nowandnext", [_performance_with_counts(r, r.showname, counts[r.id], now)
                                for r in rows])


class GetTicketCounts(Params):
    performance: IdList = Field(min_length=1, max_length=100, description="Performances (ids), "
                                "comma-separated.")


@answers(TicketCountsAnswer)
def getticketcounts(request: Any, p: GetTicketCounts) -> E:
    """``<ticketcounts><counts performance …/>…</ticketcounts>`` in the order asked (each id
    once); any unknown id is ``not_found`` naming ``performance``."""
    ids = list(dict.fromkeys(p.performance))
    rows = counts_rows(request.dbsession, request.now, ids)
    missing = [str(i) for i in ids if i not in rows]
    if missing:
        noun = "performance" if len(missing) == 1 else "performances"
        raise NotFound(f"no {noun} {', '.join(missing)}", param="performance")
    return elist("ticketcounts", [counts_element(*rows[i]) for i in ids])


class HoldBack(Params):
    performance: Id = Field(description="The performance (its id).")
    count: Int = Field(ge=0, description="The new number of seats held back (absolute).")


@answers(CountsAnswer)
def holdbacktickets(request: Any, p: HoldBack) -> E:
    """Set the number of seats held back (not for sale); ``conflict`` if more than
    ``capacity - sold - reserved``."""
    perf = get_performance(request, p.performance, lock=True)
    sums = sums_by_performance(request.dbsession, request.now, [perf.id])
    counts = counts_of(perf, sums.get(perf.id))
    if p.count > counts.holdable:
        show = request.dbsession.get(Show, perf.show_id)
        label = performance_label(show.name, perf.start, request.tz)
        raise Conflict(
            f"Only {counts.holdable} seats of {label} can be held back (capacity "
            f"{counts.capacity}, sold {counts.sold}, reserved {counts.reserved})",
            param="count", code="conflict")
    perf.heldback = p.count
    request.dbsession.flush()
    counts.heldback = p.count
    return counts.element()
