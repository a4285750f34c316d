"""The door: ``checkin``, ``uncheckin`` and ``getdoorlist`` (API.md §12).

``checkin`` reads the code's ticket in one statement (with the door's performance, so an unknown
performance is ``not_found`` at no extra cost) and, when the ticket may come in, admits it with
one conditional ``UPDATE … WHERE admitted IS NULL AND voided IS NULL`` whose row count says who
won: two doors scanning one code at the same instant admit it once (on PostgreSQL the second
``UPDATE`` waits for the first's row lock, then finds the row admitted and changes nothing; on
SQLite writers run one at a time). The loser reads the row again and answers "already admitted".

Door answers are answers, not faults: every scan of a well-formed request is ``status="ok"``
with ``<checkin result=…>``; errors are for requests that are wrong (a missing or over-long
code, an unknown performance, no terminal key).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from xts2_core import (
    Answer,
    BadParam,
    Basket,
    Conflict,
    Count,
    DateTimeText,
    E,
    Field,
    Forbidden,
    Id,
    NotFound,
    Params,
    Terminal,
    Text,
    answers,
    elist,
    locks_enabled,
)

from .codes import MAX_INPUT, normalise, well_formed
from .items import widen_race_window
from .labels import performance_label, when
from .models import Performance, Show, TicketCode, TicketType

#: The same terminal may undo its own admission for this long; after that, or from another
#: terminal, the admin password is needed.
UNDO_WINDOW = timedelta(minutes=10)

#: TEST ONLY: seconds to sleep between reading a code and admitting it, to widen the race window
#: of the concurrency tests. Never set it in production.
CHECKIN_DELAY_SETTING = "xts2.testing.tickets.checkin_delay"

#: How often ``checkin`` reads a ticket that may come in and tries to admit it: a second read
#: finds another door's admission; a third is needed only if that admission was undone meanwhile.
_ATTEMPTS = 3

RESULT = Literal["admitted", "alreadyadmitted", "wrongperformance", "givenback", "notpaid",
                 "unknown"]

# -- answers ---------------------------------------------------------------------------------


class CheckinOut(Answer):
    """``<checkin result code door message …/>``: the ticket's attributes are there whenever the
    code is a ticket's (every result but ``unknown``)."""

    result: RESULT
    code: str
    door: int
    message: str
    performance: int | None = None
    show: int | None = None
    showname: str | None = None
    start: DateTimeText | None = None
    tickettype: int | None = None
    tickettypename: str | None = None
    name: str | None = None
    basket: int | None = None
    admitted: DateTimeText | None = None
    terminal: int | None = None
    terminalname: str | None = None
    voided: DateTimeText | None = None


class CheckinAnswer(Answer):
    checkin: CheckinOut


class UncheckinOut(Answer):
    """``<uncheckin …/>``: the ticket, the admission undone (``admitted``, ``terminal``,
    ``terminalname``) and when it was undone."""

    code: str
    message: str
    performance: int
    show: int
    showname: str
    start: DateTimeText
    tickettype: int
    tickettypename: str
    name: str | None = None
    basket: int
    admitted: DateTimeText
    terminal: int | None = None
    terminalname: str | None = None
    undone: DateTimeText


class UncheckinAnswer(Answer):
    uncheckin: UncheckinOut


class DoorTicketOut(Answer):
    ending: str = Field(description="The code's last 4 characters (never the whole code).")
    name: str | None = None
    basket: int
    tickettype: int
    tickettypename: str
    admitted: DateTimeText | None = None
    terminal: int | None = None
    terminalname: str | None = None


class DoorListOut(Answer):
    performance: int
    show: int
    showname: str
    start: DateTimeText
    sold: Count
    admitted: Count
    tocome: Count
    tickets: list[DoorTicketOut]


class DoorListAnswer(Answer):
    doorlist: DoorListOut


# -- statements ------------------------------------------------------------------------------

