"""Tickets to show in the shop: a paid order's page has a QR code per ticket with its code beneath,
offers the tickets PDF, and its confirmation mail carries the codes and the PDF; a reservation
has none until it is paid at the box office."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
from shopkit import items, message, orders, outbox, parts

# The tickets tests' PDF reader (pypdfium2 + zxing-cpp), loaded by its path: tests/tickets is not
# on the import path of a shop test run alone.
_spec = importlib.util.spec_from_file_location(
    "ticketpdf_for_shop", Path(__file__).parents[1] / "tickets" / "ticketpdf.py")
ticketpdf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ticketpdf)

CODE = re.compile(r"\b[B-X]{4}(?:-[B-X]{4}){4}\b")


@pytest.fixture
def hamlet(shop: Any) -> dict[str, int]:
    ids = shop.ids
    return {"perf": ids.perfs[("Hamlet", "2026-12-01T19:30")],
            "adult": ids.tickettypes[("Hamlet", "Adult")],
            "concession": ids.tickettypes[("Hamlet", "Concession")]}


def _codes(shop: Any, basket_id: int) -> list[str]:
    return [c for i in items(shop, basket_id, "ticket") for c in i["ticket"].get("code", [])]


def _grouped(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, 20, 4))


def test_a_paid_orders_page_shows_a_qr_code_per_ticket_and_offers_the_pdf(shop, customer,
                                                                           hamlet):
    c = customer()
    token, page = c.buy(hamlet["perf"], {hamlet["adult"]: 3, hamlet["concession"]: 1})
    (order,) = orders(shop)
    codes = _codes(shop, order.basket_id)
    assert len(codes) == 4
    html = page.text
    # one QR code per ticket (an item of quantity 3 has 3), each with its code beneath
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 4
    assert page.html.select("li.eticket svg.qr") and len(page.html.select("li.eticket")) == 4
    shown = [fc.get_text() for fc in page.html.select("li.eticket figcaption.code")]
    assert sorted(shown) == sorted(_grouped(c) for c in codes)
    assert "Your tickets to show at the door" in html
    link = page.html.find("a", string=re.compile("Download the tickets"))
    assert link["href"] == f"/shop/order/{token}/tickets.pdf"

    pdf = c.get(link["href"])
    assert pdf.content_type == "application/pdf"
    assert pdf.headers["Cache-Control"] == "no-store, private"
    got = ticketpdf.pages(pdf.body)
    assert sorted(code for p in got for code in p["codes"]) == sorted(codes)
    assert all("Hamlet" in p["text"] and "Riverside Theatre".upper() in p["text"] for p in got)
    # the roll too; an unknown link is not found
    assert len(ticketpdf.pages(c.get(link["href"] + "?size=roll").body)) == 4
    c.get("/shop/order/" + "x" * 30 + "/tickets.pdf", status=404)


def test_the_confirmation_mail_carries_the_codes_and_the_tickets_pdf(shop, customer, hamlet):
    c = customer()
    c.buy(hamlet["perf"], {hamlet["adult"]: 3})
    (order,) = orders(shop)
    codes = _codes(shop, order.basket_id)
    (mail,) = [m for m in outbox(shop) if m.subject.startswith("Your tickets")]
    msg = message(mail.message)
    text, html = parts(msg)
    assert sorted(CODE.findall(text)) == sorted(_grouped(c) for c in codes)
    assert html.count('src="data:image/png;base64,') == 3
    for code in codes:
        assert _grouped(code) in html
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"tickets-{order.basket_id}.pdf"
    got = ticketpdf.pages(attachment.get_content())
    assert [p["codes"][0] for p in got] == codes  # issued order: one item, its codes in turn


def test_a_reservation_shows_no_tickets_until_it_is_paid(shop, customer, hamlet):
    c = customer()
    c.add(hamlet["perf"], {hamlet["adult"]: 2})
    response = c.checkout(method="boxoffice")
    page = response.follow()
    assert "Your tickets are reserved" in page.text
    assert "<svg" not in page.text and "tickets.pdf" not in page.text
    c.get(response.location + "/tickets.pdf", status=404)
    (reservation_mail,) = outbox(shop)
    assert not list(message(reservation_mail.message).iter_attachments())

    (order,) = orders(shop)
    shop.call("baskets/additem", {"basket": order.basket_id, "type": "payment",
                                  "item.paymenttype": "cash", "item.amount": "24.00"})
    shop.call("baskets/closebasket", {"basket": order.basket_id})
    page = c.get(response.location)
    assert len(page.html.select("li.eticket svg.qr")) == 2
    assert c.get(response.location + "/tickets.pdf").content_type == "application/pdf"
    confirmation = outbox(shop)[-1]
    assert confirmation.subject.startswith("Your tickets")
    (pdf,) = list(message(confirmation.message).iter_attachments())
    assert sorted(p["codes"][0] for p in ticketpdf.pages(pdf.get_content())) == sorted(
        _codes(shop, order.basket_id))
