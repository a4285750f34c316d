"""Ticket codes (API.md §12): one per ticket, issued when the basket that sells it closes, shown
by ``getbasket`` on sales in closed baskets, voided by a refund that names the sale, and kept by a
reopened basket for the items it still holds when it closes again."""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest
import sqlalchemy as sa

from xts2_tickets.codes import ALPHABET, LENGTH, grouped, new_code, normalise, well_formed

CODE = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")


@pytest.fixture
def hamlet(venue):
    """Tue 1 Dec 19:30, 10 seats."""
    return venue.ids["Hamlet@2026-12-01T19:30"]


def _items(venue, basket):
    return venue.call("baskets/getbasket", {"basket": basket})["basket"]["item"]


def _codes(venue, basket) -> dict[int, list[str]]:
    """``{item id: its codes}`` of a basket's sales as getbasket shows them."""
    return {i["id"]: i["ticket"]["code"] for i in _items(venue, basket)
            if i["type"] == "ticket" and "code" in i["ticket"]}


def _rows(venue, where="1=1", **params):
    with venue.session() as s:
        return s.execute(sa.text(f"SELECT code, item_id, basket_id, voided, voided_by, "
                                 f"voided_in FROM tickets_code WHERE {where} ORDER BY id"),
                         params).all()


# -- the generator ---------------------------------------------------------------------------

def test_the_alphabet_types_alike_on_qwerty_qwertz_azerty_and_reads_aloud():
    moved = set("AQWZYM")          # keys in other places on QWERTZ/AZERTY
    misread = set("0O1IL")         # 0/O, 1/I/L
    assert not (set(ALPHABET) & (moved | misread))
    assert not any(c.isdigit() for c in ALPHABET)    # AZERTY types digits shifted
    assert "".join(sorted(set(ALPHABET))) == ALPHABET and ALPHABET.isupper()
    assert len(ALPHABET) ** LENGTH >= 2 ** 80        # at least 80 bits


def test_100000_codes_are_well_formed_unique_and_use_every_character():
    t0 = time.perf_counter()
    codes = [new_code() for _ in range(100_000)]
    took = time.perf_counter() - t0
    assert len(set(codes)) == len(codes)
    assert all(CODE.match(c) for c in codes[:1000]) and all(well_formed(c) for c in codes)
    # uniform draw: every character at every position, none far from its share
    counts = Counter(c for code in codes[:20_000] for c in code)
    share = 20_000 * LENGTH / len(ALPHABET)
    assert set(counts) == set(ALPHABET)
    assert all(0.9 * share < n < 1.1 * share for n in counts.values()), counts
    assert {code[-1] for code in codes[:5000]} == set(ALPHABET)
    assert took < 5, f"100,000 codes took {took:.2f} s"


def test_input_is_forgiving_but_only_of_case_spaces_and_dashes():
    code = new_code()
    assert normalise(code.lower()) == code
    assert normalise(grouped(code)) == code and grouped(code).count("-") == LENGTH // 4 - 1
    assert normalise(f" {grouped(code).lower().replace('-', ' ')}\n") == code
    assert not well_formed(normalise(code[:-1]))
    assert not well_formed(normalise(code[:-1] + "A"))       # a letter not in the alphabet
    assert not well_formed(normalise(code[:-1] + "ß"))       # not upper-cased into "SS"
    assert not well_formed(code + "B")


# -- issued at close -------------------------------------------------------------------------

def test_closing_issues_one_code_per_ticket(venue, hamlet):
    b = venue.basket()
    adult = venue.add(b, hamlet, venue.ids["Hamlet/Adult"], 3)["item"]["id"]
    conc = venue.add(b, hamlet, venue.ids["Hamlet/Concession"], 1)["item"]["id"]
    # open: no codes yet, and none shown
    assert _codes(venue, b) == {}
    assert _rows(venue) == []
    closed = venue.settle(b)["basket"]
    shown = {i["id"]: i["ticket"]["code"] for i in closed["item"] if i["type"] == "ticket"}
    assert [len(shown[adult]), len(shown[conc])] == [3, 1]
    every = shown[adult] + shown[conc]
    assert all(CODE.match(c) for c in every) and len(set(every)) == 4
    assert _codes(venue, b) == shown                      # the same when read again
    assert [(r.code, r.item_id, r.basket_id) for r in _rows(venue)] == \
        [(c, adult, b) for c in shown[adult]] + [(shown[conc][0], conc, b)]
    # the settle item is not a ticket: no codes on it, no code key at all
    assert all("code" not in (i.get("ticket") or {}) for i in closed["item"]
               if i["type"] != "ticket")


