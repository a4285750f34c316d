"""``tickets/checkin`` and ``tickets/uncheckin`` (API.md §12): every door answer, the forgiving
code input, bad input, retries with the same ``opid``, the rules for undoing an admission, and
the ``admitted`` count."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from xts2_tickets.codes import grouped

DOOR_KEY = "door-two-terminal-key-01"


@pytest.fixture
def hamlet(venue):
    """Tue 1 Dec 19:30, 10 seats."""
    return venue.ids["Hamlet@2026-12-01T19:30"]


def _sold(venue, performance, quantity=1, tickettype="Hamlet/Adult", name=None):
    """A closed sale; returns (basket, item, its codes)."""
    b = venue.basket()
    item = venue.add(b, performance, venue.ids[tickettype], quantity)["item"]["id"]
    if name:
        venue.call("baskets/savebasket", {"basket": b, "name": name})
    closed = venue.settle(b)["basket"]
    codes = next(i["ticket"]["code"] for i in closed["item"] if i["id"] == item)
    return b, item, codes


def checkin(venue, code, performance, **kw):
    return venue.call("tickets/checkin", {"code": code, "performance": performance}, **kw)


def _admitted_row(venue, code):
    with venue.session() as s:
        return s.execute(sa.text("SELECT admitted, admitted_terminal FROM tickets_code "
                                 "WHERE code = :c"), {"c": code}).one()


# -- the answers -----------------------------------------------------------------------------

def test_admitted_then_already_admitted(venue, hamlet):
    b, _, (code,) = _sold(venue, hamlet, name="Smith")
    body = checkin(venue, code, hamlet)
    assert body["status"] == "ok"
    terminal = venue.call("xts/getterminal")["terminal"]
    assert body["checkin"] == {
        "result": "admitted", "code": code, "door": hamlet,
        "message": "Admitted: Adult, Smith",
        "performance": hamlet, "show": venue.ids["Hamlet"], "showname": "Hamlet",
        "start": "2026-12-01T19:30:00+00:00", "tickettype": venue.ids["Hamlet/Adult"],
        "tickettypename": "Adult", "name": "Smith", "basket": b,
        "admitted": "2026-11-30T12:00:00+00:00", "terminal": terminal["id"],
        "terminalname": "Test terminal"}
    admitted, at = _admitted_row(venue, code)
    assert at == terminal["id"] and admitted is not None
    # a second scan, later, at another door
    venue.add_terminal("Door 2", DOOR_KEY)
    venue.clock.advance(minutes=5)
    again = checkin(venue, code, hamlet, key=DOOR_KEY)["checkin"]
    assert again["result"] == "alreadyadmitted"
    assert again["admitted"] == "2026-11-30T12:00:00+00:00"
    assert (again["terminal"], again["terminalname"]) == (terminal["id"], "Test terminal")
    assert again["message"] == "Already admitted Mon 30 Nov 12:00 at Test terminal"
    assert again["name"] == "Smith" and again["showname"] == "Hamlet"


def test_wrong_performance_says_which_one_the_ticket_is_for(venue, hamlet):
    other = venue.ids["Hamlet@2026-12-02T19:30"]
    _, _, (code,) = _sold(venue, other)
    body = checkin(venue, code, hamlet)["checkin"]
    assert body["result"] == "wrongperformance"
    assert (body["door"], body["performance"]) == (hamlet, other)
    assert body["start"] == "2026-12-02T19:30:00+00:00"
    assert body["message"] == "Wrong performance: this ticket is for Hamlet, Wed 2 Dec 19:30"
    assert "admitted" not in body
    assert _admitted_row(venue, code).admitted is None      # not admitted anywhere
    assert checkin(venue, code, other)["checkin"]["result"] == "admitted"
    # admitted to its own performance, it is still the wrong one here
    assert checkin(venue, code, hamlet)["checkin"]["result"] == "wrongperformance"


def test_given_back_a_refunded_ticket(venue, hamlet):
    b, item, codes = _sold(venue, hamlet, 2)
    r = venue.basket()
    venue.call("baskets/additem", {"basket": r, "type": "ticket", "item.refundof": item})
    venue.settle(r)
    answers = [checkin(venue, c, hamlet)["checkin"] for c in codes]
    assert sorted(a["result"] for a in answers) == ["admitted", "givenback"]
    gone = next(a for a in answers if a["result"] == "givenback")
    assert gone["message"] == "Given back: this ticket was refunded"
    assert gone["voided"] == "2026-11-30T12:00:00+00:00" and gone["basket"] == b
    assert "admitted" not in gone


def test_not_paid_a_ticket_of_a_reopened_basket(venue, hamlet):
    b, _, (code,) = _sold(venue, hamlet)
    venue.call("baskets/openbasket", {"basket": b}, admin=True)
    body = checkin(venue, code, hamlet)["checkin"]
    assert body["result"] == "notpaid" and body["basket"] == b
    assert body["message"].startswith(f"Not paid: this ticket is in basket {b}, which is open")
    assert _admitted_row(venue, code).admitted is None
    venue.settle(b)
    assert checkin(venue, code, hamlet)["checkin"]["result"] == "admitted"


@pytest.mark.parametrize("code", ["BCDEFGHJKNPRSTUVXBCD", "hello", "A" * 20, "12345",
                                  "BCDEFGHJKNPRSTUVXBC", "ÀÉÎ", "x" * 64])
def test_unknown_and_malformed_codes_are_an_answer_not_an_error(venue, hamlet, code):
    body = checkin(venue, code, hamlet)
    assert body["status"] == "ok"
    assert body["checkin"]["result"] == "unknown"
    assert body["checkin"]["door"] == hamlet
    assert set(body["checkin"]) == {"result", "code", "door", "message"}
    assert body["checkin"]["message"].startswith("Unknown: ")


def test_codes_are_accepted_in_lower_case_grouped_and_with_spaces(venue, hamlet):
    _, _, codes = _sold(venue, hamlet, 3)
    for typed in (codes[0].lower(), grouped(codes[1]), " " + grouped(codes[2]).lower()
                  .replace("-", " ") + "\n"):
        body = checkin(venue, typed, hamlet)["checkin"]
        assert body["result"] == "admitted"
        assert body["code"] in codes
    assert all(_admitted_row(venue, c).admitted is not None for c in codes)


def test_the_answer_in_xml(venue, hamlet):
    _, _, (code,) = _sold(venue, hamlet, name="Jones")
    root = venue.xml("tickets/checkin", {"code": code, "performance": hamlet})
    assert root.get("status") == "ok"
    el = root.find("checkin")
    assert el.get("result") == "admitted" and el.get("name") == "Jones"
    assert el.get("code") == code and el.get("tickettypename") == "Adult"
    assert el.get("admitted") == "2026-11-30T12:00:00+00:00" and len(el) == 0


# -- losing the race, in-process -------------------------------------------------------------

def _meddle(venue, code, before_admit, before_reread):
    """Play "another door" on the request's own connection: just before checkin's admitting
    UPDATE, and just before it reads the ticket again, run the SQL that ``before_admit`` and
    ``before_reread`` give (a function of the call's number, or ``None``)."""
    calls = {"admit": 0, "reread": 0}

    def meddle(conn, cursor, statement, *args):
        kind = ("admit" if statement.lstrip().startswith("UPDATE tickets_code SET admitted")
                else "reread" if "tickets_performance AS door" in statement else None)
        if kind is None:
            return
        calls[kind] += 1
        if kind == "reread" and calls["admit"] == 0:
            return                                    # the first read, not a read again
        sql = (before_admit if kind == "admit" else before_reread)(calls[kind])
        if sql:
            other = cursor.connection.cursor()
            other.execute(sql.replace(":code", f"'{code}'"))
            other.close()

    sa.event.listen(venue.registry["dbengine"], "before_cursor_execute", meddle)
    return lambda: sa.event.remove(venue.registry["dbengine"], "before_cursor_execute", meddle)


def test_a_door_that_loses_the_race_says_already_admitted(venue, hamlet):
    venue.add_terminal("Door 2", DOOR_KEY)
    door2 = venue.call("xts/getterminal", key=DOOR_KEY)["terminal"]["id"]
    _, _, (code,) = _sold(venue, hamlet)
    admit = (f"UPDATE tickets_code SET admitted = '2026-11-30 11:59:30', "
             f"admitted_terminal = {door2} WHERE code = :code")
    stop = _meddle(venue, code, lambda n: admit, lambda n: None)
    try:
        body = checkin(venue, code, hamlet)["checkin"]
    finally:
        stop()
    assert body["result"] == "alreadyadmitted"
    assert (body["terminal"], body["terminalname"]) == (door2, "Door 2")
    assert body["admitted"] == "2026-11-30T11:59:30+00:00"
    assert _admitted_row(venue, code).admitted_terminal == door2


def test_a_door_admits_after_all_if_the_winner_was_undone_meanwhile(venue, hamlet):
    _, _, (code,) = _sold(venue, hamlet)
    admit = "UPDATE tickets_code SET admitted = '2026-11-30 11:59:30' WHERE code = :code"
    undo = "UPDATE tickets_code SET admitted = NULL WHERE code = :code"
    stop = _meddle(venue, code, lambda n: admit if n == 1 else None, lambda n: undo)
    try:
        body = checkin(venue, code, hamlet)["checkin"]
    finally:
        stop()
    assert body["result"] == "admitted" and body["admitted"] == "2026-11-30T12:00:00+00:00"
    assert _admitted_row(venue, code).admitted is not None


def test_a_ticket_that_keeps_changing_is_a_conflict_and_admits_nothing(venue, hamlet):
    _, _, (code,) = _sold(venue, hamlet)
    admit = "UPDATE tickets_code SET admitted = '2026-11-30 11:59:30' WHERE code = :code"
    undo = "UPDATE tickets_code SET admitted = NULL WHERE code = :code"
    stop = _meddle(venue, code, lambda n: admit, lambda n: undo)
    try:
        body = venue.call("tickets/checkin", {"code": code, "performance": hamlet}, status=409)
    finally:
        stop()
    assert (body["error"]["code"], body["error"]["param"]) == ("conflict", "code")
    assert _admitted_row(venue, code) == (None, None)


# -- bad requests ----------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "param"), [
    ({"performance": "1"}, "code"),
    ({"code": "", "performance": "1"}, "code"),
    ({"code": " - ", "performance": "1"}, "code"),
    ({"code": "B" * 65, "performance": "1"}, "code"),
    ({"code": "BCD\x01", "performance": "1"}, "code"),
    ({"code": "BCDE"}, "performance"),
    ({"code": "BCDE", "performance": "first"}, "performance"),
    ({"code": ["BCDE", "BCDF"], "performance": "1"}, "code"),
])
def test_bad_input_is_bad_param_naming_the_parameter(venue, params, param):
    body = venue.call("tickets/checkin", params, status=400)
    assert (body["error"]["code"], body["error"]["param"]) == ("bad_param", param)


