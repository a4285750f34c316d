"""Cash-up, Admin and About, as the box office uses them: this till's takings since the start of
the venue's day, then (unlocked with the admin password) another till's, the printable cash-up
sheet and its CSV; holding back seats from the performance panel; the show and performance
reports; the installed plugins. Every figure on screen is checked against the server's own answer,
and the password never travels in a URL."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from browser_till import SECOND_KEY, run_axe
from playwright.sync_api import expect

VENUE = ZoneInfo("Europe/London")  # the server's default xts2.timezone


def venue_today() -> str:
    """The start of today in venue time, as the screen asks for it (no offset: venue time)."""
    return datetime.now(VENUE).strftime("%Y-%m-%dT00:00")


def watch_urls(page: Any) -> list[str]:
    """Every URL the page asks for, to show that no password is ever in one."""
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    return urls


#: What Box office 2 is paid, one payment item's parameters each: 20.00 by card, 4.00 in cash.
CARD_AND_CASH = ({"item.paymenttype": "card", "item.amount": "20.00"},
                 {"item.paymenttype": "cash", "item.amount": "4.00"})


def sell_at_box_office_2(t: Any, perf: dict[str, Any], payments: Any = CARD_AND_CASH) -> None:
    """Two Adult for Hamlet (24.00) at Box office 2 through the API, paid with ``payments``."""
    two = {"terminalkey": SECOND_KEY}
    adult = next(tt for tt in t.call("tickets/getperformance", {"performance": perf["id"]}
                                     )["performance"]["tickettypes"] if tt["name"] == "Adult")
    basket = t.call("baskets/newbasket", two)["basket"]["id"]
    t.call("baskets/additem", {**two, "basket": basket, "type": "ticket",
                               "item.performance": perf["id"], "item.tickettype": adult["id"],
                               "item.quantity": 2})
    for payment in payments:
        t.call("baskets/additem", {**two, "basket": basket, "type": "payment", **payment})
    assert t.call("baskets/closebasket", {**two, "basket": basket})["basket"]["state"] == "closed"


def sell_on_screen(page: Any, what: str, tile: str, pay: str) -> None:
    """One sale at Box office 1 on screen: a ticket or a cafe item, paid in full one way."""
    if tile == "ticket":
        page.locator("#whatson .perf", has_text="Hamlet").first.click()
        page.get_by_role("button", name=re.compile(what)).click()
    else:
        page.locator("#cafe button.stock", has_text=what).click()
    expect(page.locator(".items .item")).to_have_count(1)
    page.locator("button.pay", has_text=pay).click()
    expect(page.locator("#receipt").get_by_role("heading", name="Sale complete")).to_be_visible()
    page.get_by_role("button", name=re.compile("Next customer")).click()
    expect(page.get_by_role("heading", name="New sale")).to_be_visible()


def screen_takings(page: Any) -> dict[str, tuple[int, str]]:
    """The takings table on screen: payment type name → (payments, amount)."""
    rows = {}
    for row in page.locator("#takings tbody tr").all():
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        rows[cells[0]] = (int(cells[1]), cells[2])
    return rows


def server_takings(body: dict[str, Any]) -> dict[str, tuple[int, str]]:
    return {p["name"]: (p["count"], p["amount"]) for p in body["paymenttype"]}


def report_csv(t: Any, params: dict[str, Any]) -> str:
    """The server's CSV of a report, asked with the password in its header."""
    q = urllib.parse.urlencode({**params, "format": "csv"})
    request = urllib.request.Request(f"{t.url}/v2/xts/report?{q}",
                                     headers={"X-XTS2-Password": t.server.admin_password})
    with urllib.request.urlopen(request, timeout=30) as r:
        return r.read().decode("utf-8")


def sheet_rows(page: Any) -> list[list[str]]:
    return [[c.strip() for c in row.locator("td").all_inner_texts()]
            for row in page.locator(".sheet table tbody tr").all()]


def unlock(page: Any, field: Any, password: str) -> None:
    field.fill(password)
    page.get_by_role("button", name="Unlock").click()


