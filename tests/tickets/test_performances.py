"""getperformances, getperformance, getprogramme, getnowandnext and getticketcounts (API.md §5).

The clock stands at Mon 30 Nov 2026 12:00 (see conftest): Hamlet played on Sun 29 Nov and plays
Tue 1 Dec (10 seats) and Wed 2 Dec (120 seats, 4 held back); Macbeth started at 11:30 today and
plays again at 19:00 (5 seats).
"""

from __future__ import annotations


def test_getperformances_ordered_with_status_and_available(venue):
    body = venue.call("tickets/getperformances", {"show": venue.ids["Hamlet"]}, key=False)
    assert body["show"] == venue.ids["Hamlet"]
    assert body["performances"] == [
        {"id": venue.ids["Hamlet@2026-11-29T19:30"], "start": "2026-11-29T19:30:00+00:00",
         "capacity": 50, "available": 50, "status": "past"},
        {"id": venue.ids["Hamlet@2026-12-01T19:30"], "start": "2026-12-01T19:30:00+00:00",
         "capacity": 10, "available": 10, "status": "onsale"},
        {"id": venue.ids["Hamlet@2026-12-02T19:30"], "start": "2026-12-02T19:30:00+00:00",
         "capacity": 120, "available": 116, "status": "onsale"},
    ]


def test_getperformances_xml_and_current(venue):
    root = venue.xml("tickets/getperformances", {"show": venue.ids["Macbeth"]})
    perfs = root.find("performances")
    assert perfs.get("show") == str(venue.ids["Macbeth"])
    assert [(p.get("start"), p.get("status")) for p in perfs] == [
        ("2026-11-30T11:30:00+00:00", "onsale"),   # started 30 minutes ago: still sold
        ("2026-11-30T19:00:00+00:00", "onsale")]
    body = venue.call("tickets/getperformances", {"show": venue.ids["Macbeth"], "current": 1})
    assert [p["start"] for p in body["performances"]] == ["2026-11-30T19:00:00+00:00"]


def test_status_past_after_60_minutes_and_soldout(venue):
    perf = venue.ids["Macbeth@2026-11-30T19:00"]
    venue.sell(perf, venue.ids["Macbeth/Guest"], 5)
    venue.clock.advance(minutes=30)           # 11:30 started exactly 60 minutes ago
    body = venue.call("tickets/getperformances", {"show": venue.ids["Macbeth"]})
    assert [(p["status"], p["available"]) for p in body["performances"]] == [
        ("onsale", 30), ("soldout", 0)]
    venue.clock.advance(seconds=1)
    body = venue.call("tickets/getperformances", {"show": venue.ids["Macbeth"]})
    assert [p["status"] for p in body["performances"]] == ["past", "soldout"]


def test_getperformances_errors(venue):
    assert venue.call("tickets/getperformances", {"show": 999}, status=404)["error"][
        "param"] == "show"
    assert venue.call("tickets/getperformances", {}, status=400)["error"]["param"] == "show"
    assert venue.call("tickets/getperformances", {"show": venue.ids["Hamlet"],
                                                  "current": "2"}, status=400
                      )["error"]["param"] == "current"


def test_getperformance_counts_and_tickettypes(venue):
    perf = venue.ids["Hamlet@2026-12-01T19:30"]
    adult, concession = venue.ids["Hamlet/Adult"], venue.ids["Hamlet/Concession"]
    venue.sell(perf, adult, 2)
    venue.add(venue.basket(), perf, concession, 1)
    body = venue.call("tickets/getperformance", {"performance": perf}, key=False)
    p = body["performance"]
    assert p["id"] == perf and p["show"] == venue.ids["Hamlet"] and p["showname"] == "Hamlet"
    assert p["start"] == "2026-12-01T19:30:00+00:00" and p["status"] == "onsale"
    assert p["counts"] == {"performance": perf, "capacity": 10, "sold": 2, "reserved": 1,
                           "heldback": 0, "available": 7, "admitted": 0}
    assert p["tickettypes"] == [
        {"id": adult, "name": "Adult", "price": "12.00", "sold": 2, "reserved": 0},
        {"id": concession, "name": "Concession", "price": "8.00", "sold": 0, "reserved": 1},
    ]
    root = venue.xml("tickets/getperformance", {"performance": perf})
    el = root.find("performance")
    assert el.get("showname") == "Hamlet" and el.get("status") == "onsale"
    assert el.find("counts").get("available") == "7"
    assert [t.get("sold") for t in el.find("tickettypes")] == ["2", "0"]


