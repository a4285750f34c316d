"""Two doors scanning one ticket at the same instant admit it once (API.md §12): real concurrent
requests against two ``pserve`` processes on the test's database.

Each round, 8 client threads (4 on each server process) wait at a barrier and then all scan the
same code for its performance; exactly one must be told ``admitted`` and seven ``alreadyadmitted``
naming the winner's terminal, and the database must record that one admission. The test-only
``xts2.testing.tickets.checkin_delay`` widens the window between reading the code and admitting
it, so the requests really overlap.

The negative control drops the guard (``xts2.testing.skip_locks``: the admitting ``UPDATE``
without ``admitted IS NULL``, and on SQLite without ``BEGIN IMMEDIATE``): the same rounds must then
admit some ticket more than once, which shows the test can see a double admission. Run with ``-s``
to see the figures.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from racekit import race_performance

pytestmark = [pytest.mark.live, pytest.mark.slow]

THREADS = 8
ROUNDS = 10
DELAY = "0.05"
DOORS = [("Door A", "door-a-terminal-key-0001"), ("Door B", "door-b-terminal-key-0001"),
         ("Door C", "door-c-terminal-key-0001"), ("Door D", "door-d-terminal-key-0001")]


def _setup(xts2_app_factory: Any) -> tuple[int, list[str], dict[str, int]]:
    """A performance a week from now (the servers run on the real clock), ROUNDS complimentary
    tickets sold in one basket, and four door terminals; returns (performance, codes,
    {door key: terminal id})."""
    app, perf, _, closed = race_performance(xts2_app_factory, 100, ROUNDS)
    for name, key in DOORS:
        app.add_terminal(name, key)
    codes = closed["item"][0]["ticket"]["code"]
    ids = {key: app.call("xts/getterminal", key=key)["terminal"]["id"] for _, key in DOORS}
    app.registry["dbengine"].dispose()
    return perf, codes, ids


def _round(servers: list[Any], perf: int, code: str) -> list[tuple[int, Any, str]]:
    """One code scanned by THREADS threads at once, spread over the servers and the doors:
    ``[(HTTP status, checkin or error, door key), …]``."""
    barrier = threading.Barrier(THREADS)
    answers: list[tuple[int, Any, str]] = []
    lock = threading.Lock()

    def scan(n: int) -> None:
        server = servers[n % len(servers)]
        _, key = DOORS[n % len(DOORS)]
        barrier.wait()
        status, body = server.get("tickets/checkin", {"terminalkey": key, "code": code,
                                                      "performance": perf})
        with lock:
            answers.append((status, body.get("checkin") or body.get("error"), key))

    threads = [threading.Thread(target=scan, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def _rounds(servers: list[Any], perf: int, codes: list[str]) -> list[list[tuple[int, Any, str]]]:
    return [_round(servers, perf, code) for code in codes]


def _db(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def test_two_doors_never_admit_one_ticket_twice(xts2_app_factory, xts2_live_server,
                                                 xts2_database_url):
    perf, codes, ids = _setup(xts2_app_factory)
    settings = {"xts2.testing.tickets.checkin_delay": DELAY}
    servers = [xts2_live_server(plugins=["tickets"], **settings) for _ in range(2)]
    rounds = _rounds(servers, perf, codes)
    results = Counter()
    for answers in rounds:
        assert all(status == 200 for status, _, _ in answers), answers
        by_result = Counter(a["result"] for _, a, _ in answers)
        results.update(by_result)
        assert by_result == {"admitted": 1, "alreadyadmitted": THREADS - 1}, answers
        winner = next((a, key) for _, a, key in answers if a["result"] == "admitted")
        assert winner[0]["terminal"] == ids[winner[1]]
        # every loser names the winner's admission
        assert {(a["admitted"], a["terminal"]) for _, a, _ in answers} == \
            {(winner[0]["admitted"], winner[0]["terminal"])}
    print(f"\ncheckin race [{_db(xts2_database_url)}]: {ROUNDS} rounds x {THREADS} scans: "
          f"{dict(results)}")
    status, body = servers[0].get("tickets/getdoorlist", {
        "terminalkey": DOORS[0][1], "performance": perf})
    assert status == 200
    doorlist = body["doorlist"]
    assert (doorlist["sold"], doorlist["admitted"], doorlist["tocome"]) == (ROUNDS, ROUNDS, 0)


def test_negative_control_without_the_guard_admits_twice(xts2_app_factory, xts2_live_server,
                                                          xts2_database_url):
    perf, codes, _ = _setup(xts2_app_factory)
    settings = {"xts2.testing.tickets.checkin_delay": DELAY, "xts2.testing.skip_locks": "true"}
    servers = [xts2_live_server(plugins=["tickets"], **settings) for _ in range(2)]
    rounds = _rounds(servers, perf, codes)
    admitted = [sum(1 for _, a, _ in answers if a and a.get("result") == "admitted")
                for answers in rounds]
    print(f"\ncheckin race without the guard [{_db(xts2_database_url)}]: admitted per code "
          f"{admitted}")
    assert max(admitted) > 1