def test_cash_up_of_this_till_then_another_and_the_cash_up_sheet(till, shoot):
    t = till()
    perf = t.performance("Hamlet")
    sell_at_box_office_2(t, perf)
    page = t.page()
    urls = watch_urls(page)
    sell_on_screen(page, "Concession", "ticket", "Card")  # 8.00 by card
    sell_on_screen(page, "Coffee", "cafe", "Cash")  # 2.20 in cash
    sell_on_screen(page, "Tea", "cafe", "Cash")  # 1.80 in cash

    # Cash-up: this till's takings since the start of the venue's day, by payment type.
    page.get_by_role("button", name="Cash-up", exact=True).click()
    expect(page.get_by_role("heading", name="Cash-up")).to_be_visible()
    expect(page.locator("#cashup-from")).to_have_value(venue_today())
    expect(page.locator("#takings-h")).to_contain_text("Takings of Box office 1")
    mine = t.call("money/gettakings", {"since": venue_today()})["takings"]
    assert mine["total"] == "12.00" and mine["count"] == 3
    expect(page.locator("#takings-total")).to_have_text(mine["total"])
    assert screen_takings(page) == server_takings(mine) == {"Card": (1, "8.00"),
                                                           "Cash": (2, "4.00")}
    expect(page.locator("#takings tfoot")).to_contain_text("12.00")
    # Without the password: no other till, no sheet; the unlock form says why.
    expect(page.locator("select#cashup-terminal")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Cash-up sheet"))).to_have_count(0)
    assert run_axe(page) == []
    shoot(page, "31-cashup")

    # Unlocked with the admin password: Box office 2's takings.
    unlock(page, page.locator("#cashup-password"), t.server.admin_password)
    expect(page.get_by_role("button", name="Lock", exact=True)).to_be_visible()
    terminals = {x["name"]: x["id"] for x in t.call("xts/getterminals", admin=True)["terminals"]}
    page.locator("select#cashup-terminal").select_option(str(terminals["Box office 2"]))
    expect(page.locator("#takings-h")).to_contain_text("Takings of Box office 2")
    theirs = t.call("money/gettakings", {"since": venue_today(),
                                         "terminal": terminals["Box office 2"]},
                    admin=True)["takings"]
    assert theirs["total"] == "24.00"
    expect(page.locator("#takings-total")).to_have_text("24.00")
    assert screen_takings(page) == server_takings(theirs) == {"Card": (1, "20.00"),
                                                             "Cash": (1, "4.00")}
    assert run_axe(page) == []

    # The cash-up sheet: the takings report of that till for the same period, as a page.
    page.get_by_role("button", name="Cash-up sheet: Box office 2").click()
    sheet = page.locator(".sheet")
    expect(sheet.get_by_role("heading", name=re.compile("^Cash-up: takings of Box office 2"))
           ).to_be_visible()
    # The server's report for the period of the figures on screen (gettakings' since and until).
    period = {"type": "takings", "from": theirs["since"], "until": theirs["until"],
              "terminal": terminals["Box office 2"]}
    report = t.call("xts/report", period, admin=True)["report"]
    assert [(r["paymenttypename"], r["count"], r["amount"]) for r in report["row"]] == [
        ("Card", 1, "20.00"), ("Cash", 1, "4.00")]
    assert sheet_rows(page) == [
        ["Box office 2", r["paymenttypename"], str(r["count"]), r["payments"], r["refunds"],
         r["amount"]] for r in report["row"]]
    expect(sheet.locator("tfoot")).to_contain_text(report["total"]["amount"])
    expect(sheet.locator(".sheet-facts")).to_contain_text("Box office 2")
    expect(sheet.get_by_role("button", name="Print")).to_be_focused()  # what comes next
    assert run_axe(page) == []
    shoot(page, "32-cashup-sheet")

    # Printing prints the sheet alone: no bar, no basket, no buttons.
    page.evaluate("() => { window.print = () => { window.printed = true; }; }")
    sheet.get_by_role("button", name="Print").click()
    assert page.evaluate("() => window.printed") is True
    page.emulate_media(media="print")
    expect(sheet).to_be_visible()
    expect(sheet.locator("table")).to_be_visible()
    for hidden in (".basketcol", "header.top", ".sheet-actions"):
        expect(page.locator(hidden)).to_be_hidden()
    page.emulate_media(media="screen")

    # The CSV arrives as a file, the same as the server's for that till and period.
    with page.expect_download() as download:
        sheet.get_by_role("button", name="Download CSV").click()
    got = Path(download.value.path()).read_bytes().decode("utf-8")
    assert download.value.suggested_filename.startswith("takings-box-office-2-")
    assert download.value.suggested_filename.endswith(".csv")
    lines = got.strip().splitlines()
    assert lines[0] == ("terminal,terminalname,paymenttype,paymenttypename,count,payments,"
                        "refunds,amount,fees,afterfees")
    assert lines[1:] == [
        f"{terminals['Box office 2']},Box office 2,card,Card,1,20.00,0.00,20.00,0.00,20.00",
        f"{terminals['Box office 2']},Box office 2,cash,Cash,1,4.00,0.00,4.00,0.00,4.00"]
    assert report_csv(t, period) == got

    # Back, and the sheet of all tills: both terminals, the total of both.
    sheet.get_by_role("button", name=re.compile("Back to cash-up")).click()
    page.get_by_role("button", name="Cash-up sheet: all tills").click()
    expect(page.locator(".sheet h2")).to_contain_text("takings of all terminals")
    every = t.call("xts/report", {"type": "takings", "from": venue_today()}, admin=True)["report"]
    assert every["total"]["amount"] == "36.00"
    expect(page.locator(".sheet tfoot")).to_contain_text("36.00")
    assert len(sheet_rows(page)) == len(every["row"]) == 4

    # The password went in a header only, never in a URL.
    assert urls and not [u for u in urls if "password" in u.lower()]


def test_service_fees_on_the_cash_up_sheet(till, shoot):
    """A payment service's fee (Stripe's, recorded as item.fee) is on the till's takings and
    the cash-up sheet, with what reaches the bank; a till that pays no fees sees no such
    column (the test above)."""
    t = till()
    sell_at_box_office_2(t, t.performance("Hamlet"), [
        {"item.paymenttype": "card", "item.amount": "24.00", "item.fee": "0.56"}])
    page = t.page()
    page.get_by_role("button", name="Cash-up", exact=True).click()
    unlock(page, page.locator("#cashup-password"), t.server.admin_password)
    terminals = {x["name"]: x["id"] for x in t.call("xts/getterminals", admin=True)["terminals"]}
    page.locator("select#cashup-terminal").select_option(str(terminals["Box office 2"]))
    expect(page.locator("#takings-total")).to_have_text("24.00")
    table = page.locator("#takings")
    expect(table.locator("thead")).to_contain_text("Service fees")
    assert [c.strip() for c in table.locator("tbody tr td").all_inner_texts()] == [
        "Card", "1", "24.00", "0.56"]
    assert run_axe(page) == []

    page.get_by_role("button", name="Cash-up sheet: Box office 2").click()
    sheet = page.locator(".sheet")
    expect(sheet.locator("thead")).to_contain_text("Net of fees")
    assert sheet_rows(page) == [["Box office 2", "Card", "1", "24.00", "0.00", "24.00", "0.56",
                                 "23.44"]]
    facts = sheet.locator(".sheet-facts")
    expect(facts).to_contain_text("Service fees0.56")
    expect(facts).to_contain_text("Net of fees23.44")
    assert run_axe(page) == []
    shoot(page, "32b-cashup-sheet-fees")


def test_holding_back_seats_and_the_show_and_performance_reports(till, shoot):
    t = till()
    perf = t.performance("Hamlet")
    before = t.counts(perf["id"])
    assert before["heldback"] == 0 and before["available"] == 50
    page = t.page()
    urls = watch_urls(page)
    hamlet = page.locator("#whatson .perf", has_text="Hamlet").first
    hamlet.click()
    expect(page.locator("#performance .counts")).to_contain_text("50 left")
    expect(page.locator("form.holdback")).to_have_count(0)  # locked: no holding back

    # Admin, locked: a wrong password is refused and nothing is unlocked.
    page.get_by_role("button", name="Admin", exact=True).click()
    expect(page.get_by_role("heading", name="Admin")).to_be_visible()
    assert run_axe(page) == []
    unlock(page, page.get_by_label("Admin password"), "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("not the admin password")
    expect(page.get_by_role("button", name="Lock", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Sell", exact=True).click()
    hamlet.click()
    expect(page.locator("#performance .counts")).to_contain_text("50 left")
    expect(page.locator("form.holdback")).to_have_count(0)
    # … nor does the server hold back anything for that password.
    status, body = t.server.call("tickets/holdbacktickets", {"performance": perf["id"], "count": 5,
                                                             "password": "not-the-password"})
    assert status == 401 and body["error"]["code"] == "unauthorized"
    assert t.counts(perf["id"]) == before

    # Unlocked: the reports of a show and of a performance, printable and as CSV.
    page.get_by_role("button", name="Admin", exact=True).click()
    unlock(page, page.get_by_label("Admin password"), t.server.admin_password)
    expect(page.get_by_role("button", name="Lock", exact=True)).to_be_visible()
    expect(page.locator("#report-show")).to_be_visible()
    assert run_axe(page) == []
    shoot(page, "33-admin")

    page.get_by_role("button", name="Show report: Hamlet").click()
    show = t.call("xts/report", {"type": "show", "show": perf_show(t)}, admin=True)["report"]
    expect(page.locator(".sheet h2")).to_have_text(show["title"])
    rows = sheet_rows(page)
    assert [r[1:] for r in rows] == [
        [str(r[k]) for k in ("capacity", "sold", "reserved", "heldback", "available", "revenue")]
        for r in show["row"]]
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    got = Path(download.value.path()).read_bytes().decode("utf-8")
    assert got == report_csv(t, {"type": "show", "show": perf_show(t)})
    assert download.value.suggested_filename == "show-hamlet.csv"
    page.get_by_role("button", name=re.compile("Back to admin")).click()

    page.locator("#report-performance").select_option(str(perf["id"]))
    page.get_by_role("button", name="Performance report").click()
    one = t.call("xts/report", {"type": "performance", "performance": perf["id"]},
                 admin=True)["report"]
    expect(page.locator(".sheet h2")).to_have_text(one["title"])
    assert sheet_rows(page) == [[r["tickettype"], r["price"], str(r["sold"]), str(r["refunded"]),
                                 r["revenue"]] for r in one["row"]]
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    got = Path(download.value.path()).read_bytes().decode("utf-8")
    assert got == report_csv(t, {"type": "performance", "performance": perf["id"]})
    page.get_by_role("button", name=re.compile("Back to admin")).click()

    # Hold back 10 seats from the performance panel: the screen and the server both drop by 10.
    page.get_by_role("button", name="Sell", exact=True).click()
    hamlet.click()
    form = page.locator("form.holdback")
    expect(form).to_contain_text("Held back: 0")
    form.get_by_label("Seats to hold back in all").fill("10")
    form.get_by_role("button", name="Set").click()
    expect(page.locator("#heldback")).to_have_text("10")
    expect(page.locator("#performance .counts")).to_contain_text("40 left")
    expect(page.locator("#performance .counts")).to_contain_text("held back 10")
    expect(hamlet).to_contain_text("40 left")
    after = t.counts(perf["id"])
    assert after["heldback"] == 10 and after["available"] == before["available"] - 10
    shoot(page, "34-holdback")

    # More than can be held back: the server's words, and nothing changes.
    form.get_by_label("Seats to hold back in all").fill("51")
    form.get_by_role("button", name="Set").click()
    expect(page.locator("#performance [role=alert]")).to_be_visible()
    expect(page.locator("#heldback")).to_have_text("10")
    assert t.counts(perf["id"]) == after

    # Locked again: the control is gone, the Admin screen asks for the password.
    page.get_by_role("button", name="Admin", exact=True).click()
    page.get_by_role("button", name="Lock", exact=True).click()
    expect(page.get_by_label("Admin password")).to_be_visible()
    assert run_axe(page) == []
    page.get_by_role("button", name="Sell", exact=True).click()
    hamlet.click()
    expect(page.locator("#performance .counts")).to_contain_text("40 left")
    expect(page.locator("form.holdback")).to_have_count(0)
    assert urls and not [u for u in urls if "password" in u.lower()]


def perf_show(t: Any) -> int:
    return {s["name"]: s["id"] for s in t.call("tickets/getshows", key=False)["shows"]}["Hamlet"]


def test_too_many_wrong_passwords_are_told_in_words(till):
    t = till()
    page = t.page()
    page.get_by_role("button", name="Admin", exact=True).click()
    field = page.get_by_label("Admin password")
    for _ in range(5):
        unlock(page, field, "wrong-password")
        expect(page.get_by_role("alert")).to_contain_text("not the admin password")
        expect(page.get_by_role("button", name="Unlock")).to_be_enabled()
    unlock(page, field, "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("Too many wrong passwords")
    expect(page.get_by_role("alert")).to_contain_text("Wait a minute")
    expect(page.get_by_role("button", name="Lock", exact=True)).to_have_count(0)


def test_about_lists_the_installed_plugins(till, shoot):
    t = till()
    page = t.page()
    page.get_by_role("button", name="About", exact=True).click()
    expect(page.get_by_role("heading", name="Installed plugins")).to_be_visible()
    stats = t.call("xts/getstats")["stats"]
    table = page.locator("#about table").first
    shown = [[c.strip() for c in row.locator("td").all_inner_texts()]
             for row in table.locator("tbody tr").all()]
    assert [r[:3] for r in shown] == [[p["name"], p["distribution"], p["version"]]
                                      for p in stats["plugin"]]
    names = {r[0] for r in shown}
    assert {"tickets", "cafe", "money"} <= names
    expect(page.locator("#about")).to_contain_text("Box office 1")
    expect(page.locator("#about")).to_contain_text("Europe/London")
    shoot(page, "35-about")
