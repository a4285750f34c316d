"""``python -m soak``: run the soak test and print what happened and each invariant's result.

    python -m soak --seconds 30                      # PostgreSQL at 127.0.0.1:5432 (a fresh
                                                     # database, dropped afterwards)
    python -m soak --seconds 600 --kills 3           # the long form
    python -m soak --sqlite --seconds 30             # SQLite file, the same processes
    python -m soak --database-url URL                # an existing empty database (the tests)
    python -m soak --pgbouncer --seconds 30          # the servers and the xts2 commands reach
                                                     # PostgreSQL through a private PgBouncer in
                                                     # transaction pooling mode; the checks
                                                     # read the database directly

Exit status 0 when every invariant holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from . import checks
from .client import Api, Catalogue, Client, Cluster, Stats, cents
from .database import (
    ADMIN_PASSWORD,
    PRODUCTION_INI,
    cli,
    create_postgresql,
    ini_with,
    make_season,
    sa_url,
    set_up,
)
from .pgbouncer import XTS2_SETTINGS, PgBouncer
from .servers import Server, compile_bytecode

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m soak", description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=30, help="how long clients sell (default 30)")
    p.add_argument("--servers", type=int, default=2, help="server processes (default 2, at least 2)")
    p.add_argument("--clients", type=int, default=12, help="concurrent clients (default 12)")
    p.add_argument("--terminals", type=int, default=4, help="terminals they share (default 4)")
    p.add_argument("--kills", type=int, default=1,
                   help="times a server is killed with SIGKILL and restarted (default 1)")
    p.add_argument("--down", type=float, default=2.0, help="seconds a killed server stays down")
    p.add_argument("--same-session", action="store_true",
                   help="start the servers in the soak's own session (scheduled with its client "
                        "threads) instead of one each, as systemd starts units")
    db = p.add_mutually_exclusive_group()
    db.add_argument("--server-url", default=os.environ.get("XTS2_SOAK_SERVER_URL", DEFAULT_SERVER),
                    help="PostgreSQL server on which a fresh database is made and dropped "
                         f"(default $XTS2_SOAK_SERVER_URL or {DEFAULT_SERVER})")
    db.add_argument("--database-url", help="use this existing, empty database instead")
    db.add_argument("--sqlite", action="store_true", help="use a SQLite file in the work folder")
    p.add_argument("--pgbouncer", action="store_true",
                   help="put a private PgBouncer (transaction pooling) between the servers and "
                        "PostgreSQL, and turn the servers' prepared statements off")
    p.add_argument("--pgbouncer-pool", type=int, default=8, metavar="N",
                   help="PgBouncer's default_pool_size, the server connections it lends (default 8)")
    p.add_argument("--workdir", type=Path, help="keep logs and the season file here")
    p.add_argument("--keep", action="store_true", help="keep the database and the work folder")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock)")
    args = p.parse_args(argv)
    if args.servers < 2:
        p.error("--servers must be at least 2 (one is killed)")
    if args.pgbouncer and args.sqlite:
        p.error("--pgbouncer pools PostgreSQL connections: not with --sqlite")
    return args


def catalogue(api: Api) -> tuple[Catalogue, dict[int, int]]:
    show = api.call("tickets/getshows")["shows"][0]
    perfs = api.call("tickets/getperformances", {"show": show["id"]})["performances"]
    types = api.call("tickets/gettickettypes", {"show": show["id"]})["tickettypes"]
    stock = api.call("cafe/getstock")["stock"]
    small = min(perfs, key=lambda p: int(p["capacity"]))
    cat = Catalogue(performances=[int(p["id"]) for p in perfs],
                    tickettypes=[(int(t["id"]), cents(t["price"])) for t in types],
                    stock=[int(s["id"]) for s in stock], small=int(small["id"]))
    levels = {int(s["id"]): int(s["available"]) for s in stock if s.get("available") is not None}
    return cat, levels


def killer(servers: list[Server], args: argparse.Namespace, t0: float,
           kills: list[tuple[float, float]], log: list[str]) -> None:
    """Kill a server with SIGKILL at evenly spaced moments; restart it after ``--down``."""
    for i in range(args.kills):
        at = t0 + args.seconds * (i + 1) / (args.kills + 1)
        time.sleep(max(0.0, at - time.monotonic()))
        server = servers[i % len(servers)]
        killed, rel = time.time(), time.monotonic() - t0
        server.kill()
        time.sleep(args.down)
        server.start()
        kills.append((killed, time.time()))
        log.append(f"kill {i + 1}: server {server.index} (port {server.port}) SIGKILLed at "
                   f"{rel:.1f}s, serving again "
                   f"{time.time() - killed:.1f}s later (down {args.down:g}s, then "
                   f"{server.start_seconds[-1][1]:.1f}s from launch to its first answer)")


def restart_summary(servers: list[Server]) -> str | None:
    """The restarts' times from launch to listening and to the first answer, under load."""
    restarts = [t for s in servers for t in s.start_seconds[1:]]
    if not restarts:
        return None
    answer = sorted(a for _listen, a in restarts)
    listen = sorted(lst for lst, _a in restarts)
    first = statistics.median(a for s in servers for _l, a in s.start_seconds[:1])
    return (f"restart under load: {len(restarts)} restart(s), launch to first answer "
            f"p50 {statistics.median(answer):.1f}s, max {answer[-1]:.1f}s (listening after "
            f"p50 {statistics.median(listen):.1f}s); a start before the load: {first:.1f}s")


