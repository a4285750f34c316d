"""getshows, getshow and gettickettypes (API.md §5), in XML and JSON."""

from __future__ import annotations


def test_getshows_json_ordered_by_first_performance(venue):
    body = venue.call("tickets/getshows", key=False)
    assert body["status"] == "ok"
    shows = body["shows"]
    assert [s["name"] for s in shows] == ["Hamlet", "Macbeth", "Pericles"]
    hamlet, macbeth, pericles = shows
    assert hamlet == {"id": venue.ids["Hamlet"], "name": "Hamlet", "performances": 3,
                      "first": "2026-11-29T19:30:00+00:00",
                      "last": "2026-12-02T19:30:00+00:00",
                      "next": "2026-12-01T19:30:00+00:00"}
    assert macbeth["first"] == "2026-11-30T11:30:00+00:00"
    assert macbeth["performances"] == 2
    # a show without performances: no first/last, listed last
    assert pericles == {"id": venue.ids["Pericles"], "name": "Pericles", "performances": 0}


def test_getshows_xml(venue):
    root = venue.xml("tickets/getshows", key=False)
    assert root.get("servlet") == "tickets" and root.get("command") == "getshows"
    shows = root.find("shows")
    assert [s.get("name") for s in shows] == ["Hamlet", "Macbeth", "Pericles"]
    assert shows[0].get("first") == "2026-11-29T19:30:00+00:00"
    assert shows[0].get("performances") == "3"
    assert shows[2].get("first") is None and shows[2].get("last") is None


def test_getshows_current_only_shows_with_a_performance_not_yet_started(venue):
    current = venue.call("tickets/getshows", {"current": "yes"})["shows"]
    assert [s["name"] for s in current] == ["Hamlet", "Macbeth"]
    # a current show's figures still cover its past performances (Hamlet's first has started)
    assert current == venue.call("tickets/getshows")["shows"][:2]
    assert current[0]["performances"] == 3 and current[0]["first"] == "2026-11-29T19:30:00+00:00"
    # Macbeth's last performance starts 19:00 today; a minute after it, Macbeth is not current
    venue.clock.advance(hours=7, minutes=1)
    names = [s["name"] for s in venue.call("tickets/getshows", {"current": "1"})["shows"]]
    assert names == ["Hamlet"]
    names = [s["name"] for s in venue.call("tickets/getshows", {"current": "false"})["shows"]]
    assert names == ["Hamlet", "Macbeth", "Pericles"]


def test_getshows_order_follows_first_performance_not_name(venue):
    venue.load({"shows": [{"name": "Antigone", "performances": [
        {"start": "2027-01-05T19:30", "capacity": 10}]}]})
    venue.load({"shows": [{"name": "Zeno", "performances": [
        {"start": "2026-11-01T19:30", "capacity": 10}]}]})
    names = [s["name"] for s in venue.call("tickets/getshows")["shows"]]
    assert names == ["Zeno", "Hamlet", "Macbeth", "Antigone", "Pericles"]


def test_getshows_bad_current(venue):
    body = venue.call("tickets/getshows", {"current": "maybe"}, status=400)
    assert body["error"]["code"] == "bad_param"
    assert body["error"]["param"] == "current"


def test_getshow_json(venue):
    body = venue.call("tickets/getshow", {"show": venue.ids["Hamlet"]}, key=False)
    show = body["show"]
    assert show["id"] == venue.ids["Hamlet"]
    assert show["name"] == "Hamlet"
    assert show["performances"] == 3
    assert show["description"] == "A prince hesitates."
    assert show["publicity"] == {
        "text": "Tickets selling fast.", "company": "Riverside Players", "runningtime": 180,
        "ageguidance": "12+", "image": "https://example.org/hamlet.jpg",
        "link": "https://example.org/hamlet"}
    assert show["firstperformance"] == {"id": venue.ids["Hamlet@2026-11-29T19:30"],
                                        "start": "2026-11-29T19:30:00+00:00"}
    assert show["lastperformance"] == {"id": venue.ids["Hamlet@2026-12-02T19:30"],
                                       "start": "2026-12-02T19:30:00+00:00"}


def test_getshow_xml(venue):
    root = venue.xml("tickets/getshow", {"show": venue.ids["Macbeth"]}, key=False)
    show = root.find("show")
    assert show.get("name") == "Macbeth" and show.get("performances") == "2"
    assert show.find("description").text == "A thane listens to witches."
    publicity = show.find("publicity")
    assert publicity.text == "Not for the faint-hearted."
    assert publicity.get("company") is None  # optional fields absent
    assert show.find("firstperformance").get("start") == "2026-11-30T11:30:00+00:00"
    assert show.find("lastperformance").get("start") == "2026-11-30T19:00:00+00:00"


def test_getshow_without_performances_has_no_first_or_last(venue):
    show = venue.call("tickets/getshow", {"show": venue.ids["Pericles"]})["show"]
    assert show["performances"] == 0
    assert "firstperformance" not in show and "lastperformance" not in show


def test_getshow_not_found_names_show(venue):
    body = venue.call("tickets/getshow", {"show": 999999}, status=404)
    assert body["error"]["code"] == "not_found"
    assert body["error"]["param"] == "show"
    root = venue.xml("tickets/getshow", {"show": 999999}, status=404)
    assert root.get("status") == "error"
    assert root.find("error").get("code") == "not_found"
    assert root.find("error").get("param") == "show"


def test_getshow_needs_a_valid_show(venue):
    for params in ({}, {"show": "abc"}, {"show": "0"}, {"show": str(2**63)}):
        body = venue.call("tickets/getshow", params, status=400)
        assert body["error"]["code"] == "bad_param"
        assert body["error"]["param"] == "show"


def test_gettickettypes(venue):
    body = venue.call("tickets/gettickettypes", {"show": venue.ids["Macbeth"]}, key=False)
    assert body["show"] == venue.ids["Macbeth"]
    assert body["tickettypes"] == [
        {"id": venue.ids["Macbeth/Standard"], "name": "Standard", "price": "10.00"},
        {"id": venue.ids["Macbeth/Guest"], "name": "Guest", "price": "0.00"},
    ]
    root = venue.xml("tickets/gettickettypes", {"show": venue.ids["Hamlet"]})
    tts = root.find("tickettypes")
    assert tts.get("show") == str(venue.ids["Hamlet"])
    assert [(t.get("name"), t.get("price")) for t in tts] == [("Adult", "12.00"),
                                                              ("Concession", "8.00")]


def test_gettickettypes_not_found(venue):
    body = venue.call("tickets/gettickettypes", {"show": 424242}, status=404)
    assert body["error"]["param"] == "show"
    body = venue.call("tickets/gettickettypes", {}, status=400)
    assert body["error"]["param"] == "show"


def test_public_reads_need_no_credential_and_are_not_cached(venue):
    resp = venue.get("/v2/tickets/getshows")
    assert resp.status_int == 200
    assert resp.headers["Cache-Control"] == "no-store"
    resp = venue.post("/v2/tickets/getshow", {"show": venue.ids["Hamlet"], "format": "json"})
    assert resp.json["show"]["name"] == "Hamlet"
