"""Check-in at the door: a full house scanned in through several doors at once (issue 21).

    python -m bench.checkin [--db sqlite|postgresql|both] [--tickets 1000] [--doors 4]

For each database: a fresh database (``xts2 initdb``, ``xts2 load`` of the bench's terminals and
payment types), one performance of ``--tickets`` seats, and every seat sold through the API as
the box office sells them (``newbasket``, a ticket ``additem`` of up to 4, a payment ``additem``,
``closebasket``), the codes read back with ``baskets/getbasket``. Then, against production-like
``pserve`` processes (``production.ini``'s app and waitress; one process, and on PostgreSQL also
two), ``--doors`` client threads, each a door terminal of its own with one kept-alive connection
(door *i* to process *i mod n*), all starting at once:

1. **first pass**: each door scans its share of the shuffled codes once (``tickets/checkin``
   with a fresh ``opid`` per scan): every scan must be ``admitted``;
2. **second pass**: ``--again`` of the codes (shuffled again) are scanned once more, at any door:
   every scan must be ``alreadyadmitted``;
3. beside them, ``tickets/getticketcounts`` of the performance, the same number of threads for
   as long as the first pass took.

Reports scans (requests) per second, p50/p99 of a request, and checks that ``getdoorlist``
counts exactly ``--tickets`` sold and admitted and that no request failed. Figures, not
assertions: the exit status is 1 only if the correctness check fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from . import datagen
from .run import PG_DEFAULT, database
from .servers import Server, write_ini
from .shop_onsale import make_performance

#: The terminal that sells the house; the doors are the terminals after it.
SELLER = 1
PER_BASKET = 4


def log(msg: str) -> None:
    print(f"[checkin {datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


class Client:
    """One kept-alive connection to one server; ``get`` answers (status, JSON)."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=60)

    def get(self, command: str, **params: Any) -> tuple[int, dict[str, Any]]:
        self.conn.request("GET", f"/v2/{command}?{urlencode({**params, 'format': 'json'})}",
                          headers={"Connection": "keep-alive"})
        r = self.conn.getresponse()
        body = r.read()
        try:
            return r.status, json.loads(body)
        except ValueError:
            return r.status, {"raw": body[:200].decode("utf-8", "replace")}

    def ok(self, command: str, **params: Any) -> dict[str, Any]:
        status, data = self.get(command, **params)
        if status != 200 or data.get("status") != "ok":
            raise RuntimeError(f"{command} {params}: {status} {data}")
        return data

    def close(self) -> None:
        self.conn.close()


def sell_house(url: str, perf: int, tickettype: int, tickets: int) -> list[str]:
    """Sell every seat in baskets of up to :data:`PER_BASKET`, paid in cash and closed; return
    the codes as ``getbasket`` lists them."""
    key = datagen.terminal_key(SELLER)
    c = Client(url)
    codes: list[str] = []
    try:
        left = tickets
        while left:
            n = min(PER_BASKET, left)
            basket = c.ok("baskets/newbasket", terminalkey=key)["basket"]["id"]
            value = c.ok("baskets/additem", terminalkey=key, basket=basket, type="ticket",
                         **{"item.performance": perf, "item.tickettype": tickettype,
                            "item.quantity": n})["basket"]["value"]
            c.ok("baskets/additem", terminalkey=key, basket=basket, type="payment",
                 **{"item.paymenttype": datagen.PAYMENTTYPE, "item.amount": value})
            c.ok("baskets/closebasket", terminalkey=key, basket=basket)
            items = c.ok("baskets/getbasket", terminalkey=key, basket=basket)["basket"]["item"]
            got = [code for it in items if it.get("type") == "ticket"
                   for code in it.get("ticket", {}).get("code", [])]
            if len(got) != n:
                raise RuntimeError(f"basket {basket}: {len(got)} codes for {n} tickets")
            codes += got
            left -= n
    finally:
        c.close()
    return codes


