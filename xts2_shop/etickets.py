"""The order's tickets to show: their QR codes on the order page and in the confirmation mail, and
the tickets PDF the page offers and the mail attaches (docs/shop.md, "Tickets").

The tickets come from the tickets provider's ``tickets/gettickets``, called in-process as the
shop's terminal (its PDF too: ``format=pdf``); the shop only draws the QR codes where it shows
them:

- on the page, an inline SVG (sharp at any size, no extra request);
- in the mail, a PNG in a ``data:`` URI: mail clients that show images show PNG, while most
  (Gmail, Outlook) show no SVG at all. Where a client blocks ``data:`` images as well, the
  attached PDF and the order page's link carry the same codes.
"""

from __future__ import annotations

import base64
import io
from datetime import datetime
from typing import Any

import segno
from markupsafe import Markup

from xts2_core import XTSError, call_command

#: A code as it is printed and read out: groups of four.
GROUP = 4


def grouped(code: str) -> str:
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def qr_svg(code: str, title: str = "") -> Markup:
    """The QR code of ``code`` as an inline ``<svg>``, 6 px modules (about 174 px square, a
    phone's camera or a door's scanner reads it from a screen), dark on white in a dark theme
    too."""
    qr = segno.make(code, error="m", micro=False)
    out = io.BytesIO()
    qr.save(out, kind="svg", xmldecl=False, svgns=True, scale=6, border=4,
            svgclass="qr", lineclass=None, title=title or None, light="#fff")
    return Markup(out.getvalue().decode("utf-8"))  # noqa: S704 (segno's own markup)


def qr_png_uri(code: str) -> str:
    """The QR code of ``code`` as a ``data:image/png`` URI (5 px modules: about 165 px)."""
    qr = segno.make(code, error="m", micro=False)
    out = io.BytesIO()
    qr.save(out, kind="png", scale=5, border=4)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def order_tickets(request: Any, basket_id: int, *, png: bool = False) -> list[dict[str, Any]]:
    """The tickets of a closed basket to show, each with ``grouped`` (its code to read out),
    ``starts`` (a datetime) and ``qr`` (SVG markup, or with ``png`` a PNG ``data:`` URI); none
    when the basket is not closed or the tickets provider is not installed."""
    try:
        answer = call_command(request, "tickets/gettickets", {"basket": basket_id},
                              terminal=request.shop_terminal)
    except XTSError:
        return []
    tickets = answer["tickets"]["ticket"]
    for t in tickets:
        t["venue"] = answer["tickets"].get("venue")
        t["grouped"] = grouped(t["code"])
        t["starts"] = datetime.fromisoformat(t["start"])
        label = f"Ticket code {t['grouped']}"
        t["qr"] = qr_png_uri(t["code"]) if png else qr_svg(t["code"], label)
    return tickets


def tickets_pdf(request: Any, basket_id: int, size: str = "a4") -> bytes | None:
    """The PDF of a closed basket's tickets (a ticket a page), or ``None`` when it has none."""
    try:
        response = call_command(request, "tickets/gettickets",
                                {"basket": basket_id, "format": "pdf", "size": size},
                                terminal=request.shop_terminal)
    except XTSError:
        return None
    return response.body
