"""A door that survives the wifi: the server stops mid-scan and the screen says so at once (no
green it cannot vouch for); with the staff's consent it admits from the door list it saved
(hashes of the codes, never the codes), marks those admissions offline and queues them; when
the server answers again they are uploaded with their opids, and one that another door had
admitted meanwhile is shown as a conflict."""

from __future__ import annotations

import re

from browser_till import SECOND_KEY, run_axe
from playwright.sync_api import expect
from test_door_screen import open_door, sell

from xts2_core.testing import eventually

SAVED_HASHES = """() => Object.keys(localStorage).filter((k) => k.startsWith('xts2.door.saved.'))
  .map((k) => JSON.parse(localStorage.getItem(k))).map((s) => Object.keys(s.hashes).length)"""


def test_offline_admissions_are_queued_uploaded_and_conflicts_shown(till, shoot):
    t = till()
    dalloway = sell(t, "Mrs Dalloway", [("Adult", 2)])
    woolf = sell(t, "Mrs Woolf", [("Concession", 1)])
    ramsay = sell(t, "Mr Ramsay", [("Adult", 1)])
    page = open_door(t)
    answer = page.locator("#door-answer")
    field = page.get_by_label("Scan or type a ticket code")
    # The door list is saved with a hash of each of the 4 codes, and no code in the clear.
    eventually(lambda: 4 in page.evaluate(SAVED_HASHES), what="the 4 codes' hashes saved")
    stored = page.evaluate("() => JSON.stringify(localStorage)")
    for code in dalloway["codes"] + woolf["codes"] + ramsay["codes"]:
        assert code not in stored
    # Mr Ramsay came in while the server answered; it went away before the door list was read
    # again, so the saved list knows it from the answer to his scan.
    page.route("**/v2/tickets/getdoorlist*", lambda route: route.abort("connectionrefused"))
    page.keyboard.type(ramsay["codes"][0] + "\n")
    expect(answer).to_have_attribute("data-result", "admitted")
    t.server.stop()
    page.unroute("**/v2/tickets/getdoorlist*")
    # A scan now: the screen says at once that nothing was checked.
    page.keyboard.type(dalloway["codes"][0] + "\n")
    expect(answer).to_have_attribute("data-result", "down")
    expect(answer).to_contain_text("No answer from the server")
    expect(answer).to_contain_text("not checked")
    expect(answer).to_have_attribute("data-sound", "no")
    banner = page.get_by_role("alert").filter(has_text="The server is not answering")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("4 tickets")
    shoot(page, "door-server-down-1280")

    # The staff consent to admitting from the saved list.
    banner.get_by_role("button", name="Admit from the saved list").click()
    expect(field).to_be_focused()
    page.keyboard.type(dalloway["codes"][0] + "\n")
    expect(answer).to_have_attribute("data-result", "offline")
    expect(answer).to_contain_text("Admitted offline")
    expect(answer).to_contain_text("Adult · Mrs Dalloway")
    expect(answer).to_have_attribute("data-sound", "yes")
    expect(field).to_be_focused()
    expect(field).to_have_value("")
    page.keyboard.type(dalloway["codes"][0] + "\n")  # the same ticket again: no
    expect(answer).to_have_attribute("data-result", "alreadyadmitted")
    expect(answer).to_contain_text("offline, here")
    page.keyboard.type(ramsay["codes"][0] + "\n")  # in before the server went: no
    expect(answer).to_have_attribute("data-result", "alreadyadmitted")
    page.keyboard.type("BCDEBCDEBCDEBCDEBCDE\n")
    expect(answer).to_have_attribute("data-result", "no")
    expect(answer).to_contain_text("Not on the saved list")
    page.keyboard.type(woolf["codes"][0] + "\n")
    expect(answer).to_have_attribute("data-result", "offline")
    # Mrs Dalloway's second ticket, by name (she left it at home).
    page.get_by_label("Find a booking by name").fill("dallo")
    page.get_by_role("button", name=re.compile("^Admit Adult .*Mrs Dalloway")).click()
    expect(answer).to_have_attribute("data-result", "offline")
    expect(answer).to_contain_text("Adult · Mrs Dalloway")
    expect(field).to_be_focused()
    page.get_by_label("Find a booking by name").fill("")
    expect(page.get_by_role("status").filter(has_text="waiting to be uploaded")).to_contain_text(
        "3 offline admissions")
    expect(page.locator("#door-admitted")).to_have_text("4")
    shoot(page, "door-offline-1280")
    assert run_axe(page) == []

    # The server comes back, but this door does not hear it yet; another door admits Mrs Woolf.
    page.route("**/v2/**", lambda route: route.abort("connectionrefused"))
    t.server.start()
    first, t.server.terminal_key = t.server.terminal_key, SECOND_KEY
    other = t.call("tickets/checkin", {"code": woolf["codes"][0],
                                       "performance": woolf["performance"]})["checkin"]
    assert other["result"] == "admitted"
    t.server.terminal_key = first
    page.unroute("**/v2/**")

    told = page.get_by_role("status").filter(has_text="Back online")
    expect(told).to_contain_text("3 offline admissions uploaded")
    conflicts = page.get_by_role("alert").filter(has_text="disagreed")
    expect(conflicts).to_contain_text(re.compile(r"Concession …\w{4}, Mrs Woolf: admitted offline "
                                                 r"here at \d\d:\d\d, but the server says: "
                                                 r"Already admitted .* at Box office 2"))
    expect(page.get_by_role("status").filter(has_text="waiting to be uploaded")).to_have_count(0)
    shoot(page, "door-conflict-1280")
    doorlist = t.call("tickets/getdoorlist", {"performance": dalloway["performance"]})["doorlist"]
    assert (doorlist["admitted"], doorlist["tocome"]) == (4, 0)
    # The server's return took no focus: the name search, used last, still has it, and a scanner
    # typing there is a scan, now checked by the server again.
    expect(page.get_by_label("Find a booking by name")).to_be_focused()
    page.keyboard.type(dalloway["codes"][1] + "\n")
    expect(answer).to_have_attribute("data-result", "alreadyadmitted")
    expect(page.locator("#door-admitted")).to_have_text("4")
    conflicts.get_by_role("button", name="Seen: clear this list").click()
    expect(conflicts).to_have_count(0)
    expect(field).to_be_focused()


def test_a_lost_answer_scanned_again_is_sent_with_the_same_opid(till):
    """The server admitted the ticket but its answer was lost: the second scan is the same request
    (same opid), so the door shows "admitted", not "already admitted"."""
    t = till()
    dalloway = sell(t, "Mrs Dalloway", [("Adult", 1)])
    page = open_door(t)
    answer = page.locator("#door-answer")
    seen: list[str] = []

    def lose_the_answer(route):
        seen.append(route.request.url)
        if len(seen) == 1:
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/v2/tickets/checkin*", lose_the_answer)
    page.keyboard.type(dalloway["codes"][0] + "\n")
    expect(answer).to_have_attribute("data-result", "down")
    page.keyboard.type(dalloway["codes"][0] + "\n")
    expect(answer).to_have_attribute("data-result", "admitted")
    opids = [re.search(r"opid=([^&]+)", u)[1] for u in seen]
    assert len(opids) == 2 and opids[0] == opids[1]