def test_codes_in_xml_are_code_elements_inside_the_ticket(venue, hamlet):
    b = venue.sell(hamlet, venue.ids["Hamlet/Adult"], 2)
    ticket = venue.xml("baskets/getbasket", {"basket": b}).find("basket/item/ticket")
    codes = [c.text for c in ticket.findall("code")]
    assert len(codes) == 2 and all(CODE.match(c) for c in codes)
    assert ticket.get("refunded") == "0" and ticket.get("tickettypename") == "Adult"
    assert _codes(venue, b) == {int(ticket.getparent().get("id")): codes}


def test_a_refund_item_has_no_codes_and_a_fully_refunded_sale_shows_an_empty_list(venue, hamlet):
    sale = venue.sell(hamlet, venue.ids["Hamlet/Adult"], 1)
    item = _items(venue, sale)[0]["id"]
    r = venue.basket()
    venue.call("baskets/additem", {"basket": r, "type": "ticket", "item.refundof": item})
    venue.settle(r)
    refund = next(i for i in _items(venue, r) if i["type"] == "ticket")
    assert "code" not in refund["ticket"]
    assert _codes(venue, sale) == {item: []}


def test_codes_are_issued_whichever_terminal_closes_the_basket(venue, hamlet):
    key = "second-terminal-key-0002"
    venue.add_terminal("Box office 2", key)
    b = venue.call("baskets/newbasket", key=key)["basket"]["id"]
    venue.call("baskets/additem", {"basket": b, "type": "ticket", "item.performance": hamlet,
                                   "item.tickettype": venue.ids["Hamlet/Adult"]}, key=key)
    venue.call("baskets/additem", {"basket": b, "type": "settle", "item.amount": "12.00"},
               key=key)
    venue.call("baskets/closebasket", {"basket": b}, key=key)
    assert [len(c) for c in _codes(venue, b).values()] == [1]   # any terminal sees them


# -- refunds ---------------------------------------------------------------------------------

def _sale(venue, hamlet, quantity):
    b = venue.sell(hamlet, venue.ids["Hamlet/Adult"], quantity)
    item = _items(venue, b)[0]["id"]
    return b, item


def _refund(venue, item, quantity, close=True):
    r = venue.basket()
    venue.call("baskets/additem", {"basket": r, "type": "ticket", "item.refundof": item,
                                   "item.quantity": quantity})
    if close:
        venue.settle(r)
    return r


def test_a_refund_voids_as_many_codes_as_it_returns_when_its_basket_closes(venue, hamlet):
    b, item = _sale(venue, hamlet, 3)
    codes = _codes(venue, b)[item]
    r = _refund(venue, item, 2, close=False)
    assert _codes(venue, b)[item] == codes                 # waiting: still valid
    venue.settle(r)
    left = _codes(venue, b)[item]
    assert len(left) == 1 and left[0] in codes
    refund_item = next(i["id"] for i in _items(venue, r) if i["type"] == "ticket")
    voided = _rows(venue, "voided IS NOT NULL")
    assert sorted(v.code for v in voided) == sorted(set(codes) - set(left))
    assert {(v.voided_by, v.voided_in) for v in voided} == {(refund_item, r)}
    _refund(venue, item, 1)
    assert _codes(venue, b)[item] == []


def test_a_refund_voids_codes_not_yet_admitted_first(venue, hamlet):
    b, item = _sale(venue, hamlet, 2)
    first, second = _codes(venue, b)[item]
    venue.call("tickets/checkin", {"code": second, "performance": hamlet})
    _refund(venue, item, 1)
    assert _codes(venue, b)[item] == [second]


def test_a_refund_that_names_no_item_voids_no_code(venue, hamlet):
    b, item = _sale(venue, hamlet, 2)
    codes = _codes(venue, b)[item]
    r = venue.basket()
    venue.add(r, hamlet, venue.ids["Hamlet/Adult"], 1, refund=True)
    venue.settle(r)
    assert venue.counts(hamlet)["sold"] == 1
    assert _codes(venue, b)[item] == codes