def test_getperformance_not_found(venue):
    body = venue.call("tickets/getperformance", {"performance": 777}, status=404)
    assert body["error"] == {"code": "not_found", "message": "no performance 777",
                             "param": "performance"}
    assert venue.call("tickets/getperformance", {"performance": "-1"}, status=400)[
        "error"]["param"] == "performance"


# -- the programme ---------------------------------------------------------------------------

def _programme(venue, **params):
    body = venue.call("tickets/getprogramme", params, key=False)
    return body, [(s["name"], [p["start"][:16] for p in s["performance"]])
                  for s in body["programme"]]


def test_getprogramme_default_window_from_now(venue):
    body, shows = _programme(venue)
    assert body["from"] == "2026-11-30T12:00:00+00:00"
    assert body["until"] == "2026-12-14T12:00:00+00:00"
    # ordered by each show's next performance; Macbeth's 11:30 started before "from"
    assert shows == [("Macbeth", ["2026-11-30T19:00"]),
                     ("Hamlet", ["2026-12-01T19:30", "2026-12-02T19:30"])]
    perf = body["programme"][1]["performance"][1]
    assert perf == {"id": venue.ids["Hamlet@2026-12-02T19:30"],
                    "start": "2026-12-02T19:30:00+00:00", "available": 116, "status": "onsale"}


def test_getprogramme_days_limit_and_from(venue):
    _, shows = _programme(venue, days=1)
    assert shows == [("Macbeth", ["2026-11-30T19:00"])]
    _, shows = _programme(venue, limit=1)
    assert shows == [("Macbeth", ["2026-11-30T19:00"]), ("Hamlet", ["2026-12-01T19:30"])]
    body, shows = _programme(venue, **{"from": "2026-11-29", "days": 2})
    assert body["from"] == "2026-11-29T00:00:00+00:00"
    assert shows == [("Hamlet", ["2026-11-29T19:30"]),
                     ("Macbeth", ["2026-11-30T11:30", "2026-11-30T19:00"])]
    assert body["programme"][0]["performance"][0]["status"] == "past"


def test_a_time_before_standard_time_is_answered_in_utc(venue):
    # Found by fuzzing: London's local mean time before 1847 is 1 minute 15 seconds behind UTC,
    # and an offset in seconds ("-00:01:15") is not an RFC 3339 date-time.
    body, shows = _programme(venue, **{"from": "1105-03-04T18:44:11", "days": 1})
    assert (body["from"], body["until"]) == ("1105-03-04T18:45:26+00:00",
                                             "1105-03-05T18:45:26+00:00")
    assert shows == []


def test_getprogramme_days_are_venue_calendar_days(venue):
    # The clocks go forward on Sun 29 Mar 2026: that day has 23 hours in London.
    body, _ = _programme(venue, **{"from": "2026-03-28T12:00", "days": 1})
    assert body["from"] == "2026-03-28T12:00:00+00:00"
    assert body["until"] == "2026-03-29T12:00:00+01:00"
    venue.load({"shows": [{"name": "Spring", "performances": [
        {"start": "2026-03-29T11:30", "capacity": 5},     # 10:30 UTC: inside
        {"start": "2026-03-29T12:30", "capacity": 5}]}]})  # 11:30 UTC: outside
    _, shows = _programme(venue, **{"from": "2026-03-28T12:00", "days": 1})
    assert shows == [("Spring", ["2026-03-29T11:30"])]


def test_getprogramme_xml(venue):
    root = venue.xml("tickets/getprogramme", {"days": 3})
    prog = root.find("programme")
    assert prog.get("from") == "2026-11-30T12:00:00+00:00"
    assert prog.get("until") == "2026-12-03T12:00:00+00:00"
    assert [s.get("name") for s in prog] == ["Macbeth", "Hamlet"]
    assert [p.get("available") for p in prog[1]] == ["10", "116"]


def test_getprogramme_bad_params(venue):
    for params, name in (({"days": 0}, "days"), ({"days": 367}, "days"), ({"limit": 0}, "limit"),
                         ({"limit": 51}, "limit"), ({"from": "soon"}, "from")):
        body = venue.call("tickets/getprogramme", params, status=400)
        assert body["error"]["code"] == "bad_param"
        assert body["error"]["param"] == name
    assert venue.call("tickets/getprogramme", {"days": 366, "limit": 50})["status"] == "ok"