_T = TicketCode.__table__
_AdmittedBy = aliased(Terminal, name="admitted_by")
#: A code's ticket: its state, its show and ticket type, its booking's name and state, and the
#: terminal that admitted it; parameter ``code``.
_TICKET = (
    sa.select(TicketCode.id, TicketCode.code, TicketCode.performance_id, TicketCode.basket_id,
              TicketCode.tickettype_id, TicketCode.voided, TicketCode.voided_why,
              TicketCode.admitted, TicketCode.admitted_terminal, Performance.show_id,
              Performance.start, Show.name.label("showname"),
              TicketType.name.label("tickettypename"), Basket.name.label("name"),
              Basket.state.label("state"), _AdmittedBy.name.label("terminalname"))
    .join(Performance, Performance.id == TicketCode.performance_id)
    .join(Show, Show.id == Performance.show_id)
    .join(TicketType, TicketType.id == TicketCode.tickettype_id)
    .outerjoin(Basket, Basket.id == TicketCode.basket_id)
    .outerjoin(_AdmittedBy, _AdmittedBy.id == TicketCode.admitted_terminal)
    .where(TicketCode.code == sa.bindparam("code")))
_ticket = _TICKET.subquery("ticket")
_Door = aliased(Performance, name="door")
#: The door's performance (its id: ``door``), with the code's ticket if there is one (``id`` is
#: ``NULL`` otherwise); parameters ``performance``, ``code``. No row: no such performance.
_AT_DOOR = (sa.select(_Door.id.label("door"), *_ticket.c).select_from(_Door)
            .outerjoin(_ticket, sa.true()).where(_Door.id == sa.bindparam("performance")))

_CLOSED_BASKETS = sa.select(Basket.id).where(Basket.state == "closed")
#: First one wins: admits the code only if nobody did (and it is valid, and its basket closed)
#: since it was read; the row count says whether this request did. Parameters ``id_``, ``now``,
#: ``terminal``.
_ADMIT = (_T.update()
          .where(_T.c.id == sa.bindparam("id_"), _T.c.admitted.is_(None), _T.c.voided.is_(None),
                 _T.c.basket_id.in_(_CLOSED_BASKETS))
          .values(admitted=sa.bindparam("now"), admitted_terminal=sa.bindparam("terminal")))
#: TEST ONLY (``xts2.testing.skip_locks``): the same without "nobody did", the negative control
#: of the concurrency test.
_ADMIT_UNGUARDED = (_T.update()
                    .where(_T.c.id == sa.bindparam("id_"), _T.c.voided.is_(None))
                    .values(admitted=sa.bindparam("now"),
                            admitted_terminal=sa.bindparam("terminal")))
#: Undoes the admission read (``was``) if it is still the code's; parameters ``id_``, ``was``,
#: ``now``, ``terminal``.
_UNDO = (_T.update()
         .where(_T.c.id == sa.bindparam("id_"), _T.c.admitted == sa.bindparam("was"))
         .values(admitted=None, admitted_terminal=None, undone=sa.bindparam("now"),
                 undone_terminal=sa.bindparam("terminal")))

_DoorTerminal = aliased(Terminal, name="door_terminal")
#: The valid tickets of a performance (codes not voided, in closed baskets); ``performance``.
_DOORLIST = (
    sa.select(TicketCode.id, TicketCode.code, TicketCode.basket_id, TicketCode.tickettype_id,
              TicketType.name.label("tickettypename"), Basket.name, Basket.name_folded,
              TicketCode.admitted, TicketCode.admitted_terminal,
              _DoorTerminal.name.label("terminalname"))
    .join(Basket, Basket.id == TicketCode.basket_id)
    .join(TicketType, TicketType.id == TicketCode.tickettype_id)
    .outerjoin(_DoorTerminal, _DoorTerminal.id == TicketCode.admitted_terminal)
    .where(TicketCode.performance_id == sa.bindparam("performance"),
           TicketCode.voided.is_(None), Basket.state == "closed"))
_PERFORMANCE = (sa.select(Performance.id, Performance.show_id, Performance.start,
                          Show.name.label("showname"))
                .join(Show, Show.id == Performance.show_id)
                .where(Performance.id == sa.bindparam("performance")))