# -- reopening -------------------------------------------------------------------------------

def _reopen(venue, basket):
    return venue.call("baskets/openbasket", {"basket": basket}, admin=True)


def test_a_reopened_basket_keeps_its_codes_and_issues_new_ones_for_new_items(venue, hamlet):
    b, item = _sale(venue, hamlet, 2)
    codes = _codes(venue, b)[item]
    _reopen(venue, b)
    assert _codes(venue, b) == {}                          # not shown while open
    assert [r.code for r in _rows(venue, "voided IS NULL")] == codes
    new = venue.add(b, hamlet, venue.ids["Hamlet/Concession"], 2)["item"]["id"]
    venue.settle(b)
    after = _codes(venue, b)
    assert after[item] == codes                            # the same codes, in order
    assert len(after[new]) == 2 and not set(after[new]) & set(codes)
    assert len(_rows(venue)) == 4


def test_an_item_removed_while_reopened_loses_its_codes_when_the_basket_closes(venue, hamlet):
    b = venue.basket()
    keep = venue.add(b, hamlet, venue.ids["Hamlet/Adult"], 1)["item"]["id"]
    drop = venue.add(b, hamlet, venue.ids["Hamlet/Concession"], 2)["item"]["id"]
    venue.settle(b)
    codes = _codes(venue, b)
    _reopen(venue, b)
    settle = next(i["id"] for i in _items(venue, b) if i["type"] == "settle")
    venue.call("baskets/removeitem", {"basket": b, "item": drop})
    venue.call("baskets/removeitem", {"basket": b, "item": settle})
    # still not voided while the basket is open: the door says "not paid"
    assert _rows(venue, "voided IS NOT NULL") == []
    answer = venue.call("tickets/checkin", {"code": codes[drop][0], "performance": hamlet})
    assert answer["checkin"]["result"] == "notpaid"
    venue.settle(b)
    assert _codes(venue, b) == {keep: codes[keep]}
    voided = _rows(venue, "voided IS NOT NULL")
    assert sorted(v.code for v in voided) == sorted(codes[drop])
    assert {(v.voided_by, v.voided_in) for v in voided} == {(None, b)}
    answer = venue.call("tickets/checkin", {"code": codes[drop][0], "performance": hamlet})
    assert answer["checkin"]["result"] == "givenback"


def test_a_new_item_never_inherits_the_codes_of_a_removed_one(venue, hamlet):
    """SQLite gives a new row the id of a deleted row that had the highest: the codes of a
    removed item must not pass to the next item that happens to get its id."""
    b = venue.basket()
    venue.add(b, hamlet, venue.ids["Hamlet/Adult"], 1)
    venue.settle(b)
    _reopen(venue, b)
    items = _items(venue, b)
    old = next(i["id"] for i in items if i["type"] == "ticket")
    old_codes = [r.code for r in _rows(venue, "item_id = :i", i=old)]
    for i in items:
        venue.call("baskets/removeitem", {"basket": b, "item": i["id"]})
    other = venue.ids["Hamlet@2026-12-02T19:30"]
    new = venue.add(b, other, venue.ids["Hamlet/Adult"], 1)["item"]["id"]
    venue.settle(b)
    codes = _codes(venue, b)
    assert list(codes) == [new] and codes[new] != old_codes
    answer = venue.call("tickets/checkin", {"code": old_codes[0], "performance": hamlet})
    assert answer["checkin"]["result"] == "givenback"
    answer = venue.call("tickets/checkin", {"code": codes[new][0], "performance": other})
    assert answer["checkin"]["result"] == "admitted"


def test_an_item_moved_out_of_a_reopened_basket_takes_its_codes_along(venue, hamlet):
    b = venue.basket()
    venue.add(b, hamlet, venue.ids["Hamlet/Adult"], 1)
    moved = venue.add(b, hamlet, venue.ids["Hamlet/Concession"], 2)["item"]["id"]
    venue.settle(b)
    codes = _codes(venue, b)[moved]
    _reopen(venue, b)
    other = venue.basket()
    venue.call("baskets/moveitem", {"item": moved, "to": other})
    venue.settle(b)                                        # b closes first: codes follow the item
    assert moved not in _codes(venue, b)
    assert [r.basket_id for r in _rows(venue, "item_id = :i", i=moved)] == [other, other]
    assert _rows(venue, "voided IS NOT NULL") == []
    venue.settle(other)
    assert _codes(venue, other) == {moved: codes}