# -- now and next ----------------------------------------------------------------------------

def test_getnowandnext(venue):
    body = venue.call("tickets/getnowandnext", key=False)
    perfs = body["nowandnext"]
    assert [(p["showname"], p["start"][:16]) for p in perfs] == [
        ("Macbeth", "2026-11-30T11:30"), ("Macbeth", "2026-11-30T19:00"),
        ("Hamlet", "2026-12-01T19:30"), ("Hamlet", "2026-12-02T19:30")]
    assert perfs[3] == {
        "id": venue.ids["Hamlet@2026-12-02T19:30"], "show": venue.ids["Hamlet"],
        "showname": "Hamlet", "start": "2026-12-02T19:30:00+00:00", "status": "onsale",
        "counts": {"performance": venue.ids["Hamlet@2026-12-02T19:30"], "capacity": 120,
                   "sold": 0, "reserved": 0, "heldback": 4, "available": 116,
                   "admitted": 0}}
    perfs = venue.call("tickets/getnowandnext", {"n": 2})["nowandnext"]
    assert [p["start"][:16] for p in perfs] == ["2026-11-30T11:30", "2026-11-30T19:00"]


def test_getnowandnext_drops_a_performance_60_minutes_after_its_start(venue):
    venue.clock.advance(minutes=30)          # 11:30 started exactly 60 minutes ago
    root = venue.xml("tickets/getnowandnext", {"n": 1})
    perf = root.find("nowandnext/performance")
    assert perf.get("start") == "2026-11-30T11:30:00+00:00"
    assert perf.find("counts").get("capacity") == "30"
    venue.clock.advance(seconds=1)
    root = venue.xml("tickets/getnowandnext", {"n": 1})
    assert root.find("nowandnext/performance").get("start") == "2026-11-30T19:00:00+00:00"


def test_getnowandnext_bad_n(venue):
    for n in ("0", "51", "x"):
        assert venue.call("tickets/getnowandnext", {"n": n}, status=400)["error"][
            "param"] == "n"


# -- ticket counts ---------------------------------------------------------------------------

def test_getticketcounts_in_the_order_asked(venue):
    a, b = venue.ids["Hamlet@2026-12-02T19:30"], venue.ids["Macbeth@2026-11-30T19:00"]
    venue.sell(b, venue.ids["Macbeth/Standard"], 2)
    body = venue.call("tickets/getticketcounts", {"performance": f"{a},{b},{a}"}, key=False)
    assert body["ticketcounts"] == [
        {"performance": a, "capacity": 120, "sold": 0, "reserved": 0, "heldback": 4,
         "available": 116},
        {"performance": b, "capacity": 5, "sold": 2, "reserved": 0, "heldback": 0,
         "available": 3},
    ]
    root = venue.xml("tickets/getticketcounts", {"performance": str(b)})
    counts = root.find("ticketcounts")
    assert len(counts) == 1
    assert dict(counts[0].attrib) == {"performance": str(b), "capacity": "5", "sold": "2",
                                      "reserved": "0", "heldback": "0", "available": "3"}


def test_getticketcounts_unknown_id_is_not_found(venue):
    a = venue.ids["Hamlet@2026-12-02T19:30"]
    body = venue.call("tickets/getticketcounts", {"performance": f"{a},9998,9999"}, status=404)
    assert body["error"]["code"] == "not_found"
    assert body["error"]["param"] == "performance"
    assert "9998, 9999" in body["error"]["message"]


def test_getticketcounts_takes_up_to_100_ids(venue):
    a = venue.ids["Hamlet@2026-12-02T19:30"]
    hundred = ",".join([str(a)] + [str(10000 + i) for i in range(99)])
    # 100 ids are accepted (and the unknown ones found out)...
    assert venue.call("tickets/getticketcounts", {"performance": hundred}, status=404)[
        "error"]["param"] == "performance"
    # ...101 are not
    body = venue.call("tickets/getticketcounts", {"performance": hundred + ",1"}, status=400)
    assert body["error"]["code"] == "bad_param" and body["error"]["param"] == "performance"


def test_getticketcounts_malformed(venue):
    for value in ("", "1,,2", "1,x", "0", "1;2"):
        body = venue.call("tickets/getticketcounts", {"performance": value}, status=400)
        assert body["error"]["param"] == "performance", value
    assert venue.call("tickets/getticketcounts", {}, status=400)["error"]["param"] == \
        "performance"