# -- checkin ---------------------------------------------------------------------------------

CODE_TEXT = ("The ticket's code as scanned or typed: lower case is accepted, spaces and dashes "
             "are dropped.")
_NOT_TEXT = "\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\ufffe\\uffff"
#: What a ``code`` may be, for the OpenAPI document: text (no control characters but tab and
#: newline) with something besides spaces, tabs, newlines and dashes, which are dropped.
CODE_PATTERN = f"^[^{_NOT_TEXT}]*[^{_NOT_TEXT} \\t\\n-][^{_NOT_TEXT}]*$"
CODE = Field(min_length=1, max_length=MAX_INPUT, description=CODE_TEXT,
             json_schema_extra={"pattern": CODE_PATTERN})


class CheckinParams(Params):
    code: Text = CODE
    performance: Id = Field(description="The performance this door admits to (its id).")


def _code(raw: str) -> str:
    code = normalise(raw)
    if not code:
        raise BadParam("code", "parameter 'code' must not be empty")
    return code


def _ticket_attrs(row: Any) -> dict[str, Any]:
    return {"performance": row.performance_id, "show": row.show_id, "showname": row.showname,
            "start": row.start, "tickettype": row.tickettype_id,
            "tickettypename": row.tickettypename, "name": row.name, "basket": row.basket_id}


def _verdict(request: Any, row: Any, door: int) -> tuple[str, str]:
    """What the door is told about a ticket (``row``) before trying to admit it: the result and
    the message for the person at the door (``admitted`` means "may come in")."""
    tz = request.tz
    if row.voided is not None or row.state is None:
        why = "refunded" if row.voided_why == "refund" else "taken out of its booking"
        return "givenback", f"Given back: this ticket was {why}"
    if row.state != "closed":
        return "notpaid", (f"Not paid: this ticket is in basket {row.basket_id}, which is open "
                           "(a reservation); send them to the box office")
    if row.performance_id != door:
        return "wrongperformance", ("Wrong performance: this ticket is for "
                                    f"{performance_label(row.showname, row.start, tz)}")
    if row.admitted is not None:
        where = f" at {row.terminalname}" if row.terminalname else ""
        return "alreadyadmitted", f"Already admitted {when(row.admitted, tz)}{where}"
    return "admitted", f"Admitted: {row.tickettypename}" + (f", {row.name}" if row.name else "")


@answers(CheckinAnswer)
def checkin(request: Any, p: CheckinParams) -> E:
    """``<checkin result code door message …/>``: admit the ticket whose code the door scanned,
    or say why not (``alreadyadmitted``, ``wrongperformance``, ``givenback``, ``notpaid``,
    ``unknown``)."""
    code = _code(p.code)
    conn = request.dbsession.connection()
    params = {"performance": p.performance, "code": code if well_formed(code) else ""}
    row = conn.execute(_AT_DOOR, params).first()
    if row is None:
        raise NotFound(f"no performance {p.performance}", param="performance")
    attrs: dict[str, Any] = {"result": "unknown", "code": code, "door": p.performance}
    if row.id is None:
        attrs["message"] = ("Unknown: no ticket has this code" if well_formed(code)
                            else "Unknown: this is not a ticket code")
        return E("checkin", attrs)
    here = request.terminal
    admit = _ADMIT if locks_enabled(request) else _ADMIT_UNGUARDED
    for _ in range(_ATTEMPTS):
        result, message = _verdict(request, row, p.performance)
        admitted, terminal, terminalname = row.admitted, row.admitted_terminal, row.terminalname
        if result != "admitted":
            break
        widen_race_window(request, CHECKIN_DELAY_SETTING)  # TEST ONLY: does nothing unset
        if conn.execute(admit, {"id_": row.id, "now": request.now,
                                "terminal": here.id}).rowcount == 1:
            admitted, terminal, terminalname = request.now, here.id, here.name
            break
        # Another door admitted it (or it changed) since it was read: look again, as it is now.
        row = conn.execute(_AT_DOOR, params).first()
    else:
        raise Conflict("the ticket changed while it was being scanned; scan it again",
                       param="code", code="conflict")
    attrs.update(result=result, message=message, **_ticket_attrs(row), admitted=admitted,
                 terminal=terminal, terminalname=terminalname, voided=row.voided)
    return E("checkin", attrs)


