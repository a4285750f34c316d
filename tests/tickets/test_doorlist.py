"""``tickets/getdoorlist`` (API.md §12): a performance's valid tickets by booking name, with code
endings (never whole codes), who was admitted when and where, and the counts sold, admitted and
to come."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def hamlet(venue):
    """Tue 1 Dec 19:30, 10 seats."""
    return venue.ids["Hamlet@2026-12-01T19:30"]


def _booking(venue, performance, quantity, name=None, tickettype="Hamlet/Adult"):
    b = venue.basket()
    item = venue.add(b, performance, venue.ids[tickettype], quantity)["item"]["id"]
    if name:
        venue.call("baskets/savebasket", {"basket": b, "name": name})
    closed = venue.settle(b)["basket"]
    return b, item, next(i["ticket"]["code"] for i in closed["item"] if i["id"] == item)


def doorlist(venue, performance, **kw):
    return venue.call("tickets/getdoorlist", {"performance": performance}, **kw)["doorlist"]


def test_empty(venue, hamlet):
    body = doorlist(venue, hamlet)
    assert body == {"performance": hamlet, "show": venue.ids["Hamlet"], "showname": "Hamlet",
                    "start": "2026-12-01T19:30:00+00:00", "sold": 0, "admitted": 0,
                    "tocome": 0, "tickets": []}


def test_tickets_by_name_with_endings_and_admissions(venue, hamlet):
    venue.add_terminal("Door 2", "door-two-terminal-key-01")
    smith, _, smith_codes = _booking(venue, hamlet, 2, "smith")
    adams, _, adams_codes = _booking(venue, hamlet, 1, "Adams", "Hamlet/Concession")
    walkup, _, walkup_codes = _booking(venue, hamlet, 1)              # no name
    zoe, _, zoe_codes = _booking(venue, hamlet, 1, "Zoë")
    _booking(venue, venue.ids["Hamlet@2026-12-02T19:30"], 3, "Elsewhere")
    venue.clock.advance(minutes=3)
    venue.call("tickets/checkin", {"code": smith_codes[1], "performance": hamlet},
               key="door-two-terminal-key-01")
    body = doorlist(venue, hamlet)
    assert (body["sold"], body["admitted"], body["tocome"]) == (5, 1, 4)
    rows = body["tickets"]
    assert [(t.get("name"), t["basket"]) for t in rows] == [
        ("Adams", adams), ("smith", smith), ("smith", smith), ("Zoë", zoe), (None, walkup)]
    assert [t["ending"] for t in rows] == [c[-4:] for c in
                                           adams_codes + smith_codes + zoe_codes + walkup_codes]
    door2 = venue.call("xts/getterminal", key="door-two-terminal-key-01")["terminal"]["id"]
    admitted = rows[2]
    assert admitted["admitted"] == "2026-11-30T12:03:00+00:00"
    assert (admitted["terminal"], admitted["terminalname"]) == (door2, "Door 2")
    assert all("admitted" not in t and "terminal" not in t for t in rows if t is not admitted)
    assert rows[0] == {"ending": adams_codes[0][-4:], "name": "Adams", "basket": adams,
                       "tickettype": venue.ids["Hamlet/Concession"],
                       "tickettypename": "Concession"}


def test_never_a_whole_code(venue, hamlet):
    _, _, codes = _booking(venue, hamlet, 3, "Smith")
    for fmt in ("json", "xml"):
        resp = venue.call("tickets/getdoorlist", {"performance": hamlet}, fmt=fmt)
        text = resp.text if fmt == "xml" else json.dumps(resp)
        assert not any(c in text for c in codes)
        assert not any(c[:8] in text for c in codes)
        assert all(c[-4:] in text for c in codes)


def test_only_valid_tickets_are_listed(venue, hamlet):
    _, item, codes = _booking(venue, hamlet, 2, "Refunder")
    r = venue.basket()
    venue.call("baskets/additem", {"basket": r, "type": "ticket", "item.refundof": item})
    venue.settle(r)                                                   # one given back
    reopened, _, _ = _booking(venue, hamlet, 1, "Reopened")
    venue.call("baskets/openbasket", {"basket": reopened}, admin=True)  # not paid now
    venue.add(venue.basket(), hamlet, venue.ids["Hamlet/Adult"], 2)  # reserved: no codes yet
    body = doorlist(venue, hamlet)
    assert [t["name"] for t in body["tickets"]] == ["Refunder"]
    assert body["tickets"][0]["ending"] in [c[-4:] for c in codes]
    assert (body["sold"], body["admitted"], body["tocome"]) == (1, 0, 1)


def test_the_xml_form(venue, hamlet):
    _booking(venue, hamlet, 2, "Smith")
    root = venue.xml("tickets/getdoorlist", {"performance": hamlet})
    el = root.find("doorlist")
    assert (el.get("sold"), el.get("admitted"), el.get("tocome")) == ("2", "0", "2")
    tickets = el.findall("tickets/ticket")
    assert [t.get("name") for t in tickets] == ["Smith", "Smith"]
    assert all(len(t.get("ending")) == 4 for t in tickets)


def test_counts_agree_with_getperformance(venue, hamlet):
    _, _, codes = _booking(venue, hamlet, 3, "Smith")
    for code in codes[:2]:
        venue.call("tickets/checkin", {"code": code, "performance": hamlet})
    body = doorlist(venue, hamlet)
    counts = venue.call("tickets/getperformance", {"performance": hamlet})["performance"]["counts"]
    assert (body["sold"], body["admitted"]) == (counts["sold"], counts["admitted"]) == (3, 2)


def test_bad_and_unknown_performance(venue):
    body = venue.call("tickets/getdoorlist", {}, status=400)
    assert (body["error"]["code"], body["error"]["param"]) == ("bad_param", "performance")
    body = venue.call("tickets/getdoorlist", {"performance": 999}, status=404)
    assert (body["error"]["code"], body["error"]["param"]) == ("not_found", "performance")


def test_one_statement_for_the_list_whatever_its_length(venue):
    venue.load({"shows": [{"name": "Big", "tickettypes": [{"name": "Comp", "price": "0"}],
                           "performances": [{"start": "2026-12-05T19:30", "capacity": 500}]}]})
    show = next(s["id"] for s in venue.call("tickets/getshows")["shows"] if s["name"] == "Big")
    perf = venue.call("tickets/getperformances", {"show": show})["performances"][0]["id"]
    tt = venue.call("tickets/gettickettypes", {"show": show})["tickettypes"][0]["id"]
    costs = []
    for n in (1, 40):
        b = venue.basket()
        venue.call("baskets/savebasket", {"basket": b, "name": f"Party of {n}"})
        venue.call("baskets/additem", {"basket": b, "type": "ticket", "item.performance": perf,
                                       "item.tickettype": tt, "item.quantity": n})
        venue.call("baskets/closebasket", {"basket": b})
        with venue.statements() as seen:
            assert len(doorlist(venue, perf)["tickets"]) in (1, 41)
        costs.append(len(seen))
    assert costs[0] == costs[1]