def test_an_item_moved_into_another_basket_that_closes_first_keeps_its_codes(venue, hamlet):
    b, item = _sale(venue, hamlet, 2)
    codes = _codes(venue, b)[item]
    _reopen(venue, b)
    other = venue.basket()
    venue.call("baskets/moveitem", {"item": item, "to": other})
    venue.settle(other)
    assert _codes(venue, other) == {item: codes}
    settle = next(i["id"] for i in _items(venue, b) if i["type"] == "settle")
    venue.call("baskets/removeitem", {"basket": b, "item": settle})
    venue.add(b, hamlet, venue.ids["Hamlet/Adult"], 1)
    venue.settle(b)
    assert _codes(venue, other) == {item: codes}
    assert _rows(venue, "voided IS NOT NULL") == []


def test_a_reopened_refund_basket_closing_without_its_refund_gives_the_codes_back(venue, hamlet):
    b, item = _sale(venue, hamlet, 2)
    codes = _codes(venue, b)[item]
    r = _refund(venue, item, 1)
    assert len(_codes(venue, b)[item]) == 1
    _reopen(venue, r)
    refund = next(i["id"] for i in _items(venue, r) if i["type"] == "ticket")
    venue.settle(r)                                        # closed again with the refund: same
    assert len(_codes(venue, b)[item]) == 1
    assert len(_rows(venue, "voided IS NOT NULL")) == 1
    _reopen(venue, r)
    for i in _items(venue, r):
        venue.call("baskets/removeitem", {"basket": r, "item": i["id"]})
    venue.add(r, venue.ids["Hamlet@2026-12-02T19:30"], venue.ids["Hamlet/Adult"], 1)
    venue.settle(r)
    assert _codes(venue, b)[item] == codes                 # the refund is gone: both valid
    assert _rows(venue, "voided_by = :r", r=refund) == []


# -- queries ---------------------------------------------------------------------------------

def _statements(venue, path, params, **kw):
    with venue.statements() as seen:
        body = venue.call(path, params, **kw)
    return body, seen


def test_getbasket_reads_the_codes_of_a_closed_basket_in_one_statement(venue):
    venue.load({"shows": [{"name": "Big", "tickettypes": [{"name": "Comp", "price": "0"}],
                           "performances": [{"start": "2026-12-05T19:30", "capacity": 500}]}]})
    show = next(s["id"] for s in venue.call("tickets/getshows")["shows"] if s["name"] == "Big")
    perf = venue.call("tickets/getperformances", {"show": show})["performances"][0]["id"]
    tt = venue.call("tickets/gettickettypes", {"show": show})["tickettypes"][0]["id"]
    costs = []
    for n in (1, 20):
        b = venue.basket()
        for _ in range(n):
            venue.add(b, perf, tt, 2)
        closed, seen = _statements(venue, "baskets/closebasket", {"basket": b})
        assert sum(len(i["ticket"]["code"]) for i in closed["basket"]["item"]) == 2 * n
        code_reads = [s for s in seen if "tickets_code" in s and s.lstrip().upper()
                      .startswith("SELECT")]
        assert len(code_reads) == 1                         # what the close concerns, once
        body, seen = _statements(venue, "baskets/getbasket", {"basket": b})
        assert sum(len(i["ticket"]["code"]) for i in body["basket"]["item"]) == 2 * n
        assert len([s for s in seen if "tickets_code" in s]) == 1
        costs.append(len(seen))
    assert costs[0] == costs[1]


def test_getbasket_of_an_open_basket_does_not_ask_for_codes(venue, hamlet):
    b = venue.basket()
    venue.add(b, hamlet, venue.ids["Hamlet/Adult"], 2)
    _, seen = _statements(venue, "baskets/getbasket", {"basket": b})
    assert not [s for s in seen if "tickets_code" in s]