def _open_expiring(db: dict[str, Any], now: datetime) -> set[int]:
    out = set()
    for b in db["baskets"].values():
        if b.state == "open" and b.expires is not None:
            expires = b.expires if isinstance(b.expires, datetime) else datetime.fromisoformat(b.expires)
            if expires.replace(tzinfo=UTC) <= now:
                out.add(b.id)
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    seed = args.seed if args.seed is not None else int(time.time()) % 100000
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="xts2-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    drop = None
    if args.sqlite:
        url = f"sqlite:///{workdir / 'soak.sqlite'}"
    elif args.database_url:
        url = args.database_url
    else:
        url, drop = create_postgresql(args.server_url)
    kind = sa_url(url).get_backend_name()
    servers: list[Server] = []
    bouncer = None
    try:
        # The servers and the xts2 commands use app_url and ini; the checks read url directly.
        app_url, ini = url, PRODUCTION_INI
        if args.pgbouncer:
            bouncer = PgBouncer(url, workdir, pool_size=args.pgbouncer_pool)
            bouncer.start()
            app_url = bouncer.url
            ini = ini_with(workdir / "production-pgbouncer.ini", XTS2_SETTINGS,
                           "soak --pgbouncer: PgBouncer 1.18 in transaction mode keeps no "
                           "prepared statements")
            kind += (f" through PgBouncer (the operators' guide's pgbouncer.ini: transaction "
                     f"pooling, default_pool_size {args.pgbouncer_pool}, port {bouncer.port})")
        print(f"soak: {kind}, {args.servers} servers ({ini.name}), {args.clients} clients, "
              f"{args.terminals} terminals, {args.seconds:g}s, {args.kills} kill(s), seed {seed}, "
              f"logs in {workdir}", flush=True)
        compile_bytecode()
        season = make_season(args.seconds, args.terminals)
        set_up(app_url, workdir, season, date.today() + timedelta(days=7), ini)
        servers = [Server(i, app_url, workdir, ini, own_session=not args.same_session)
                   for i in range(args.servers)]
        for s in servers:
            s.start()
        return _run(args, seed, url, season, servers, workdir, ini, app_url, bouncer)
    finally:
        for s in servers:
            s.stop()
        if bouncer is not None:
            bouncer.stop()
        if drop is not None and not args.keep:
            drop()
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


