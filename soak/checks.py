"""The invariants the soak test checks over the whole database once the clients have stopped.

Each check returns a :class:`Result`; the run passes only if every one does. The database is
read with plain SQL over the core's tables (baskets, items, audit, terminals) and through the API
for what the providers count (tickets, stock, takings), and both are compared with what the
clients saw.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from .client import Api, Catalogue, SeenBasket, Stats, cents


@dataclass
class Result:
    name: str
    ok: bool
    detail: str


def _limit(items: list[Any], n: int = 5) -> str:
    head = "; ".join(str(i) for i in items[:n])
    return head + (f"; … ({len(items)} in all)" if len(items) > n else "")


def errors(stats: Stats, server_errors: list[str]) -> Result:
    bad = stats.server_errors + stats.unexpected + stats.failed + server_errors
    detail = (f"{len(stats.server_errors)} HTTP 5xx, {len(stats.unexpected)} unexpected errors, "
              f"{len(stats.failed)} requests never answered, {len(server_errors)} server log errors")
    return Result("no 500, no unexpected error, no lost request", not bad,
                  detail + ("" if not bad else ": " + _limit(bad)))


def connection_failures(stats: Stats, kills: list[tuple[float, float]], grace: float = 5.0) -> Result:
    """Every connection failure happened while a server was being killed and restarted."""
    kinds = Counter(kind for _t, _p, kind, _path in stats.connection_errors)
    outside = [(t, port, kind, path) for t, port, kind, path in stats.connection_errors
               if not any(k - 0.5 <= t <= ready + grace for k, ready in kills)]
    detail = (f"{len(stats.connection_errors)} connection failures during {len(kills)} kill(s) "
              f"({kinds['cut']} cut, {kinds['refused']} refused), all retried with the same opid "
              f"({stats.replayed} answers to a cut request replayed)")
    if outside:
        detail += f"; {len(outside)} outside a kill: {_limit(outside)}"
    return Result("connection failures only from the kill", not outside, detail)


def capacity(api: Api, cat: Catalogue) -> tuple[Result, dict[int, dict[str, int]]]:
    ids = ",".join(str(p) for p in cat.performances)
    rows = api.call("tickets/getticketcounts", {"performance": ids})["ticketcounts"]
    counts = {int(r["performance"]): {k: int(r[k]) for k in
                                      ("capacity", "sold", "reserved", "heldback", "available")}
              for r in rows}
    over = [f"performance {p}: {c}" for p, c in counts.items()
            if c["sold"] + c["reserved"] + c["heldback"] > c["capacity"] or c["sold"] < 0]
    full = [p for p, c in counts.items() if c["available"] == 0]
    detail = ", ".join(f"{p}: {c['sold']}+{c['reserved']}+{c['heldback']}/{c['capacity']}"
                       for p, c in counts.items())
    return (Result("sold + reserved + held back <= capacity", not over,
                   f"{detail} (sold out: {full or 'none'})" + (f"; OVER: {_limit(over)}" if over else "")),
            counts)


def tickets_sold(baskets: list[SeenBasket], counts: dict[int, dict[str, int]]) -> Result:
    seen: Counter[int] = Counter()
    for b in baskets:
        if b.closed:
            for perf, _tt, qty, refund in b.tickets.values():
                seen[perf] += -qty if refund else qty
    wrong = [f"performance {p}: clients saw {seen[p]}, the server counts {c['sold']}"
             for p, c in counts.items() if seen[p] != c["sold"]]
    return Result("tickets sold = what the clients saw sold", not wrong,
                  _limit(wrong) if wrong else ", ".join(f"{p}: {seen[p]}" for p in counts))


def _db(engine: sa.Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        baskets = {r.id: r for r in conn.execute(sa.text(
            "SELECT id, state, persistent, expires, closed, terminal_id FROM core_basket"))}
        items = {r.id: r for r in conn.execute(sa.text(
            "SELECT id, basket_id, type, quantity, unit_price, terminal_id FROM core_basket_item"))}
        audit = list(conn.execute(sa.text("SELECT command, basket_id, item_id FROM core_audit")))
        terminals = dict(conn.execute(sa.text("SELECT name, id FROM core_terminal")).all())
    return {"baskets": baskets, "items": items, "audit": audit, "terminals": terminals}


def closed_balance(db: dict[str, Any]) -> Result:
    value: Counter[int] = Counter()
    for i in db["items"].values():
        value[i.basket_id] += i.quantity * i.unit_price
    closed = [b for b in db["baskets"].values() if b.state == "closed"]
    bad = [f"basket {b.id}: {value[b.id]}" for b in closed if value[b.id] != 0]
    return Result("every closed basket has value 0", not bad,
                  f"{len(closed)} closed baskets" + (f"; NOT 0: {_limit(bad)}" if bad else ""))


def takings(api_for: dict[str, Api], baskets: list[SeenBasket], db: dict[str, Any],
            since: str) -> Result:
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for b in baskets:
        for code, amount in b.payments:
            seen[b.terminal, code] += amount
    by_id: dict[tuple[int, str], int] = defaultdict(int)
    for i in db["items"].values():
        if i.type == "payment":
            by_id[i.terminal_id, "all"] -= i.quantity * i.unit_price
    wrong, parts = [], []
    for terminal, api in api_for.items():
        tid = db["terminals"][terminal]
        client_total = sum(v for (t, _c), v in seen.items() if t == terminal)
        api_total = cents(api.call("money/gettakings", {"since": since})["takings"]["total"])
        for code in ("cash", "card"):
            by_code = cents(api.call("money/gettakings", {"since": since, "paymenttype": code}
                                     )["takings"]["total"])
            if by_code != seen[terminal, code]:
                wrong.append(f"{terminal} {code}: clients {seen[terminal, code]}, takings {by_code}")
        if not api_total == by_id[tid, "all"] == client_total:
            wrong.append(f"{terminal}: clients {client_total}, takings {api_total}, "
                         f"payment items {by_id[tid, 'all']}")
        parts.append(f"{terminal} {api_total / 100:.2f}")
    return Result("takings = payment items = what the clients saw accepted", not wrong,
                  _limit(wrong) if wrong else ", ".join(parts))


def sales_present(baskets: list[SeenBasket], db: dict[str, Any]) -> Result:
    missing = []
    closed = [b for b in baskets if b.closed]
    for b in closed:
        row = db["baskets"].get(b.id)
        items = {i.id: (i.type, i.quantity, i.unit_price) for i in db["items"].values()
                 if i.basket_id == b.id} if row is not None else {}
        if row is None or row.state != "closed" or items != b.items:
            missing.append(f"basket {b.id}: seen {b.items}, database "
                           f"{'none' if row is None else row.state} {items}")
    return Result("every sale a client saw succeed is in the database", not missing,
                  f"{len(closed)} closed baskets seen" + (f"; MISSING: {_limit(missing)}" if missing else ""))


def no_half_written(baskets: list[SeenBasket], db: dict[str, Any]) -> Result:
    """The database holds exactly the baskets and items the clients saw made (a retried request
    made nothing twice), every open basket is one a client left on purpose (none holds a
    payment), and every basket and item has its audit entry."""
    seen = {b.id: b for b in baskets}
    problems = []
    phantom = sorted(set(db["baskets"]) - set(seen))
    if phantom:
        problems.append(f"baskets no client saw made: {_limit(phantom)}")
    gone = sorted(i for i in set(seen) - set(db["baskets"]))
    if gone:
        problems.append(f"baskets gone: {_limit(gone)}")
    seen_items = {iid: b.id for b in baskets for iid in b.items}
    extra = sorted((i.id, i.basket_id) for i in db["items"].values() if seen_items.get(i.id) != i.basket_id)
    if extra:
        problems.append(f"items no client saw added: {_limit(extra)}")
    lost = sorted(i for i in seen_items if i not in db["items"])
    if lost:
        problems.append(f"items gone: {_limit(lost)}")
    open_ = [b for b in db["baskets"].values() if b.state == "open"]
    for row in open_:
        b = seen.get(row.id)
        if b is not None and (b.kind not in ("abandoned", "empty") or b.payments):
            problems.append(f"open basket {row.id} ({b.kind}, {len(b.payments)} payments)")
    audited = {(a.command, a.basket_id, a.item_id) for a in db["audit"]}
    for bid in db["baskets"]:
        if ("newbasket", bid, None) not in audited:
            problems.append(f"basket {bid} has no newbasket audit entry")
    for i in db["items"].values():
        if ("additem", i.basket_id, i.id) not in audited:
            problems.append(f"item {i.id} has no additem audit entry")
    kinds = Counter(b.kind for b in baskets)
    detail = (f"{len(db['baskets'])} baskets ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}), "
              f"{len(db['items'])} items, {len(open_)} open")
    return Result("no half-written basket", not problems,
                  detail + (f"; {_limit(problems)}" if problems else ""))


def stock(api: Api, baskets: list[SeenBasket], levels: dict[int, int]) -> Result:
    """Tracked cafe levels: never below 0, and the start level less what the clients sold."""
    sold: Counter[int] = Counter()
    for b in baskets:
        if b.closed:
            for sid, qty in b.cafe.values():
                sold[sid] += qty
    rows = {int(r["id"]): r for r in api.call("cafe/getstock")["stock"]}
    wrong = []
    for sid, level in levels.items():
        available = int(rows[sid]["available"])
        if available < 0 or available != level - sold[sid]:
            wrong.append(f"stock {sid}: start {level}, sold {sold[sid]}, available {available}")
    return Result("cafe levels = start less what was sold", not wrong,
                  _limit(wrong) if wrong else ", ".join(
                      f"stock {s}: {levels[s]} - {sold[s]}" for s in levels))


def expire_removed(before: dict[str, Any], after: dict[str, Any], expired: set[int],
                   expirable: set[int]) -> Result:
    """``xts2 expire`` deleted every basket expired before it ran, and nothing else."""
    deleted = set(before["baskets"]) - set(after["baskets"])
    bad = sorted(expired - deleted) + sorted(deleted - expirable)
    return Result("xts2 expire deletes the expired baskets and nothing else", not bad,
                  f"{len(deleted)} deleted" + (f"; WRONG: {_limit(bad)}" if bad else ""))


def snapshot(engine: sa.Engine) -> dict[str, Any]:
    return _db(engine)


def pooled(bouncer: Any) -> Result:
    """Through PgBouncer (``--pgbouncer``): the servers' transactions went through it, in
    transaction pooling mode, and it logged no error of its own."""
    stats = bouncer.show("STATS")
    pools = bouncer.show("POOLS")
    xacts = sum(int(r["total_xact_count"]) for r in stats)
    queries = sum(int(r["total_query_count"]) for r in stats)
    wait = sum(int(r["total_wait_time"]) for r in stats) / 1e6
    modes = sorted({str(r["pool_mode"]) for r in pools})
    servers = sum(int(r[k]) for r in pools for k in r if k.startswith("sv_") and "cancel" not in k)
    clients = sum(int(r["cl_active"]) + int(r["cl_waiting"]) for r in pools)
    errors = bouncer.errors()
    detail = (f"pgbouncer: {xacts} transactions, {queries} statements, pool mode "
              f"{'/'.join(modes) or 'none'}; {clients} client connections on a pool of "
              f"{bouncer.pool_size} server connections ({servers} open at the end); clients "
              f"waited {wait:.1f}s in all for a server connection "
              f"({1000 * wait / max(xacts, 1):.2f} ms a transaction); "
              f"{len(errors)} errors in its log")
    ok = xacts > 0 and modes == ["transaction"] and not errors
    return Result("through PgBouncer in transaction mode", ok,
                  detail + ("" if not errors else ": " + _limit(errors)))