# -- uncheckin -------------------------------------------------------------------------------

class UncheckinParams(Params):
    code: Text = CODE


@answers(UncheckinAnswer)
def uncheckin(request: Any, p: UncheckinParams) -> E:
    """Undo a mistaken admission: the terminal that admitted the ticket may, within
    :data:`UNDO_WINDOW`; any terminal may with the admin password, at any time."""
    code = _code(p.code)
    conn = request.dbsession.connection()
    row = conn.execute(_TICKET, {"code": code}).first() if well_formed(code) else None
    if row is None:
        raise NotFound("no ticket has this code", param="code")
    if row.admitted is None:
        raise Conflict("this ticket is not admitted; there is nothing to undo", param="code",
                       code="conflict")
    here = request.terminal
    minutes = int(UNDO_WINDOW.total_seconds() // 60)
    if not request.is_admin:
        if row.admitted_terminal != here.id:
            raise Forbidden(f"this ticket was admitted at {row.terminalname or 'another terminal'}"
                            "; only that terminal (within "
                            f"{minutes} minutes) or the admin password can undo it")
        if request.now - row.admitted > UNDO_WINDOW:
            raise Forbidden(f"this ticket was admitted more than {minutes} minutes ago; undoing "
                            "it now needs the admin password")
    done = conn.execute(_UNDO, {"id_": row.id, "was": row.admitted, "now": request.now,
                                "terminal": here.id}).rowcount
    if done != 1:
        raise Conflict("this ticket's admission changed meanwhile; look again", param="code",
                       code="conflict")
    where = f" at {row.terminalname}" if row.terminalname else ""
    return E("uncheckin", {
        "code": row.code,
        "message": f"Admission undone (it was admitted {when(row.admitted, request.tz)}{where})",
        **_ticket_attrs(row), "admitted": row.admitted, "terminal": row.admitted_terminal,
        "terminalname": row.terminalname, "undone": request.now})


# -- the door list ---------------------------------------------------------------------------

class DoorListParams(Params):
    performance: Id = Field(description="The performance (its id).")


def _by_name(row: Any) -> tuple[Any, ...]:
    """Named bookings by name (case-insensitive), then unnamed ones; within a booking in the
    order its codes were issued."""
    return (row.name_folded is None, row.name_folded or "", row.basket_id, row.id)


@answers(DoorListAnswer)
def getdoorlist(request: Any, p: DoorListParams) -> E:
    """``<doorlist performance show showname start sold admitted tocome><tickets><ticket ending
    name basket tickettype tickettypename admitted terminal terminalname/>…</tickets>``: the
    valid tickets of a performance by booking name, with the last characters of their codes."""
    db = request.dbsession.connection()
    perf = db.execute(_PERFORMANCE, {"performance": p.performance}).first()
    if perf is None:
        raise NotFound(f"no performance {p.performance}", param="performance")
    rows = sorted(db.execute(_DOORLIST, {"performance": perf.id}).all(), key=_by_name)
    admitted = sum(1 for r in rows if r.admitted is not None)
    tickets = [E("ticket", {"ending": r.code[-4:], "name": r.name, "basket": r.basket_id,
                            "tickettype": r.tickettype_id, "tickettypename": r.tickettypename,
                            "admitted": r.admitted, "terminal": r.admitted_terminal,
                            "terminalname": r.terminalname}) for r in rows]
    return E("doorlist", {"performance": perf.id, "show": perf.show_id,
                          "showname": perf.showname, "start": perf.start, "sold": len(rows),
                          "admitted": admitted, "tocome": len(rows) - admitted},
             [elist("tickets", tickets)])
