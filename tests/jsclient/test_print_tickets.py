"""Print tickets at the counter: after a sale, **Print tickets** beside **Print receipt** prints the
sale's tickets alone, one a page, on A4 or on an 80 mm roll; the printed pages (Chromium's own
PDF of the print view) carry each ticket's QR code, which reads back as its code."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from xts2_core.testing import eventually

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "screenshots"
_spec = importlib.util.spec_from_file_location(
    "ticketpdf_for_client", ROOT / "tests" / "tickets" / "ticketpdf.py")
ticketpdf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ticketpdf)

MM = 72 / 25.4


def _sell(page, adults: int = 2) -> int:
    page.locator("#whatson .perf", has_text="Hamlet").first.click()
    page.get_by_role("button", name=str(adults), exact=True).click()
    page.get_by_role("button", name=re.compile(r"Adult")).click()
    expect(page.locator(".items .item-ticket")).to_have_count(1)
    page.get_by_role("button", name=re.compile(r"Concession")).click()
    expect(page.locator(".items .item-ticket")).to_have_count(2)
    page.get_by_role("button", name=re.compile(r"^Card")).click()
    receipt = page.locator("#receipt")
    expect(receipt.get_by_role("heading", name="Sale complete")).to_be_visible()
    return int(re.search(r"Basket (\d+)", receipt.locator(".receipt-meta").inner_text())[1])


@pytest.mark.parametrize("paper", ["a4", "roll"])
def test_print_tickets_after_a_sale_at_a4_and_on_a_roll(till, paper):
    t = till(**{"tickets.venue_name": "Riverside Theatre"})
    page = t.page()
    basket_id = _sell(page)
    codes = [c for i in t.call("baskets/getbasket", {"basket": basket_id})["basket"]["item"]
             if i["type"] == "ticket" for c in i["ticket"]["code"]]
    assert len(codes) == 3

    receipt = page.locator("#receipt")
    expect(receipt.get_by_role("button", name="Print receipt")).to_be_visible()
    button = receipt.get_by_role("button", name="Print tickets")
    expect(button).to_be_visible()
    receipt.get_by_label("Paper").select_option(paper)

    # The print dialog is the browser's; what it would print is the page in print media.
    page.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1; };"
                  " }")
    button.click()
    eventually(lambda: page.evaluate("() => window.printed") == 1, what="the print dialog")
    tickets = page.locator(".ticketprint .ticket")
    expect(tickets).to_have_count(3)
    expect(page.locator(".ticketprint")).to_be_hidden()            # on screen: nothing new
    page.emulate_media(media="print")
    expect(page.locator(".ticketprint")).to_be_visible()
    for hidden in ("#receipt", "header.top", ".main"):
        expect(page.locator(hidden)).to_be_hidden()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    page.emulate_media(media="screen")

    got = ticketpdf.pages(pdf, dpi=200)
    assert len(got) == 3                                             # a ticket a page
    assert sorted(c for p in got for c in p["codes"]) == sorted(codes)
    for p in got:
        (code,) = p["codes"]
        text = " ".join(p["text"].split())
        grouped = "-".join(code[i:i + 4] for i in range(0, 20, 4))
        assert grouped in text and "Hamlet" in text and "RIVERSIDE THEATRE" in text.upper()
        assert re.search(r"(Adult|Concession) · (12|8)\.00", text), text
        width, height = p["size"]
        if paper == "a4":
            assert (round(width / MM), round(height / MM)) == (210, 297)
        else:
            assert (round(width / MM), round(height / MM)) == (80, 125)
    SHOTS.mkdir(parents=True, exist_ok=True)
    got[0]["image"].save(SHOTS / f"40-print-tickets-{paper}.png")