def test_an_unknown_performance_is_not_found(venue, hamlet):
    _, _, (code,) = _sold(venue, hamlet)
    body = venue.call("tickets/checkin", {"code": code, "performance": 999}, status=404)
    assert (body["error"]["code"], body["error"]["param"]) == ("not_found", "performance")
    assert _admitted_row(venue, code).admitted is None


def test_the_door_needs_a_terminal_key(venue, hamlet):
    _, _, (code,) = _sold(venue, hamlet)
    body = venue.call("tickets/checkin", {"code": code, "performance": hamlet}, key=False,
                      status=401)
    assert body["error"]["code"] == "unauthorized"
    for command in ("uncheckin", "getdoorlist"):
        venue.call(f"tickets/{command}", {"code": code, "performance": hamlet}, key=False,
                   status=401)
    assert _admitted_row(venue, code).admitted is None


def test_a_cross_site_browser_request_may_not_check_in(venue, hamlet):
    _, _, (code,) = _sold(venue, hamlet)
    venue.call("tickets/checkin", {"code": code, "performance": hamlet}, status=403,
               headers={"Sec-Fetch-Site": "cross-site"})
    assert _admitted_row(venue, code).admitted is None


# -- retries ---------------------------------------------------------------------------------

def test_a_retry_with_the_same_opid_gets_the_first_answer(venue, hamlet):
    _, _, (code,) = _sold(venue, hamlet)
    params = {"code": code, "performance": hamlet, "opid": "door1-scan-0001",
              "terminalkey": venue.terminal_key, "format": "json"}
    first = venue.get("/v2/tickets/checkin", params)
    assert first.json["checkin"]["result"] == "admitted"
    venue.clock.advance(seconds=30)
    again = venue.get("/v2/tickets/checkin", params)
    assert again.headers["X-XTS2-Replayed"] == "true"
    assert again.body == first.body                       # "admitted", not "already admitted"
    # a new scan (a new opid) of the same ticket is told the truth
    fresh = venue.get("/v2/tickets/checkin", {**params, "opid": "door1-scan-0002"})
    assert "X-XTS2-Replayed" not in fresh.headers
    assert fresh.json["checkin"]["result"] == "alreadyadmitted"
    # the same opid for another code is a conflict, not a replay
    _, _, (other,) = _sold(venue, hamlet)
    clash = venue.get("/v2/tickets/checkin", {**params, "code": other}, status=409)
    assert clash.json["error"]["param"] == "opid"
    assert _admitted_row(venue, other).admitted is None


