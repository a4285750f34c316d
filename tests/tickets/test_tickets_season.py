"""The ``shows`` season section: loading, idempotence, updates, bad values and the demo
(API.md §10). Bad files go through the operator's ``xts2 load`` so the messages are checked as
the operator reads them, with line and field."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from xts2_core import SeasonError
from xts2_tickets.season import demo_shows


def _xts2(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    ini = tmp_path / "cli.ini"
    ini.write_text(f"[app:main]\nuse = egg:xts2\nsqlalchemy.url = {url}\nxts2.plugins = tickets\n"
                   "xts2.argon2.time_cost = 1\nxts2.argon2.memory_cost = 64\n"
                   "xts2.argon2.parallelism = 1\n")
    exe = Path(sys.executable).with_name("xts2")
    return subprocess.run([str(exe), args[0], str(ini), *args[1:]], capture_output=True,
                          text=True, timeout=120)


def _snapshot(venue: Any) -> Any:
    shows = venue.call("tickets/getshows")["shows"]
    return [(s, venue.call("tickets/getshow", {"show": s["id"]})["show"],
             venue.call("tickets/getperformances", {"show": s["id"]})["performances"],
             venue.call("tickets/gettickettypes", {"show": s["id"]})["tickettypes"])
            for s in shows]


def test_loading_twice_changes_nothing(venue, season):
    before = _snapshot(venue)
    assert venue.load(season) == {"shows": 3}
    assert _snapshot(venue) == before


def test_start_is_venue_local_time_unless_it_has_an_offset(venue):
    venue.load({"shows": [{"name": "Summer", "performances": [
        {"start": "2026-07-01T19:30", "capacity": 5},
        {"start": "2026-07-02T19:30:00+00:00", "capacity": 5},
        {"start": datetime(2026, 7, 3, 19, 30), "capacity": 5}]}]})  # as YAML gives it
    show = next(s for s in venue.call("tickets/getshows")["shows"] if s["name"] == "Summer")
    perfs = venue.call("tickets/getperformances", {"show": show["id"]})["performances"]
    assert [p["start"] for p in perfs] == ["2026-07-01T19:30:00+01:00",
                                           "2026-07-02T20:30:00+01:00",
                                           "2026-07-03T19:30:00+01:00"]


def test_updates_match_by_name_and_start(venue):
    hamlet = venue.ids["Hamlet"]
    venue.load({"shows": [{
        "name": "Hamlet", "description": "New words.", "publicity": "Last week!",
        "tickettypes": [{"name": "Adult", "price": "13.50"}, {"name": "Student", "price": 5}],
        "performances": [{"start": "2026-12-01T19:30", "capacity": 12},
                         {"start": "2026-12-02T19:30", "capacity": 100},
                         {"start": "2026-12-03T19:30", "capacity": 90, "heldback": 2}]}]})
    show = venue.call("tickets/getshow", {"show": hamlet})["show"]
    assert show["description"] == "New words."
    assert show["publicity"] == {"text": "Last week!"}  # optional fields left out are cleared
    assert show["performances"] == 4                   # nothing dropped
    tts = venue.call("tickets/gettickettypes", {"show": hamlet})["tickettypes"]
    assert [(t["name"], t["price"]) for t in tts] == [
        ("Adult", "13.50"), ("Concession", "8.00"), ("Student", "5.00")]
    assert tts[0]["id"] == venue.ids["Hamlet/Adult"]
    perfs = venue.call("tickets/getticketcounts", {"performance": ",".join(str(venue.ids[k]) for k in (
        "Hamlet@2026-12-01T19:30", "Hamlet@2026-12-02T19:30"))})["ticketcounts"]
    assert [(c["capacity"], c["heldback"]) for c in perfs] == [(12, 0), (100, 4)]  # kept
    assert venue.call("tickets/getshows")["shows"][0]["last"] == "2026-12-03T19:30:00+00:00"


@pytest.mark.parametrize(("entry", "expected"), [
    ({"name": "X", "tickettypes": [{"name": "Adult", "price": "12.345"}]},
     "shows[0] field 'tickettypes.0.price': must be an amount with at most two decimal places"),
    ({"name": "X", "tickettypes": [{"name": "Adult", "price": "-1"}]},
     "field 'tickettypes.0.price'"),
    ({"name": "X", "tickettypes": [{"name": "Adult", "price": True}]},
     "field 'tickettypes.0.price'"),
    ({"name": "X", "tickettypes": [{"name": "Adult", "price": float("inf")}]},
     "field 'tickettypes.0.price': must be an amount such as 12.50, not NaN or infinity"),
    ({"name": "X", "performances": [{"start": "tomorrow", "capacity": 5}]},
     "shows[0] field 'performances.0.start': must be a date and time such as 2026-12-01T19:30"),
    ({"name": "X", "performances": [{"start": "0001-01-01T00:00+01:00", "capacity": 5}]},
     "field 'performances.0.start': must be a date and time between the years 1000 and 8999"),
    ({"name": "X", "performances": [{"start": date(2026, 12, 1), "capacity": 5}]},
     "field 'performances.0.start': must be a date and time such as 2026-12-01T19:30"),
    ({"name": "X", "performances": [{"start": "2026-12-01T19:30", "capacity": -5}]},
     "field 'performances.0.capacity'"),
    ({"name": "X", "performances": [{"start": "2026-12-01T19:30"}]},
     "field 'performances.0.capacity'"),
    ({"name": "X", "performances": [{"start": "2026-12-01T19:30", "capacity": 5,
                                     "heldback": 6}]},
     "heldback (6) is more than the capacity (5)"),
    ({"name": "X", "prize": 12}, "field 'prize'"),
    ({"description": "no name"}, "field 'name'"),
    ({"name": "  "}, "field 'name'"),
    ({"name": "X", "tickettypes": [{"name": " ", "price": 1}]}, "field 'tickettypes.0.name'"),
    ({"name": "X", "runningtime": 0}, "field 'runningtime'"),
    ({"name": "X", "tickettypes": [{"name": "A", "price": 1}, {"name": "A", "price": 2}]},
     "ticket type 'A' is listed twice"),
    ({"name": "X", "performances": [{"start": "2026-12-01T19:30", "capacity": 5},
                                    {"start": "2026-12-01T19:30:00+00:00", "capacity": 6}]},
     "show 'X': two performances start at 2026-12-01T19:30"),
])
def test_bad_values_fail_clearly_and_change_nothing(venue, entry, expected):
    before = venue.call("tickets/getshows")
    with pytest.raises(SeasonError) as exc:
        venue.load({"shows": [{"name": "Good"}, entry]})
    assert expected.replace("shows[0]", "shows[1]") in str(exc.value)
    assert venue.call("tickets/getshows") == before


def test_a_show_listed_twice(venue):
    with pytest.raises(SeasonError, match="show 'X' is listed twice"):
        venue.load({"shows": [{"name": "X"}, {"name": "X"}]})


@pytest.mark.parametrize(("yaml", "expected"), [
    ('shows:\n  - name: X\n    tickettypes:\n      - {name: Adult, price: "12.345"}\n',
     "line 4: shows[0] field 'tickettypes.0.price': must be an amount with at most two decimal "
     "places"),
    ("shows:\n  - name: X\n    tickettypes:\n      - {name: Adult, price: 12.50}\n"
     "      - {name: Child, price: 8.355}\n",
     "line 5: shows[0] field 'tickettypes.1.price': must be an amount with at most two decimal "
     "places"),
    ("shows:\n  - name: X\n    performances:\n      - start: tomorrow\n        capacity: 5\n",
     "line 4: shows[0] field 'performances.0.start': must be a date and time such as "
     "2026-12-01T19:30"),
    ("shows:\n  - name: X\n    performances:\n      - {start: '2026-12-01T19:30', capacity: 5}\n"
     "      - {start: '2026-12-01T19:30:00+00:00', capacity: 6}\n",
     "line 5: shows[0] field 'performances.1.start': show 'X': two performances start at "
     "2026-12-01T19:30"),
    ("shows:\n  - name: X\n  - name: Y\n  - name: X\n",
     "line 4: shows[2] field 'name': show 'X' is listed twice"),
    ("shows:\n  - name: X\n    tickettypes:\n      - {name: A, price: 1}\n      - {name: A, price: 2}\n",
     "line 3: shows[0] field 'tickettypes': ticket type 'A' is listed twice"),
])
def test_xts2_load_names_line_and_field(venue, xts2_database_url, tmp_path, yaml, expected):
    before = venue.call("tickets/getshows")
    path = tmp_path / "season.yaml"
    path.write_text(yaml)
    result = _xts2(tmp_path, xts2_database_url, "load", str(path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert expected in result.stderr
    assert "nothing changed" in result.stderr
    assert venue.call("tickets/getshows") == before


def test_cli_load_of_a_good_file(venue, xts2_database_url, tmp_path):
    path = tmp_path / "season.yaml"
    path.write_text(
        "shows:\n"
        "  - name: Hamlet\n"
        "    description: A prince hesitates.\n"
        "    publicity: Tickets selling fast.\n"
        '    tickettypes: [{name: Adult, price: "12.00"}, {name: Concession, price: 8}]\n'
        '    performances: [{start: "2026-12-01T19:30", capacity: 120}]\n')
    result = _xts2(tmp_path, xts2_database_url, "load", str(path))
    assert result.returncode == 0, result.stderr
    assert "loaded 1 shows" in result.stdout
    counts = venue.counts(venue.ids["Hamlet@2026-12-01T19:30"])
    assert counts["capacity"] == 120
    result = _xts2(tmp_path, xts2_database_url, "load", str(path))
    assert result.returncode == 0
    assert venue.counts(venue.ids["Hamlet@2026-12-01T19:30"]) == counts


def test_demo_has_performances_from_today_on(xts2_app_factory, xts2_clock):
    xts2_clock.set(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    venue = xts2_app_factory(plugins=["tickets"])
    today = date(2026, 11, 30)
    demo = demo_shows(today)
    assert 3 <= len(demo) <= 4
    venue.load({"shows": demo})
    shows = {s["name"]: s for s in venue.call("tickets/getshows")["shows"]}
    for entry in demo:
        show = shows[entry["name"]]
        assert show["performances"] == len(entry["performances"])
        assert show["first"] >= "2026-11-30"
        assert venue.call("tickets/gettickettypes", {"show": show["id"]})["tickettypes"]
    assert shows["Hamlet"]["first"].startswith("2026-11-30")   # the demo starts today
    # there is something on sale to try the API with
    assert venue.call("tickets/getprogramme")["programme"]


def test_xts2_demo_command(xts2_app_factory, xts2_database_url, tmp_path):
    result = _xts2(tmp_path, xts2_database_url, "demo")
    assert result.returncode == 0, result.stderr
    assert "demo terminal key" in result.stdout
    app = xts2_app_factory(plugins=["tickets"])
    shows = app.call("tickets/getshows", {"current": 1})["shows"]
    assert len(shows) == len(demo_shows(date.today()))
