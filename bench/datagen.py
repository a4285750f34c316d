"""A generated season of a chosen size, bulk-inserted into a database that ``xts2 initdb`` made.

The small parts (payment types, the cafe's stock, the benchmark's terminals) go through the
operator's own ``xts2 load``; everything that grows with the venue (shows, ticket types,
performances, baskets and their items, tickets, payments, cafe lines and the audit log) is written
with bulk inserts straight into the tables: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

Size ``s`` (1×, 10×, 100×) scales the whole database: ``20·s`` shows, ``500·s`` performances and
about ``10,000·s`` sold tickets in about ``4,000·s`` closed baskets. What a client asks for stays
the same at every size: the *current* programme (8 shows, 200 performances from a week ago to six
weeks ahead, with the same sales) and the open baskets; the rest is the venue's history (shows that
have closed), so the ratio of a figure at 100× to 1× measures what the stored data costs, not a
bigger answer. At 100× that is 50,000 performances and about a million sold tickets.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

PERFS_PER_SHOW = 25
SHOWS_PER_SIZE = 20
CURRENT_SHOWS = 8
CAPACITY = 200
TERMINALS = 16
#: Website terminals (the on-sale case): a venue's website keeps a basket longer than a till.
WEBSITE_TERMINALS = 4
WEBSITE_EXPIRY = 1800
PAYMENTTYPE = "cash"
TZ = ZoneInfo("Europe/London")

STOCK = [
    {"name": "Coffee", "price": "2.20", "category": "drinks"},
    {"name": "Tea", "price": "1.80", "category": "drinks"},
    {"name": "Orange juice", "price": "2.00", "category": "drinks"},
    {"name": "Flapjack", "price": "2.50", "category": "food"},
    {"name": "Programme", "price": "4.00", "category": "merchandise"},
    {"name": "Ice cream", "price": "3.00", "category": "food", "level": 1000000},
]

#: The columns written to each table, in order. Checked against the installed schema first, so a
#: provider that adds a required column makes the generator stop with a clear message.
COLUMNS: dict[str, list[str]] = {
    "tickets_show": ["id", "name", "description", "publicity"],
    "tickets_tickettype": ["id", "show_id", "name", "price"],
    "tickets_performance": ["id", "show_id", "start", "capacity", "heldback"],
    "core_basket": ["id", "name", "name_folded", "state", "persistent", "created", "expires",
                    "closed", "terminal_id"],
    "core_basket_item": ["id", "basket_id", "type", "quantity", "unit_price", "description",
                         "detail", "added", "terminal_id"],
    "tickets_ticket": ["item_id", "performance_id", "tickettype_id", "quantity"],
    "cafe_line": ["item_id", "stock_id"],
    "money_payment": ["item_id", "paymenttype_id", "terminal_id", "added", "amount", "refund"],
    "core_audit": ["id", "at", "terminal_id", "admin", "command", "basket_id", "item_id",
                   "detail"],
}
#: Insert order (parents first: PostgreSQL checks foreign keys row by row).
ORDER = list(COLUMNS)


def terminal_key(n: int) -> str:
    return f"bench-terminal-key-{n:04d}"


def website_key(n: int) -> str:
    return f"bench-website-key-{n:04d}"


@dataclass
class Plan:
    """What the benchmark needs to know about the generated data."""

    size: int
    #: Performances of the current programme that have not started yet (for counts and sales).
    future_performances: list[int] = field(default_factory=list)
    #: (performance, ticket type) pairs a sale may choose from (performances a day or more ahead).
    sale_tickets: list[tuple[int, int]] = field(default_factory=list)
    #: Baskets of 20 items (half open and persistent, half closed).
    baskets20: list[int] = field(default_factory=list)
    #: Closed baskets for the database floor's aggregate.
    floor_baskets: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    #: Website terminals' keys (their baskets expire after WEBSITE_EXPIRY seconds).
    website_keys: list[str] = field(default_factory=list)
    paymenttype: str = PAYMENTTYPE
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"size": self.size, "rows": self.rows, "seconds": round(self.seconds, 1),
                "performances": sum(v for k, v in self.rows.items()
                                    if k == "tickets_performance"),
                "sold_tickets": self.rows.get("sold_tickets", 0)}


# -- the operator's steps --------------------------------------------------------------------

def season_yaml() -> str:
    """Payment types, stock and the benchmark's terminals, as a season file (JSON is YAML)."""
    data = {
        "paymenttypes": [{"code": "cash", "name": "Cash"}, {"code": "card", "name": "Card"}],
        "stock": STOCK,
        "terminals": [{"name": f"Bench terminal {n}", "key": terminal_key(n),
                       "paymenttypes": ["cash", "card"]} for n in range(1, TERMINALS + 1)]
        + [{"name": f"Bench website {n}", "key": website_key(n), "paymenttypes": ["card"],
            "expiry": WEBSITE_EXPIRY} for n in range(1, WEBSITE_TERMINALS + 1)],
    }
    return json.dumps(data, indent=1)