# -- undoing an admission --------------------------------------------------------------------

def uncheckin(venue, code, **kw):
    return venue.call("tickets/uncheckin", {"code": code}, **kw)


def test_the_terminal_that_admitted_may_undo_within_ten_minutes(venue, hamlet):
    b, _, (code,) = _sold(venue, hamlet, name="Smith")
    checkin(venue, code, hamlet)
    venue.clock.advance(minutes=10)
    body = uncheckin(venue, code.lower())["uncheckin"]
    assert body["code"] == code and body["basket"] == b and body["name"] == "Smith"
    assert body["admitted"] == "2026-11-30T12:00:00+00:00"
    assert body["undone"] == "2026-11-30T12:10:00+00:00"
    assert body["terminalname"] == "Test terminal"
    assert body["message"] == ("Admission undone (it was admitted Mon 30 Nov 12:00 at Test "
                               "terminal)")
    assert _admitted_row(venue, code) == (None, None)
    with venue.session() as s:
        undone = s.execute(sa.text("SELECT undone, undone_terminal FROM tickets_code")).one()
    assert undone.undone is not None and undone.undone_terminal is not None
    # admitted again: a new admission, at the new time
    venue.clock.advance(minutes=1)
    again = checkin(venue, code, hamlet)["checkin"]
    assert again["result"] == "admitted" and again["admitted"] == "2026-11-30T12:11:00+00:00"


