"""Tickets as a PDF (``tickets/gettickets?format=pdf``): one ticket a page, drawn with ReportLab.

``size=a4``: an A4 page per ticket, to print at home or show on a phone. ``size=roll``: a page
80 mm wide per ticket, for a receipt printer's roll (72 mm printed, 4 mm margins).

Each ticket has the venue, the show, the performance (a long date in the venue's time zone), the
ticket type and price, a QR code of its code (drawn as vector squares: sharp at any printer's
resolution) and the code in text beneath it, in groups of four as people read it out.

The standard PDF fonts are used (Helvetica, Courier): nothing to ship, and they carry Latin-1;
characters beyond it are printed as ``?``.
"""

from __future__ import annotations

import io
from datetime import datetime, tzinfo
from typing import Any

import segno
from pyramid.response import Response
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from .codes import grouped

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}
ROLL_WIDTH = 80 * mm
ROLL_HEIGHT = 125 * mm


def long_when(start: datetime, tz: tzinfo) -> str:
    """``Tuesday 1 December 2026, 19:30`` in the venue's time zone."""
    local = start.astimezone(tz)
    return (f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year}, "
            f"{local:%H:%M}")


def price_text(price: Any, currency: str) -> str:
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{price}" if symbol else f"{price} {currency}"


def _latin1(text: str) -> str:
    return text.encode("cp1252", "replace").decode("cp1252")


def draw_qr(canvas: Canvas, code: str, x: float, y: float, size: float) -> None:
    """The QR code of ``code`` as a ``size`` square whose lower left corner is ``(x, y)``, with
    its quiet zone (4 modules) inside the square."""
    qr = segno.make(code, error="m", micro=False)
    rows = [list(row) for row in qr.matrix_iter(border=4)]
    module = size / len(rows)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, fill=1, stroke=0)
    canvas.setFillColorRGB(0, 0, 0)
    path = canvas.beginPath()
    for r, row in enumerate(rows):
        top = y + size - (r + 1) * module
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                path.rect(x + start * module, top, (c - start) * module, module)
            else:
                c += 1
    canvas.drawPath(path, fill=1, stroke=0)


def _lines(canvas: Canvas, text: str, font: str, size: float, x: float, y: float, width: float,
           *, centre: bool = False) -> float:
    """``text`` wrapped to ``width`` from the baseline ``y`` down; the next line's baseline."""
    canvas.setFont(font, size)
    for line in simpleSplit(_latin1(text), font, size, width) or [""]:
        if centre:
            canvas.drawCentredString(x + width / 2, y, line)
        else:
            canvas.drawString(x, y, line)
        y -= size * 1.25
    return y


def _ticket(canvas: Canvas, t: dict[str, Any], basket: int, venue: str | None, tz: tzinfo,
            currency: str, width: float, height: float, margin: float, qr_size: float,
            scale: float) -> None:
    inner = width - 2 * margin
    y = height - margin - 10 * scale
    if venue:
        y = _lines(canvas, venue.upper(), "Helvetica-Bold", 10 * scale, margin, y, inner)
        y -= 4 * scale
    y = _lines(canvas, t["showname"], "Helvetica-Bold", 20 * scale, margin, y - 8 * scale, inner)
    y = _lines(canvas, long_when(t["start"], tz), "Helvetica", 12 * scale, margin, y - 2 * scale,
               inner)
    y = _lines(canvas, f"{t['tickettypename']}  ·  {price_text(t['price'], currency)}",
               "Helvetica", 12 * scale, margin, y - 2 * scale, inner)
    y -= 6 * scale
    qr_y = y - qr_size
    draw_qr(canvas, t["code"], (width - qr_size) / 2, qr_y, qr_size)
    y = _lines(canvas, grouped(t["code"]), "Courier-Bold", 12 * scale, margin,
               qr_y - 4 * scale, inner, centre=True)
    note = (f"Ticket {t['number']} of {t['of']}  ·  Order {basket}"
            if t["of"] > 1 else f"Order {basket}")
    y = _lines(canvas, note, "Helvetica", 9 * scale, margin, y - 4 * scale, inner, centre=True)
    _lines(canvas, "Show this code at the door. Each code lets one person in, once.",
           "Helvetica", 8 * scale, margin, y - 2 * scale, inner, centre=True)


def tickets_pdf(tickets: list[dict[str, Any]], basket: int, venue: str | None, tz: tzinfo,
                currency: str = "GBP", size: str = "a4") -> bytes:
    """The PDF of ``tickets`` (dicts as :func:`xts2_tickets.eticket.tickets_of` makes them)."""
    out = io.BytesIO()
    if size == "roll":
        page, margin, qr_size, scale = (ROLL_WIDTH, ROLL_HEIGHT), 4 * mm, 48 * mm, 0.75
    else:
        page, margin, qr_size, scale = A4, 25 * mm, 70 * mm, 1.2
    canvas = Canvas(out, pagesize=page, pageCompression=1, invariant=1)
    canvas.setTitle(f"Tickets, order {basket}")
    canvas.setAuthor(_latin1(venue or "XTS2"))
    canvas.setCreator("XTS2")
    for t in tickets:
        _ticket(canvas, t, basket, venue, tz, currency, page[0], page[1], margin, qr_size, scale)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def pdf_response(request: Any, basket: int, tickets: list[dict[str, Any]], venue: str | None,
                 size: str) -> Response:
    body = tickets_pdf(tickets, basket, venue, request.tz,
                       request.registry.get("xts2.currency") or "GBP", size)
    response = Response(body=body, content_type="application/pdf")
    response.content_disposition = f'inline; filename="tickets-{basket}.pdf"'
    response.cache_control = "no-store"
    return response
