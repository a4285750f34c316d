"""getprogramme against the same answer worked out from getperformances: for many windows and
limits, each show's first ``limit`` performances in [from, until), shows by their first one (ties
by performance id), with available and status. The programme ranks per show by a window function
on PostgreSQL and by index seeks on SQLite; both must give this answer.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _season(rng: random.Random) -> dict:
    shows = []
    for s in range(6):
        starts = set()
        while len(starts) < 4 + 3 * s:
            # whole hours from 10 days ago to 20 days ahead: shows often share a start
            starts.add(NOW + timedelta(hours=rng.randrange(-240, 480, 6)))
        shows.append({"name": f"Ranked {s}", "tickettypes": [{"name": "Adult", "price": "5"}],
                      "performances": [{"start": t.strftime("%Y-%m-%dT%H:%M"),
                                        "capacity": rng.choice([1, 2, 50])}
                                       for t in sorted(starts)]})
    return {"shows": shows}


def _expected(performances: list[dict], start: datetime, until: datetime, limit: int) -> list:
    by_show: dict[int, list[dict]] = {}
    for p in sorted(performances, key=lambda p: (p["start_dt"], p["id"])):
        if start <= p["start_dt"] < until and len(by_show.setdefault(p["show"], [])) < limit:
            by_show[p["show"]].append(p)
    firsts = sorted((perfs[0]["start_dt"], perfs[0]["id"], show)
                    for show, perfs in by_show.items() if perfs)
    return [(show, [(p["id"], p["start"], p["available"], p["status"]) for p in by_show[show]])
            for _, _, show in firsts]


def test_programme_is_each_shows_first_performances_in_the_window(venue):
    rng = random.Random(7)
    venue.load(_season(rng))
    performances = []
    for show in venue.call("tickets/getshows")["shows"]:
        if not show["name"].startswith("Ranked"):
            continue
        adult = venue.call("tickets/gettickettypes", {"show": show["id"]})["tickettypes"][0]
        for p in venue.call("tickets/getperformances", {"show": show["id"]})["performances"]:
            if p["status"] == "onsale" and rng.random() < 0.4:
                venue.sell(p["id"], adult["id"], min(p["available"], rng.choice([1, 2])))
    for show in venue.call("tickets/getshows")["shows"]:
        if show["name"].startswith("Ranked"):
            for p in venue.call("tickets/getperformances", {"show": show["id"]})["performances"]:
                performances.append({**p, "show": show["id"],
                                     "start_dt": datetime.fromisoformat(p["start"])})
    assert any(p["status"] == "soldout" for p in performances)
    assert any(p["status"] == "past" for p in performances)

    for _ in range(25):
        start = NOW + timedelta(hours=rng.randrange(-300, 500, 6))
        days, limit = rng.choice([1, 2, 5, 14, 30]), rng.choice([1, 2, 3, 7, 50])
        body = venue.call("tickets/getprogramme", {
            "from": start.strftime("%Y-%m-%dT%H:%M"), "days": days, "limit": limit}, key=False)
        until = datetime.fromisoformat(body["until"])
        got = [(s["id"], [(p["id"], p["start"], p["available"], p["status"])
                          for p in s["performance"]])
               for s in body["programme"] if s["name"].startswith("Ranked")]
        assert got == _expected(performances, start, until, limit), (start, days, limit)