def test_later_than_ten_minutes_needs_the_admin_password(venue, hamlet):
    _, _, (code,) = _sold(venue, hamlet)
    checkin(venue, code, hamlet)
    venue.clock.advance(minutes=10, seconds=1)
    body = uncheckin(venue, code, status=403)
    assert body["error"]["code"] == "forbidden"
    assert "more than 10 minutes ago" in body["error"]["message"]
    assert _admitted_row(venue, code).admitted is not None
    uncheckin(venue, code, admin=True)
    assert _admitted_row(venue, code).admitted is None


def test_another_terminal_needs_the_admin_password(venue, hamlet):
    venue.add_terminal("Door 2", DOOR_KEY)
    _, _, (code,) = _sold(venue, hamlet)
    checkin(venue, code, hamlet)
    body = uncheckin(venue, code, key=DOOR_KEY, status=403)
    assert "admitted at Test terminal" in body["error"]["message"]
    assert _admitted_row(venue, code).admitted is not None
    body = venue.call("tickets/uncheckin", {"code": code, "password": "wrong"}, key=DOOR_KEY,
                      status=401)
    assert body["error"]["code"] == "unauthorized"
    uncheckin(venue, code, key=DOOR_KEY, admin=True)
    assert _admitted_row(venue, code).admitted is None


