"""``python -m bench``: the benchmark, from generated data to the table.

For each database (SQLite, PostgreSQL) and each size (1×, 10×, 100×) it makes a fresh database
(``xts2 initdb``, ``xts2 load`` of payment types, stock and terminals, then a bulk-inserted season
from :mod:`bench.datagen`), starts real ``pserve``/waitress servers from an ini made of
``production.ini`` (:mod:`bench.servers`), drives load from a separate process
(:mod:`bench.load`: wrk for the simple GETs, an asyncio keep-alive client for the sale), counts the
SQL statements of each case in-process (:mod:`bench.queries`), and prints the tables of
:mod:`bench.report` — every figure beside its ratio to the two baselines (:mod:`bench.floor`) of
the same setup, and each size's figures beside their ratio to 1×.

Production's multi-process setup (one ``pserve`` per port behind a proxy) is measured too, at the
smallest size (``--processes``): the load client spreads its connections over the processes.

The hot on-sale through the shop (:mod:`bench.shop_onsale`: a crowd of customers, each a browser
with its own cookies, buying through the shop's pages) runs once per database after the rest, or
alone with ``--shop-onsale`` (``--cases shop-onsale``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from xts2_core.scratchdb import scratch_postgresql_database

from . import datagen, report
from .load import SaleSpec, one_sale, wrk_available
from .queries import QueryCounter
from .servers import ROOT, Server, write_ini

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Case:
    id: str
    app: str  # "floor" or "main"
    kind: str  # "get" or "sale"


CASES = [
    Case("floor-static", "floor", "get"),
    Case("floor-db", "floor", "get"),
    Case("counts-1", "main", "get"),
    Case("counts-20", "main", "get"),
    Case("programme", "main", "get"),
    Case("shows", "main", "get"),
    Case("basket-20", "main", "get"),
    Case("sale", "main", "sale"),
    Case("onsale", "main", "onsale"),
]
CASE_IDS = [c.id for c in CASES]
#: Not a case of each setup: a scenario with a venue and servers of its own, once per database.
SHOP_ONSALE = "shop-onsale"


def log(msg: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


# -- databases -------------------------------------------------------------------------------

@contextlib.contextmanager
def database(kind: str, size: int, workdir: Path, pg_url: str) -> Iterator[str]:
    """A fresh, empty database for one size; dropped (or deleted) afterwards."""
    if kind == "sqlite":
        path = workdir / f"bench-{size}x.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    with scratch_postgresql_database(pg_url, f"xts2_bench_{size}x_{os.getpid()}",
                                     unique=False) as url:
        yield url


# -- load ------------------------------------------------------------------------------------

def drive(job: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Run one load job in a separate process (``python -m bench.load``)."""
    path = workdir / "job.json"
    path.write_text(json.dumps(job))
    out = subprocess.run([sys.executable, "-m", "bench.load", str(path)], capture_output=True,
                         text=True, cwd=ROOT, timeout=job["seconds"] + 120)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"the load client failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(line[len("RESULT "):])


def case_paths(case: str, plan: datagen.Plan, rng: random.Random) -> list[str]:
    future = plan.future_performances
    if case == "floor-static":
        return ["/floor/static"]
    if case == "floor-db":
        return [f"/floor/db?id={b}" for b in plan.floor_baskets]
    if case == "counts-1":
        return [f"/v2/tickets/getticketcounts?performance={p}" for p in future]
    if case == "counts-20":
        return [f"/v2/tickets/getticketcounts?performance={','.join(map(str, rng.sample(future, 20)))}"
                for _ in range(50)]
    if case == "programme":
        return ["/v2/tickets/getprogramme"]
    if case == "shows":
        return ["/v2/tickets/getshows?current=true"]
    if case == "basket-20":
        return [f"/v2/baskets/getbasket?basket={b}&terminalkey={plan.keys[i % len(plan.keys)]}"
                for i, b in enumerate(plan.baskets20)]
    raise ValueError(case)


