"""Tickets to show (``tickets/gettickets``): a closed basket's tickets, one per code, and the same as
a PDF, one ticket a page at A4 or on an 80 mm roll, read back: its text and its QR codes decoded."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from ticketpdf import pages

from xts2_tickets.codes import grouped
from xts2_tickets.tickets_pdf import long_when

MM = 72 / 25.4


@pytest.fixture
def ids(venue):
    return venue.ids


def _sold(venue, ids):
    """A closed basket: 3 Adult for Hamlet Tue 1 Dec, 1 Standard for Macbeth Mon 30 Nov 19:00."""
    b = venue.basket()
    venue.add(b, ids["Hamlet@2026-12-01T19:30"], ids["Hamlet/Adult"], 3)
    venue.add(b, ids["Macbeth@2026-11-30T19:00"], ids["Macbeth/Standard"], 1)
    venue.settle(b)
    return b


def _codes(venue, b):
    items = venue.call("baskets/getbasket", {"basket": b})["basket"]["item"]
    return [c for i in items if i["type"] == "ticket" for c in i["ticket"].get("code", [])]


def test_gettickets_answers_every_ticket_of_a_closed_basket_with_what_it_shows(venue, ids):
    b = _sold(venue, ids)
    answer = venue.call("tickets/gettickets", {"basket": b})["tickets"]
    assert answer["basket"] == b and answer["state"] == "closed"
    tickets = answer["ticket"]
    assert sorted(t["code"] for t in tickets) == sorted(_codes(venue, b))
    # by performance: Macbeth (Mon 30 Nov) first, then Hamlet's three
    assert [t["showname"] for t in tickets] == ["Macbeth", "Hamlet", "Hamlet", "Hamlet"]
    assert [(t["number"], t["of"]) for t in tickets] == [(1, 1), (1, 3), (2, 3), (3, 3)]
    hamlet = tickets[1]
    assert hamlet["tickettypename"] == "Adult" and hamlet["price"] == "12.00"
    assert hamlet["performance"] == ids["Hamlet@2026-12-01T19:30"]
    assert hamlet["start"].startswith("2026-12-01T19:30")
    assert hamlet["show"] == ids["Hamlet"] and hamlet["tickettype"] == ids["Hamlet/Adult"]
    assert "admitted" not in hamlet


def test_an_open_basket_has_no_tickets_yet_and_no_pdf(venue, ids):
    b = venue.basket()
    venue.add(b, ids["Hamlet@2026-12-01T19:30"], ids["Hamlet/Adult"], 2)
    answer = venue.call("tickets/gettickets", {"basket": b})["tickets"]
    assert answer["state"] == "open" and answer["ticket"] == []
    err = venue.call("tickets/gettickets", {"basket": b}, fmt="pdf", status=409)
    assert "no tickets to print" in err.text
    venue.call("tickets/gettickets", {"basket": 99999}, status=404)


def test_a_refunded_ticket_is_not_shown(venue, ids):
    b = _sold(venue, ids)
    hamlet_item = next(i for i in venue.call("baskets/getbasket", {"basket": b})["basket"]["item"]
                       if i["type"] == "ticket" and i["quantity"] == 3)
    r = venue.basket()
    venue.call("baskets/additem", {"basket": r, "type": "ticket",
                                   "item.refundof": hamlet_item["id"], "item.quantity": 1})
    venue.settle(r)
    tickets = venue.call("tickets/gettickets", {"basket": b})["tickets"]["ticket"]
    assert len(tickets) == 3 and [t["of"] for t in tickets] == [1, 2, 2]
    assert sorted(t["code"] for t in tickets) == sorted(_codes(venue, b))


def test_it_needs_a_terminal(venue, ids):
    b = _sold(venue, ids)
    venue.call("tickets/gettickets", {"basket": b}, key=False, status=401)


def test_the_venue_is_tickets_venue_name_else_the_shops(make_venue):
    v = make_venue(**{"tickets.venue_name": "The Riverside", "shop.venue_name": "Shop name"})
    b = _sold(v, v.ids)
    assert v.call("tickets/gettickets", {"basket": b})["tickets"]["venue"] == "The Riverside"


@pytest.mark.parametrize("size", ["a4", "roll"])
def test_the_pdf_has_a_ticket_a_page_whose_qr_code_reads_back_as_its_code(make_venue, size):
    venue = make_venue(**{"tickets.venue_name": "The Riverside Theatre"})
    b = _sold(venue, venue.ids)
    tickets = venue.call("tickets/gettickets", {"basket": b})["tickets"]["ticket"]
    resp = venue.call("tickets/gettickets", {"basket": b, "size": size}, fmt="pdf")
    assert resp.content_type == "application/pdf"
    assert resp.headers["Content-Disposition"] == f'inline; filename="tickets-{b}.pdf"'
    assert resp.body.startswith(b"%PDF-")
    got = pages(resp.body)
    assert len(got) == len(tickets) == 4
    for page, t in zip(got, tickets, strict=True):
        assert page["codes"] == [t["code"]]              # the QR code is the ticket's code
        text = " ".join(page["text"].split())
        assert grouped(t["code"]) in text                # and it is written beneath
        for words in ("The Riverside Theatre".upper(), t["showname"], t["tickettypename"],
                      f"£{t['price']}", f"Order {b}"):
            assert words in text, (words, text)
        start = datetime.fromisoformat(t["start"])
        assert long_when(start, start.tzinfo) in text    # the venue's time, its long date
    assert "Monday 30 November 2026, 19:00" in got[0]["text"]
    assert "Tuesday 1 December 2026, 19:30" in got[1]["text"]
    assert "Ticket 2 of 3" in " ".join(got[2]["text"].split())
    width, height = got[0]["size"]
    if size == "a4":
        assert (round(width / MM), round(height / MM)) == (210, 297)
    else:
        assert round(width / MM) == 80 and height < width * 2.5


def test_qr_true_gives_each_tickets_qr_code_as_svg_path_data_that_reads_back(venue, ids):
    from PIL import Image, ImageDraw
    from ticketpdf import qr_codes_in_image

    b = _sold(venue, ids)
    plain = venue.call("tickets/gettickets", {"basket": b})["tickets"]["ticket"]
    assert all("qrpath" not in t for t in plain)                 # only when asked for
    for t in venue.call("tickets/gettickets", {"basket": b, "qr": True})["tickets"]["ticket"]:
        n, scale = t["qrsize"], 8
        image = Image.new("L", (n * scale, n * scale), 255)
        draw = ImageDraw.Draw(image)
        for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", t["qrpath"]):
            x, y, w = int(x), int(y), int(w)
            draw.rectangle([x * scale, y * scale, (x + w) * scale - 1, (y + 1) * scale - 1], 0)
        assert qr_codes_in_image(image) == [t["code"]]