def xts2(*args: str, env: dict[str, str] | None = None) -> str:
    exe = Path(sys.executable).with_name("xts2")
    out = subprocess.run([str(exe), *args], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"xts2 {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def prepare(ini: Path, workdir: Path, env: dict[str, str]) -> None:
    """``xts2 initdb`` then ``xts2 load`` of the small season file."""
    xts2("initdb", str(ini), env=env)
    season = workdir / "bench-season.json"
    season.write_text(season_yaml())
    xts2("load", str(ini), str(season), env=env)


# -- writing rows ----------------------------------------------------------------------------

def check_schema(engine: sa.Engine) -> None:
    """Every column we write exists, and every required column is one we write."""
    insp = sa.inspect(engine)
    problems = []
    for table, cols in COLUMNS.items():
        try:
            actual = {c["name"]: c for c in insp.get_columns(table)}
        except sa.exc.NoSuchTableError:
            problems.append(f"table {table} is missing (is its plugin installed?)")
            continue
        for c in cols:
            if c not in actual:
                problems.append(f"{table}.{c} does not exist")
        for name, c in actual.items():
            if name not in cols and not c["nullable"] and c.get("default") is None:
                problems.append(f"{table}.{name} is required and the generator does not fill it")
    if problems:
        raise RuntimeError("the schema is not what bench/datagen.py writes: " + "; ".join(problems))


class Writer:
    """Buffers rows per table and writes them in bulk, parents first."""

    def __init__(self, engine: sa.Engine, chunk: int = 50_000) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.chunk = chunk
        self.buffers: dict[str, list[tuple[Any, ...]]] = {t: [] for t in ORDER}
        self.counts: dict[str, int] = dict.fromkeys(ORDER, 0)
        self.raw = engine.raw_connection()
        if self.sqlite:
            self.raw.execute("PRAGMA foreign_keys=OFF")
            self.raw.execute("PRAGMA synchronous=OFF")

    # Values as the database stores them (what SQLAlchemy's types would have written).
    def ts(self, dt: datetime | None) -> Any:
        if dt is None:
            return None
        naive = dt.astimezone(UTC).replace(tzinfo=None)
        return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else naive

    def flag(self, value: bool) -> Any:
        return int(value) if self.sqlite else value

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        buf = self.buffers[table]
        buf.append(row)
        if len(buf) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        cur = self.raw.cursor()
        for table in ORDER:
            rows = self.buffers[table]
            if not rows:
                continue
            cols = COLUMNS[table]
            if self.sqlite:
                marks = ", ".join("?" * len(cols))
                cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)
            else:
                with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            self.counts[table] += len(rows)
            self.buffers[table] = []
        cur.close()

    def finish(self) -> None:
        self.flush()
        self.raw.commit()
        cur = self.raw.cursor()
        if not self.sqlite:
            # Serial ids carry on after the ones we wrote.
            for table, cols in COLUMNS.items():
                if cols[0] == "id":
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"(SELECT coalesce(max(id), 1) FROM {table}))")
            self.raw.commit()
        cur.close()
        self.raw.close()
        if not self.sqlite:
            # What autovacuum would have done by now on a database that grew over years.
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")