def measure_onsale(servers: list[Server], plan: datagen.Plan, args: argparse.Namespace,
                   workdir: Path, url: str) -> dict[str, Any]:
    """The hot on-sale: a fresh performance for each run (the warm-up's too), ``--onsale-clients``
    clients at once; of ``--repeat`` runs the one with the median sold-out time is kept."""
    bases = [s.url for s in servers]
    runs = []
    total = (1 if args.warmup > 0 else 0) + max(1, args.repeat)
    for n in range(total):
        perf, tickettype = datagen.onsale_performance(url, args.onsale_seats, n)
        spec = {"website_keys": plan.website_keys, "boxoffice_keys": plan.keys,
                "performance": perf, "tickettype": tickettype, "capacity": args.onsale_seats,
                "paymenttype": "card"}
        job = {"kind": "onsale", "bases": bases, "clients": args.onsale_clients, "spec": spec,
               "seconds": 120, "timeout": 120}
        load_before = os.getloadavg()[0]
        cpu_before = sum(s.cpu_seconds() for s in servers)
        result = drive(job, workdir)
        cpu = sum(s.cpu_seconds() for s in servers) - cpu_before
        result["cpu_ms"] = cpu * 1000 / result["requests"] if result["requests"] else None
        result["loadavg"] = round(load_before, 2)
        if n == 0 and args.warmup > 0:
            continue
        runs.append(result)
    runs.sort(key=lambda r: float("inf") if r["soldout"] is None else r["soldout"])
    chosen = dict(runs[(len(runs) - 1) // 2])
    if len(runs) > 1:
        chosen["runs"] = [None if r["soldout"] is None else round(r["soldout"], 2) for r in runs]
        chosen["runs_detail"] = [{k: r[k] for k in ("sold", "sales", "refusals", "failures",
                                                   "soldout", "additem_p50", "additem_p99",
                                                   "sale_p50", "sale_p99", "loadavg")}
                                 for r in runs]
    chosen["failures"] = sum(r["failures"] for r in runs)
    chosen["oversold"] = any(r["sold"] > r["capacity"] for r in runs)
    return chosen


def onsale_here(db: str, processes: int, args: argparse.Namespace) -> bool:
    """The on-sale runs on SQLite with one process, on PostgreSQL with the most processes."""
    if db == "sqlite":
        return processes == 1
    return processes == max(1, args.processes)


def measure(case: Case, servers: list[Server], plan: datagen.Plan, args: argparse.Namespace,
            workdir: Path) -> dict[str, Any]:
    """One case: a warm-up, then ``--repeat`` measured runs, of which the one with the median
    rate is kept; adds the servers' CPU time per request and the machine's load average."""
    bases = [s.url for s in servers]
    rng = random.Random(zlib.crc32(case.id.encode()))
    if case.kind == "sale":
        spec = SaleSpec(plan.keys, plan.sale_tickets, plan.paymenttype)
        job: dict[str, Any] = {"kind": "sales", "bases": bases, "clients": args.clients,
                               "spec": {"keys": spec.keys, "tickets": spec.tickets,
                                        "paymenttype": spec.paymenttype}}
    else:
        kind = "wrk" if args.driver == "wrk" else "gets"
        job = {"kind": kind, "bases": bases, "paths": case_paths(case.id, plan, rng),
               "connections": args.connections}
    if args.warmup > 0:
        drive({**job, "seconds": args.warmup, "seed": 99}, workdir)
    runs = []
    for n in range(max(1, args.repeat)):
        load_before = os.getloadavg()[0]
        cpu_before = sum(s.cpu_seconds() for s in servers)
        result = drive({**job, "seconds": args.duration, "seed": 1 + n}, workdir)
        cpu = sum(s.cpu_seconds() for s in servers) - cpu_before
        result["cpu_ms"] = cpu * 1000 / result["requests"] if result["requests"] else None
        result["loadavg"] = round(load_before, 2)
        runs.append(result)
    key = "sps" if case.kind == "sale" else "rps"
    runs.sort(key=lambda r: r[key])
    chosen = dict(runs[(len(runs) - 1) // 2])
    if len(runs) > 1:
        chosen["runs"] = [round(r[key], 1) for r in runs]
    chosen["failures"] = sum(r["failures"] for r in runs)
    return chosen


def count_queries(ini: Path, url: str, plan: datagen.Plan, cases: list[Case]) -> dict[str, Any]:
    """Statements per request of each case, in-process on the same database."""
    from pyramid.paster import get_app

    saved = os.environ.get("XTS2_DATABASE_URL")
    os.environ["XTS2_DATABASE_URL"] = url  # as the servers have it (it wins over the ini)
    try:
        counter = QueryCounter(get_app(str(ini), "main", options={"http_port": "0"}))
    finally:
        if saved is None:
            del os.environ["XTS2_DATABASE_URL"]
        else:
            os.environ["XTS2_DATABASE_URL"] = saved
    rng = random.Random(5)
    out: dict[str, Any] = {}
    try:
        for case in cases:
            if case.app != "main" or case.kind == "onsale":
                continue
            if case.kind == "sale":
                tickets = rng.sample(plan.sale_tickets, 2)
                out[case.id] = counter.sale(
                    lambda call, t=tickets: one_sale(call, plan.keys[0], t, plan.paymenttype))
            else:
                paths = case_paths(case.id, plan, rng)[:10]
                out[case.id] = counter.per_request(paths)
    finally:
        counter.close()
    return out


# -- one setup -------------------------------------------------------------------------------

def run_setup(db: str, size: int, args: argparse.Namespace, workdir: Path,
              cases: list[Case]) -> list[dict[str, Any]]:
    """One database at one size: generate, then measure with 1 (and N) processes."""
    out = []
    with database(db, size, workdir, args.pg_url) as url:
        env = dict(os.environ)
        env["XTS2_DATABASE_URL"] = url
        ini = write_ini(workdir / f"bench-{db}-{size}x.ini", url, threads=args.threads,
                        app_use=args.app_use, extra=dict(args.app_settings))
        log(f"{db} {size}×: xts2 initdb, xts2 load")
        datagen.prepare(ini, workdir, env)
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            plan = datagen.generate(engine, size, progress=lambda m: log(f"{db} {size}×: {m}"))
        finally:
            engine.dispose()
        threads = args.threads or int(_server_threads(ini))
        procs = [1]
        if args.processes > 1 and size == min(args.sizes):
            procs.append(args.processes)
        for n in procs:
            setup: dict[str, Any] = {"db": db, "size": size, "processes": n, "threads": threads,
                                     "plan": plan.as_dict(), "cases": {}}
            for app in ("floor", "main"):
                mine = [c for c in cases if c.app == app
                        and (c.kind != "onsale" or onsale_here(db, n, args))]
                if not mine:
                    continue
                servers = [Server(ini, app, env=env) for _ in range(n)]
                try:
                    for s in servers:
                        s.start("/floor/static" if app == "floor" else "/v2")
                    for case in mine:
                        if case.kind == "onsale":
                            r = measure_onsale(servers, plan, args, workdir, url)
                            setup["cases"][case.id] = r
                            log(f"{db} {size}× {n}p onsale: {r['sold']} sold of "
                                f"{r['capacity']}, {r['sales']} sales, refused {r['refusals']}, "
                                f"sold out in {r['soldout'] or 0:.2f} s, additem p50 "
                                f"{r['additem_p50'] * 1000:.0f} ms p99 "
                                f"{r['additem_p99'] * 1000:.0f} ms, sale p50 "
                                f"{r['sale_p50'] * 1000:.0f} ms p99 {r['sale_p99'] * 1000:.0f} ms, "
                                f"{r['failures']} failed {r.get('errors') or ''}")
                            continue
                        r = measure(case, servers, plan, args, workdir)
                        setup["cases"][case.id] = r
                        log(f"{db} {size}× {n}p {case.id}: {r['rps']:,.0f} req/s"
                            + (f", {r['sps']:,.0f} sales/s" if case.kind == "sale" else "")
                            + f", p50 {r['p50'] * 1000:.1f} ms, p99 {r['p99'] * 1000:.1f} ms,"
                            f" {r['cpu_ms'] or 0:.2f} CPU ms/req,"
                            f" {r['failures']} failed {r.get('errors') or ''}")
                finally:
                    for s in servers:
                        s.stop()
            out.append(setup)
        log(f"{db} {size}×: counting queries")
        queries = count_queries(ini, url, plan, cases)
        for setup in out:
            for cid, q in queries.items():
                if cid in setup["cases"]:
                    key = "queries_steps" if isinstance(q, list) else "queries"
                    setup["cases"][cid][key] = q
    return out


def _server_threads(ini: Path) -> str:
    import configparser

    cp = configparser.ConfigParser(interpolation=None)
    cp.read(ini)
    return cp["server:main"].get("threads", "4")


# -- the command -----------------------------------------------------------------------------

def ensure_wrk(install: bool) -> bool:
    """wrk from Debian; installed with apt-get when missing and allowed."""
    if wrk_available():
        return True
    if install and shutil.which("apt-get") and os.geteuid() == 0:
        log("wrk is missing: apt-get install -y wrk")
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False,
                       capture_output=True)
    return wrk_available()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench", description="XTS2 benchmarks: throughput, latency and scaling "
        "of the API beside the framework's floor. See docs/benchmarks.md.")
    p.add_argument("--db", default="sqlite,postgresql",
                   help="comma-separated: sqlite, postgresql (default both)")
    p.add_argument("--sizes", default="1,10,100",
                   help="venue sizes, comma-separated multiples of 1× (default 1,10,100)")
    p.add_argument("--cases", default="all",
                   help=f"comma-separated, from: {', '.join(CASE_IDS)} (default all)")
    p.add_argument("--duration", type=float, default=5.0, help="seconds per case (default 5)")
    p.add_argument("--warmup", type=float, default=1.0,
                   help="seconds of load before each measured run (default 1)")
    p.add_argument("--repeat", type=int, default=1,
                   help="measured runs per case; the one with the median rate is kept "
                   "(default 1; 3 steadies figures on a busy machine)")
    p.add_argument("--connections", type=int, default=16,
                   help="concurrent connections for the reads (default 16)")
    p.add_argument("--clients", type=int, default=16,
                   help="concurrent clients selling (default 16)")
    p.add_argument("--onsale-clients", type=int, default=None,
                   help="clients at once in the on-sale case (default 300; --quick 20)")
    p.add_argument("--onsale-seats", type=int, default=None,
                   help="seats of the performance going on sale (default 500; --quick 30)")
    p.add_argument("--shop-onsale", action="store_true",
                   help="run only the hot on-sale through the shop (bench/shop_onsale.py; "
                   "also a case of --cases, and part of a full run but not of --quick)")
    p.add_argument("--shop-customers", type=int, default=1000,
                   help="the shop's on-sale: customers, each a browser of its own (default 1000)")
    p.add_argument("--shop-seats", type=int, default=500,
                   help="the shop's on-sale: seats of the performance (default 500)")
    p.add_argument("--shop-arrival", type=float, default=3.0,
                   help="the shop's on-sale: the customers arrive within this many seconds "
                   "(default 3)")
    p.add_argument("--shop-notify", choices=["service", "before", "off"], default="service",
                   help="the test payment service's notification: sent by the bench from "
                   "outside (service, default), by the shop's server to itself before the "
                   "customer returns (before), or none: the return confirms (off)")
    p.add_argument("--shop-keepalive", action="store_true",
                   help="the shop's on-sale: each customer keeps one connection to one process "
                   "(as without a proxy: waitress lets 100 in at a time) instead of a new "
                   "connection per request to the next process in turn (as behind a proxy)")
    p.add_argument("--shop-costs", type=int, default=300,
                   help="the shop's on-sale: requests of each shop page and API read in a row, "
                   "for the CPU per request (default 300; 0 to skip)")
    p.add_argument("--shop-steps", type=int, default=30,
                   help="the shop's on-sale: whole orders walked in-process afterwards, for the "
                   "CPU and SQL statements of each step (default 30; 0 to skip)")
    p.add_argument("--processes", type=int, default=2,
                   help="also measure this many server processes at the smallest size, as "
                   "production runs them (default 2; 1 to skip)")
    p.add_argument("--threads", type=int, default=None,
                   help="waitress threads per process (default: production.ini's)")
    p.add_argument("--app-use", default=None, metavar="SPEC",
                   help="PasteDeploy 'use' of the XTS2 app instead of production.ini's egg:xts2, "
                   "e.g. call:mymodule:main to measure a candidate change beside the same floors "
                   "(mymodule importable through PYTHONPATH)")
    p.add_argument("--app-setting", dest="app_settings", action="append", default=[],
                   type=lambda x: tuple(x.split("=", 1)) if "=" in x else
                   argparse.ArgumentTypeError("KEY=VALUE"), metavar="KEY=VALUE",
                   help="an ini setting of the apps (repeatable), e.g. "
                   "xts2.sqlite_fair_writes=false to measure without the writer queue")
    p.add_argument("--driver", choices=["wrk", "asyncio"], default=None,
                   help="load client for the reads (default wrk if installed, else asyncio)")
    p.add_argument("--no-install", action="store_true",
                   help="do not apt-get install wrk when it is missing")
    p.add_argument("--pg-url", default=os.environ.get("XTS2_BENCH_PG_URL", PG_DEFAULT),
                   help="a PostgreSQL server where the bench may create and drop its databases "
                   f"(default {PG_DEFAULT}, or XTS2_BENCH_PG_URL)")
    p.add_argument("--quick", action="store_true",
                   help="a smoke run: SQLite, 1×, 1 s per case, no warm-up, 1 process")
    p.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    p.add_argument("--markdown", type=Path, help="also write the tables as Markdown here")
    p.add_argument("--workdir", type=Path,
                   help="keep databases, inis and server logs here (default: a temporary "
                   "directory, removed afterwards)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.onsale_clients is None:
        args.onsale_clients = 20 if args.quick else 300
    if args.onsale_seats is None:
        args.onsale_seats = 30 if args.quick else 500
    if args.quick:
        args.db, args.sizes, args.duration, args.warmup, args.processes = "sqlite", "1", 1.0, 0, 1
    args.dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    args.sizes = sorted({int(x) for x in str(args.sizes).split(",") if x.strip()})
    bad = [d for d in args.dbs if d not in ("sqlite", "postgresql")]
    if bad or not args.sizes or min(args.sizes) < 1:
        parser().error("--db takes sqlite and/or postgresql; --sizes positive integers")
    wanted = CASE_IDS if args.cases == "all" else [c.strip() for c in args.cases.split(",")]
    unknown = [c for c in wanted if c not in CASE_IDS and c != SHOP_ONSALE]
    if unknown:
        parser().error(f"unknown case {', '.join(unknown)}; cases: "
                       f"{', '.join(CASE_IDS + [SHOP_ONSALE])}")
    shop = args.shop_onsale or SHOP_ONSALE in wanted or (args.cases == "all" and not args.quick)
    cases = [] if args.shop_onsale else [c for c in CASES if c.id in wanted]
    if not cases:
        args.driver = args.driver or "asyncio"  # no reads to drive
    if args.driver is None:
        args.driver = "wrk" if ensure_wrk(not args.no_install) else "asyncio"
    elif args.driver == "wrk" and not ensure_wrk(not args.no_install):
        parser().error("wrk is not installed (apt-get install wrk), use --driver asyncio")

    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                    "loadavg": os.getloadavg()[0]},
        "options": {"duration": args.duration, "warmup": args.warmup, "repeat": args.repeat,
                    "connections": args.connections, "clients": args.clients,
                    "onsale_clients": args.onsale_clients, "onsale_seats": args.onsale_seats,
                    "driver": args.driver, "sizes": args.sizes, "dbs": args.dbs},
        "setups": [],
        "shop_onsale": [],
    }
    t0 = time.monotonic()
    tmp = None
    if args.workdir:
        workdir = args.workdir.resolve()
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.mkdtemp(prefix="xts2-bench-")
        workdir = Path(tmp)
    try:
        for db in args.dbs:
            for size in args.sizes if cases else []:
                results["setups"] += run_setup(db, size, args, workdir, cases)
        if shop:
            from .shop_onsale import run_shop_onsale

            for db in args.dbs:
                results["shop_onsale"].append(run_shop_onsale(db, args, workdir))
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    results["seconds"] = round(time.monotonic() - t0, 1)
    from .shop_onsale import render as render_shop

    if results["setups"]:
        print(report.render(results))
    print(render_shop(results["shop_onsale"]), end="")
    print(f"(driver: {args.driver}; {args.duration:g} s per case after {args.warmup:g} s warm-up, "
          f"median of {args.repeat}; "
          f"{args.connections} connections for reads, {args.clients} clients selling; "
          f"{results['seconds']:.0f} s in all)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if args.markdown:
        args.markdown.write_text((report.render(results, markdown=True)
                                  if results["setups"] else "")
                                 + render_shop(results["shop_onsale"], markdown=True))
    return 0