def test_nothing_to_undo(venue, hamlet):
    _, _, (code,) = _sold(venue, hamlet)
    body = uncheckin(venue, code, status=409)
    assert (body["error"]["code"], body["error"]["param"]) == ("conflict", "code")
    for unknown in ("BCDEFGHJKNPRSTUVXBCD", "not a code"):
        body = uncheckin(venue, unknown, status=404)
        assert (body["error"]["code"], body["error"]["param"]) == ("not_found", "code")
    body = venue.call("tickets/uncheckin", {}, status=400)
    assert body["error"]["param"] == "code"


def test_uncheckin_replays_with_the_same_opid(venue, hamlet):
    _, _, (code,) = _sold(venue, hamlet)
    checkin(venue, code, hamlet)
    params = {"code": code, "opid": "undo-1", "terminalkey": venue.terminal_key,
              "format": "json"}
    first = venue.get("/v2/tickets/uncheckin", params)
    again = venue.get("/v2/tickets/uncheckin", params)
    assert again.body == first.body and again.headers["X-XTS2-Replayed"] == "true"
    assert venue.get("/v2/tickets/uncheckin", {**params, "opid": "undo-2"},
                     status=409).json["error"]["code"] == "conflict"


# -- the admitted count ----------------------------------------------------------------------

def test_getperformance_and_getnowandnext_count_admitted(venue, hamlet):
    _, item, codes = _sold(venue, hamlet, 3)
    _, _, (other,) = _sold(venue, venue.ids["Hamlet@2026-12-02T19:30"])

    def admitted():
        p = venue.call("tickets/getperformance", {"performance": hamlet}, key=False)
        now = venue.call("tickets/getnowandnext", {"n": 10}, key=False)["nowandnext"]
        mine = next(x for x in now if x["id"] == hamlet)
        assert mine["counts"]["admitted"] == p["performance"]["counts"]["admitted"]
        return p["performance"]["counts"]["admitted"]

    assert admitted() == 0
    checkin(venue, codes[0], hamlet)
    checkin(venue, codes[1], hamlet)
    checkin(venue, other, venue.ids["Hamlet@2026-12-02T19:30"])
    checkin(venue, codes[2], venue.ids["Hamlet@2026-12-02T19:30"])   # wrong door: not counted
    assert admitted() == 2
    uncheckin(venue, codes[1])
    assert admitted() == 1
    # getticketcounts stays as it was: no admitted there
    counts = venue.call("tickets/getticketcounts", {"performance": hamlet})["ticketcounts"][0]
    assert "admitted" not in counts
    root = venue.xml("tickets/getperformance", {"performance": hamlet})
    assert root.find("performance/counts").get("admitted") == "1"


def test_undo_window_is_measured_from_the_admission(venue, hamlet):
    """Just inside and just outside the window, for the terminal that admitted."""
    _, _, codes = _sold(venue, hamlet, 2)
    checkin(venue, codes[0], hamlet)
    venue.clock.advance(minutes=9, seconds=59)
    checkin(venue, codes[1], hamlet)
    uncheckin(venue, codes[0])
    venue.clock.advance(minutes=10, seconds=1)
    uncheckin(venue, codes[1], status=403)