# -- the season ------------------------------------------------------------------------------

def _start(today: date, days: int, hhmm: tuple[int, int]) -> datetime:
    return datetime.combine(today + timedelta(days=days), dtime(*hhmm), tzinfo=TZ).astimezone(UTC)


def _label(showname: str, start: datetime) -> str:
    return f"{showname}, {start.astimezone(TZ):%a %-d %b %H:%M}"


def generate(engine: sa.Engine, size: int, now: datetime | None = None, seed: int = 7,
             progress: Callable[[str], None] = lambda s: None) -> Plan:
    """Write a season of ``size`` into ``engine``'s database (prepared by :func:`prepare`)."""
    t0 = time.perf_counter()
    check_schema(engine)
    rng = random.Random(seed)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    today = now.astimezone(TZ).date()
    plan = Plan(size=size)

    with engine.connect() as conn:
        terminals = dict(conn.execute(sa.text(
            "SELECT name, id FROM core_terminal WHERE name LIKE 'Bench terminal %'")).all())
        pt = conn.execute(sa.text("SELECT id, code, name FROM money_paymenttype WHERE code = :c"),
                          {"c": PAYMENTTYPE}).one()
        stock = [r for r in conn.execute(sa.text(
            "SELECT id, name, category, price FROM cafe_stock WHERE level IS NULL ORDER BY id"))]
        first_ids = {t: (conn.execute(sa.text(f"SELECT coalesce(max(id), 0) FROM {t}")).scalar()
                         or 0) + 1 for t in ("core_basket", "core_basket_item", "core_audit",
                                             "tickets_show", "tickets_tickettype",
                                             "tickets_performance")}
    terminal_ids = [terminals[f"Bench terminal {n}"] for n in range(1, TERMINALS + 1)]
    plan.keys = [terminal_key(n) for n in range(1, TERMINALS + 1)]
    plan.website_keys = [website_key(n) for n in range(1, WEBSITE_TERMINALS + 1)]

    w = Writer(engine)
    ids = dict(first_ids)

    def next_id(table: str) -> int:
        i = ids[table]
        ids[table] = i + 1
        return i

    # Shows, ticket types, performances. Past shows first (older ids), the current ones last.
    n_shows = SHOWS_PER_SIZE * size
    n_past = n_shows - CURRENT_SHOWS
    perfs: list[tuple[int, int, datetime, str]] = []  # (id, show id, start, show name)
    types: dict[int, list[tuple[int, str, int]]] = {}  # show id -> [(id, name, price)]
    for j in range(n_shows):
        sid = next_id("tickets_show")
        current = j >= n_past
        name = f"Current show {j - n_past + 1}" if current else f"Past show {j + 1}"
        w.add("tickets_show", (sid, name, f"{name}: a generated show.", ""))
        adult = 1000 + (sid % 5) * 200
        tts = [(next_id("tickets_tickettype"), "Adult", adult),
               (next_id("tickets_tickettype"), "Concession", adult - 400)]
        if sid % 3 == 0:
            tts.append((next_id("tickets_tickettype"), "Child", 600))
        types[sid] = tts
        for tid, tname, price in tts:
            w.add("tickets_tickettype", (tid, sid, tname, price))
        slot = (j - n_past) if current else j % CURRENT_SHOWS
        hhmm = (19, 30) if slot % 2 == 0 else (14, 30)
        base = -6 if current else -8 - 50 * (j // CURRENT_SHOWS + 1)
        for k in range(PERFS_PER_SHOW):
            start = _start(today, base + 2 * k + slot % 2, hhmm)
            pid = next_id("tickets_performance")
            w.add("tickets_performance", (pid, sid, w.ts(start), CAPACITY, 0))
            perfs.append((pid, sid, start, name))
    progress(f"{n_shows} shows, {len(perfs)} performances")

    state = {"sold": 0}

    def basket(created: datetime, lines: list[tuple[int, int, datetime, str, int, int]],
               *, close: bool, persistent: bool = False, name: str | None = None,
               expires: datetime | None = None, cafe: int = 0) -> int:
        """One basket with ticket lines (perf, show, start, showname, tickettype idx, qty)."""
        bid = next_id("core_basket")
        term = rng.choice(terminal_ids)
        at = created
        rows: list[tuple[Any, ...]] = []
        audits: list[tuple[Any, ...]] = [(next_id("core_audit"), w.ts(at), term, w.flag(False),
                                          "newbasket", bid, None, '{"expiry": 900}')]
        value = 0
        for pid, sid, start, sname, ti, qty in lines:
            tid, tname, price = types[sid][ti % len(types[sid])]
            at += timedelta(seconds=rng.randint(5, 40))
            iid = next_id("core_basket_item")
            desc = f"{_label(sname, start)}, {tname}"
            detail = json.dumps({"performance": pid, "show": sid, "showname": sname,
                                 "start": start.isoformat(), "tickettype": tid,
                                 "tickettypename": tname, "refund": False})
            rows.append(("core_basket_item", (iid, bid, "ticket", qty, price, desc, detail,
                                              w.ts(at), term)))
            rows.append(("tickets_ticket", (iid, pid, tid, qty)))
            audits.append((next_id("core_audit"), w.ts(at), term, w.flag(False), "additem", bid,
                           iid, json.dumps({"type": "ticket", "quantity": qty,
                                            "unit_price": price, "description": desc})))
            value += qty * price
            if close:
                state["sold"] += qty
        for _ in range(cafe):
            st = rng.choice(stock)
            at += timedelta(seconds=rng.randint(5, 40))
            iid = next_id("core_basket_item")
            detail = json.dumps({"stock": st.id, "name": st.name, "category": st.category})
            rows.append(("core_basket_item", (iid, bid, "cafe", 1, st.price, st.name, detail,
                                              w.ts(at), term)))
            rows.append(("cafe_line", (iid, st.id)))
            audits.append((next_id("core_audit"), w.ts(at), term, w.flag(False), "additem", bid,
                           iid, json.dumps({"type": "cafe", "quantity": 1,
                                            "unit_price": st.price, "description": st.name})))
            value += st.price
        closed = None
        if close:
            at += timedelta(seconds=rng.randint(10, 60))
            iid = next_id("core_basket_item")
            desc = f"{pt.name} payment"
            detail = json.dumps({"paymenttype": pt.code, "paymenttypename": pt.name,
                                 "paymenttype_id": pt.id, "terminal": term, "refund": False})
            rows.append(("core_basket_item", (iid, bid, "payment", 1, -value, desc, detail,
                                              w.ts(at), term)))
            rows.append(("money_payment", (iid, pt.id, term, w.ts(at), value, w.flag(False))))
            audits.append((next_id("core_audit"), w.ts(at), term, w.flag(False), "additem", bid,
                           iid, json.dumps({"type": "payment", "quantity": 1,
                                            "unit_price": -value, "description": desc})))
            closed = at + timedelta(seconds=5)
            audits.append((next_id("core_audit"), w.ts(closed), term, w.flag(False),
                           "closebasket", bid, None, "{}"))
            expires = None
        w.add("core_basket", (bid, name, name.casefold() if name else None,
                              "closed" if close else "open", w.flag(persistent),
                              w.ts(created), w.ts(expires), w.ts(closed), term))
        for table, row in rows:
            w.add(table, row)
        for row in audits:
            w.add("core_audit", row)
        return bid

    # Closed baskets: ~20 sold per performance that has happened, ~15 per one to come.
    for pid, sid, start, sname in perfs:
        future = start > now
        target = rng.randint(5, 25) if future else rng.randint(10, 30)
        while target > 0:
            n = min(target, rng.choice((1, 2, 2, 2, 3, 4)))
            target -= n
            first = rng.randint(1, n) if n > 1 and rng.random() < 0.4 else n
            lines = [(pid, sid, start, sname, 0, first)]
            if n > first:
                lines.append((pid, sid, start, sname, 1, n - first))
            latest = min(start, now) - timedelta(minutes=10)
            created = latest - timedelta(seconds=rng.randint(0, 30 * 86400))
            basket(created, lines, close=True, cafe=1 if rng.random() < 0.15 else 0)
    progress(f"{w.counts['core_basket'] + len(w.buffers['core_basket'])} closed baskets")

    future = [(pid, sid, start, sname) for pid, sid, start, sname in perfs if start > now]
    plan.future_performances = [p[0] for p in future]
    sale_perfs = [p for p in future if p[2] > now + timedelta(days=1)]
    plan.sale_tickets = [(pid, t[0]) for pid, sid, _, _ in sale_perfs for t in types[sid][:2]]

    def some_lines(k: int) -> list[tuple[int, int, datetime, str, int, int]]:
        return [(*rng.choice(future), rng.randint(0, 1), rng.randint(1, 2)) for _ in range(k)]

    # Open baskets (the same at every size): live, persistent (held), and expired ones.
    recent = now - timedelta(minutes=5)
    for _ in range(40):
        basket(recent, some_lines(rng.randint(1, 2)), close=False,
               expires=now + timedelta(days=1))
    for n in range(20):
        basket(recent, some_lines(rng.randint(1, 3)), close=False, persistent=True,
               name=f"Held for customer {n + 1}")
    for _ in range(50):
        basket(now - timedelta(hours=2), some_lines(rng.randint(1, 2)), close=False,
               expires=now - timedelta(hours=1, minutes=45))
    # Baskets of 20 items for getbasket: 5 open and persistent, 5 closed.
    earlier = now - timedelta(minutes=30)
    for n in range(5):
        plan.baskets20.append(basket(earlier, some_lines(17), close=False, persistent=True,
                                     name=f"Group booking {n + 1}", cafe=3))
        plan.baskets20.append(basket(earlier, some_lines(18), close=True, cafe=1))

    w.finish()
    plan.rows = dict(w.counts)
    plan.rows["sold_tickets"] = state["sold"]
    closed_ids = range(first_ids["core_basket"], first_ids["core_basket"] + 1000 * size)
    plan.floor_baskets = sorted(rng.sample(closed_ids, min(500, len(closed_ids))))
    plan.seconds = time.perf_counter() - t0
    progress(f"wrote {sum(w.counts.values()):,} rows in {plan.seconds:.1f}s")
    return plan


# -- the on-sale case ------------------------------------------------------------------------

def onsale_performance(url: str, capacity: int, n: int, now: datetime | None = None
                       ) -> tuple[int, int]:
    """A new performance of ``capacity`` seats with nothing sold, about to go on sale: one more
    performance of a show of its own ("On-sale show", made by the first call), ninety days and
    ``n`` hours ahead (outside the programme's window, so the reads measured beside it do not
    change). Returns (performance id, the show's Adult ticket type id). Written straight into the
    tables while the servers run, as another process would."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    sqlite = engine.dialect.name == "sqlite"
    name = "On-sale show"
    try:
        with engine.begin() as conn:
            show = conn.execute(sa.text("SELECT id FROM tickets_show WHERE name = :n"),
                                {"n": name}).scalar()
            if show is None:
                show = conn.execute(sa.text(
                    "INSERT INTO tickets_show (name, description, publicity) "
                    "VALUES (:n, :d, '') RETURNING id"),
                    {"n": name, "d": "A generated show that goes on sale."}).scalar_one()
                conn.execute(sa.text("INSERT INTO tickets_tickettype (show_id, name, price) "
                                     "VALUES (:s, 'Adult', 2500)"), {"s": show})
            tickettype = conn.execute(sa.text(
                "SELECT id FROM tickets_tickettype WHERE show_id = :s AND name = 'Adult'"),
                {"s": show}).scalar_one()
            start = (_start(now.astimezone(TZ).date(), 90, (19, 30)) + timedelta(hours=n))
            naive = start.astimezone(UTC).replace(tzinfo=None)
            perf = conn.execute(sa.text(
                "INSERT INTO tickets_performance (show_id, start, capacity, heldback) "
                "VALUES (:s, :t, :c, 0) RETURNING id"),
                {"s": show, "t": naive.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else naive,
                 "c": capacity}).scalar_one()
    finally:
        engine.dispose()
    return perf, tickettype