def _run(args: argparse.Namespace, seed: int, url: str, season: Any, servers: list[Server],
         workdir: Path, ini: Path, app_url: str, bouncer: PgBouncer | None) -> int:
    cluster = Cluster([s.port for s in servers])
    setup_stats = Stats()
    admin = Api(cluster, None, f"s{seed}admin", setup_stats, password=ADMIN_PASSWORD)
    cat, levels = catalogue(admin)
    perf_by_capacity = {int(p["capacity"]): int(p["id"]) for p in admin.call(
        "tickets/getperformances", {"show": admin.call("tickets/getshows")["shows"][0]["id"]}
    )["performances"]}
    for start, count in season.heldback.items():
        admin.call("tickets/holdbacktickets", {
            "performance": perf_by_capacity[season.capacities[start]], "count": count}, changes=True)
    since = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()

    terminals = list(season.terminals.items())
    t0 = time.monotonic()
    deadline = t0 + args.seconds
    clients = [Client(i, cluster, *terminals[i % len(terminals)], cat, deadline, seed)
               for i in range(args.clients)]
    kills: list[tuple[float, float]] = []
    kill_log: list[str] = []
    k = threading.Thread(target=killer, args=(servers, args, t0, kills, kill_log), daemon=True)
    for c in clients:
        c.start()
    k.start()
    for c in clients:
        c.join()
    k.join()
    elapsed = time.monotonic() - t0

    stats = Stats()
    for c in clients:
        stats.merge(c.stats)
    baskets = [b for c in clients for b in c.baskets]
    closed = [b for b in baskets if b.closed]
    for line in kill_log:
        print(line)
    restarts = restart_summary(servers)
    if restarts:
        print(restarts)
    by_status = ", ".join(f"{n} x {s}" for s, n in sorted(stats.by_status.items()))
    print(f"requests: {stats.requests} in {elapsed:.1f}s ({stats.requests / elapsed:.0f}/s; "
          f"HTTP {by_status}); retried after a connection failure: {stats.retried}, "
          f"sent twice on purpose (answer replayed): {stats.resent}, "
          f"cut, then replayed by opid: {stats.replayed}")
    kinds: dict[str, int] = {}
    for b in baskets:
        kinds[b.kind] = kinds.get(b.kind, 0) + 1
    print(f"sales: {sum(1 for b in closed if b.kind == 'sale')} closed, "
          f"{sum(1 for b in closed if b.kind == 'refund')} refunds closed, "
          f"{kinds.get('abandoned', 0)} abandoned, {kinds.get('empty', 0)} empty; "
          f"tickets sold {sum(q for b in closed for _p, _t, q, r in b.tickets.values() if not r)}, "
          f"refunded {sum(q for b in closed for _p, _t, q, r in b.tickets.values() if r)}; "
          f"rejected additions: {stats.rejected or 'none'}")
    print(f"failures: {len(stats.connection_errors)} connection failures (all during a kill?), "
          f"{len(stats.server_errors)} HTTP 5xx, {len(stats.unexpected)} unexpected errors, "
          f"{len(stats.failed)} requests never answered", flush=True)
    pooled = checks.pooled(bouncer) if bouncer is not None else None

    engine = sa.create_engine(sa_url(url))
    checker = Api(cluster, None, f"s{seed}check", Stats(), password=ADMIN_PASSWORD)
    apis = {name: Api(cluster, key, f"s{seed}check{i}", Stats())
            for i, (name, key) in enumerate(season.terminals.items())}
    server_errors = [f"server {s.index}: {line}" for s in servers for line in s.errors()]
    db = checks.snapshot(engine)
    results = [
        checks.errors(stats, server_errors),
        checks.connection_failures(stats, kills),
        *([pooled] if pooled is not None else []),
    ]
    cap, counts = checks.capacity(checker, cat)
    results += [
        cap,
        checks.tickets_sold(baskets, counts),
        checks.closed_balance(db),
        checks.takings(apis, baskets, db, since),
        checks.sales_present(baskets, db),
        checks.no_half_written(baskets, db),
        checks.stock(checker, baskets, levels),
    ]
    # The operator's clean-up: expired baskets go, nothing else does.
    before_now = datetime.now(UTC)
    expired = _open_expiring(db, before_now)
    cli("expire", str(ini), url=app_url)
    after = checks.snapshot(engine)
    results.append(checks.expire_removed(db, after, expired,
                                         _open_expiring(db, datetime.now(UTC))))
    engine.dispose()

    for r in results:
        print(f"{'PASS' if r.ok else 'FAIL'}  {r.name}: {r.detail}")
    ok = all(r.ok for r in results)
    print(f"soak: {'PASS' if ok else 'FAIL'} ({sum(r.ok for r in results)}/{len(results)} invariants)")
    if not ok:
        print(f"logs: {workdir}" + ("" if args.keep or args.workdir else " (removed; use --workdir)"))
    return 0 if ok else 1