def percentile(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def run_doors(servers: list[Server], doors: int, work: Any) -> dict[str, Any]:
    """``doors`` threads, door *i* on ``servers[i % n]`` with its own connection, started at once;
    ``work(i, client, record)`` makes the requests, ``record(seconds, outcome)`` each one."""
    times: list[float] = []
    outcomes: dict[str, int] = {}
    lock = threading.Lock()
    start = threading.Barrier(doors + 1)

    def door(i: int) -> None:
        client = Client(servers[i % len(servers)].url)
        client.get("tickets/getticketcounts", terminalkey=datagen.terminal_key(SELLER + 1 + i),
                   performance=0)  # open the connection before the start
        mine: list[float] = []
        seen: dict[str, int] = {}

        def record(seconds: float, outcome: str) -> None:
            mine.append(seconds)
            seen[outcome] = seen.get(outcome, 0) + 1

        start.wait()
        try:
            work(i, client, record)
        except Exception as exc:  # noqa: BLE001 (counted, reported)
            seen[f"client error: {type(exc).__name__}: {exc}"[:120]] = 1
        finally:
            client.close()
            with lock:
                times.extend(mine)
                for k, v in seen.items():
                    outcomes[k] = outcomes.get(k, 0) + v

    threads = [threading.Thread(target=door, args=(i,)) for i in range(doors)]
    for t in threads:
        t.start()
    cpu0 = sum(s.cpu_seconds() for s in servers)
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    cpu = sum(s.cpu_seconds() for s in servers) - cpu0
    return {"requests": len(times), "seconds": wall, "rps": len(times) / wall if wall else 0,
            "p50": percentile(times, 50), "p99": percentile(times, 99),
            "cpu_ms": cpu / len(times) * 1000 if times else float("nan"),
            "outcomes": outcomes}


def scan_pass(servers: list[Server], perf: int, shares: list[list[str]]) -> dict[str, Any]:
    def work(i: int, client: Client, record: Any) -> None:
        key = datagen.terminal_key(SELLER + 1 + i)
        for code in shares[i]:
            t = time.perf_counter()
            status, data = client.get("tickets/checkin", terminalkey=key, code=code,
                                      performance=perf, opid=uuid.uuid4().hex)
            seconds = time.perf_counter() - t
            if status == 200 and data.get("status") == "ok":
                record(seconds, data["checkin"]["result"])
            else:
                record(seconds, f"HTTP {status} {data.get('error') or data.get('raw', '')}"[:120])

    return run_doors(servers, len(shares), work)


def counts_for(servers: list[Server], perf: int, doors: int, seconds: float) -> dict[str, Any]:
    def work(i: int, client: Client, record: Any) -> None:
        key = datagen.terminal_key(SELLER + 1 + i)
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            t = time.perf_counter()
            status, data = client.get("tickets/getticketcounts", terminalkey=key,
                                      performance=perf)
            ok = status == 200 and data.get("status") == "ok"
            record(time.perf_counter() - t, "ok" if ok else f"HTTP {status}")

    return run_doors(servers, doors, work)


def doorlist(server: Server, perf: int) -> dict[str, Any]:
    c = Client(server.url)
    try:
        return c.ok("tickets/getdoorlist", terminalkey=datagen.terminal_key(SELLER + 1),
                    performance=perf)["doorlist"]
    finally:
        c.close()


def run_db(db: str, args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    rows = []
    with database(db, "checkin", workdir, args.pg_url) as url:  # type: ignore[arg-type]
        env = {**os.environ, "XTS2_DATABASE_URL": url}
        ini = write_ini(workdir / f"checkin-{db}.ini", url)
        log(f"{db}: xts2 initdb, xts2 load")
        datagen.prepare(ini, workdir, env)
        procs = [1] + ([2] if db == "postgresql" and args.processes > 1 else [])
        for n in procs:
            perf, types = make_performance(url, args.tickets)
            servers = [Server(ini, env={"XTS2_DATABASE_URL": url}) for _ in range(n)]
            try:
                for s in servers:
                    s.start()
                t = time.perf_counter()
                codes = sell_house(servers[0].url, perf, types[0], args.tickets)
                log(f"{db} {n}p: sold {len(codes)} tickets in {time.perf_counter() - t:.1f} s")
                rng = random.Random(21)
                rng.shuffle(codes)
                first = [codes[i::args.doors] for i in range(args.doors)]
                again = rng.sample(codes, min(args.again, len(codes)))
                second = [again[i::args.doors] for i in range(args.doors)]
                p1 = scan_pass(servers, perf, first)
                log(f"{db} {n}p first pass: {p1['rps']:.0f} scans/s {p1['outcomes']}")
                p2 = scan_pass(servers, perf, second)
                log(f"{db} {n}p second pass: {p2['rps']:.0f} scans/s {p2['outcomes']}")
                gc = counts_for(servers, perf, args.doors, p1["seconds"])
                log(f"{db} {n}p getticketcounts: {gc['rps']:.0f} req/s {gc['outcomes']}")
                dl = doorlist(servers[0], perf)
            finally:
                for s in servers:
                    s.stop()
            good = (dl["sold"] == args.tickets and dl["admitted"] == args.tickets
                    and dl["tocome"] == 0
                    and p1["outcomes"] == {"admitted": args.tickets}
                    and p2["outcomes"] == {"alreadyadmitted": len(again)}
                    and set(gc["outcomes"]) == {"ok"})
            rows.append({"db": db, "processes": n, "first": p1, "second": p2, "counts": gc,
                         "doorlist": {k: dl[k] for k in ("sold", "admitted", "tocome")},
                         "correct": good})
    return rows


def walking(tickets: int, doors: int) -> tuple[float, float]:
    """Minutes for ``tickets`` people to walk through ``doors`` doors, one per 2–3 s per door."""
    return tickets * 2 / doors / 60, tickets * 3 / doors / 60


def table(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lo, hi = walking(args.tickets, args.doors)
    out = [f"{args.tickets} tickets, {args.doors} doors (client threads, one kept-alive "
           f"connection each); people: {lo:.1f}–{hi:.1f} min "
           f"({args.doors / 3:.2f}–{args.doors / 2:.2f} scans/s)", "",
           "| database | processes | requests | requests/s | p50 ms | p99 ms | server CPU ms/req "
           "| house through the doors | × faster than people |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        for name, m in (("checkin, first pass (admitted)", r["first"]),
                        ("checkin, second pass (alreadyadmitted)", r["second"]),
                        ("getticketcounts", r["counts"])):
            house = args.tickets / m["rps"] if m["rps"] else float("nan")
            first = name.startswith("checkin, first")
            faster = f"{lo * 60 / house:,.0f}–{hi * 60 / house:,.0f}" if first else ""
            through = f"{house:.1f} s" if first else ""
            out.append(f"| {r['db']} {name} | {r['processes']} | {m['requests']} | "
                       f"{m['rps']:,.0f} | {m['p50'] * 1000:.1f} | {m['p99'] * 1000:.1f} | "
                       f"{m['cpu_ms']:.2f} | {through} | {faster} |")
    out.append("")
    for r in rows:
        d = r["doorlist"]
        out.append(f"{r['db']} {r['processes']}p: getdoorlist sold {d['sold']} admitted "
                   f"{d['admitted']} tocome {d['tocome']}; first pass {r['first']['outcomes']}, "
                   f"second {r['second']['outcomes']}, counts {r['counts']['outcomes']}: "
                   + ("correct" if r["correct"] else "WRONG"))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--tickets", type=int, default=1000)
    ap.add_argument("--doors", type=int, default=4)
    ap.add_argument("--again", type=int, default=500,
                    help="codes scanned a second time (default 500)")
    ap.add_argument("--processes", type=int, default=2,
                    help="also run with this many server processes on PostgreSQL (default 2)")
    ap.add_argument("--pg-url", default=os.environ.get("XTS2_BENCH_PG_URL", PG_DEFAULT))
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    if args.doors > datagen.TERMINALS - SELLER:
        ap.error(f"at most {datagen.TERMINALS - SELLER} doors")
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    log(f"uptime before: {load}")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="xts2-checkin-") as tmp:
        for db in dbs:
            rows += run_db(db, args, Path(tmp))
    log("uptime after: " + subprocess.run(["uptime"], capture_output=True,
                                          text=True).stdout.strip())
    print(table(rows, args))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0 if all(r["correct"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
