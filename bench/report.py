"""The benchmark's tables (plain text for the terminal, Markdown for docs) and the targets.

Every figure is printed next to its ratio to the two baselines of the same server setup (database,
size, processes): ``×bare`` to the bare Pyramid view, ``×db`` to the database floor. The scaling
table gives each figure at 10× and 100× as a ratio to the same figure at 1×.
"""

from __future__ import annotations

from typing import Any

#: (case id, label) in the order printed.
LABELS = {
    "floor-static": "bare Pyramid view (floor)",
    "floor-db": "one indexed aggregate (db floor)",
    "counts-1": "getticketcounts, 1 id",
    "counts-20": "getticketcounts, 20 ids",
    "programme": "getprogramme",
    "shows": "getshows current=true",
    "basket-20": "getbasket, 20 items",
    "sale": "full sale, 16 clients",
}
READS = ["counts-1", "counts-20", "programme", "shows", "basket-20"]
DB_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

#: Targets (figures to compare with, never test assertions): (what, expected).
CALIBRATION = {"floor-static": 4500.0, "floor-db": 1300.0}


def setup_title(s: dict[str, Any]) -> str:
    plan = s.get("plan") or {}
    procs = s["processes"]
    what = (f"{plan.get('performances', 0):,} performances, {plan.get('sold_tickets', 0):,} sold "
            f"tickets") if plan else ""
    server = f"{procs} waitress process{'es' if procs > 1 else ''} × {s.get('threads', '?')} threads"
    loads = [c["loadavg"] for c in s["cases"].values() if c.get("loadavg") is not None]
    load = f", load average {min(loads):.1f}–{max(loads):.1f}" if loads else ""
    return f"{DB_NAMES.get(s['db'], s['db'])}, {s['size']}× ({what}), {server}{load}"


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "–"
    return f"{a / b:.2f}"


def _num(x: float | None, fmt: str = ",.0f") -> str:
    return "–" if x is None else format(x, fmt)


def _ms(x: float | None) -> str:
    return "–" if x is None else f"{x * 1000:.1f}"


def _cpu(c: dict[str, Any]) -> str:
    x = c.get("cpu_ms")
    return "–" if x is None else f"{x:.2f}"


def case_rows(s: dict[str, Any]) -> list[list[str]]:
    """One setup's rows: case, req/s, ×bare, ×db, p50, p99, queries/request, failures."""
    cases = s["cases"]
    bare = (cases.get("floor-static") or {}).get("rps")
    db = (cases.get("floor-db") or {}).get("rps")
    bare_cpu = (cases.get("floor-static") or {}).get("cpu_ms")
    rows = []
    for cid, label in LABELS.items():
        c = cases.get(cid)
        if c is None:
            continue
        q = c.get("queries")
        if cid == "sale":
            steps = c.get("queries_steps")
            qtext = (f"{sum(steps)}/sale ({'+'.join(map(str, steps))})" if steps else "–")
            rows.append([f"{label}: {c['sps']:,.0f} sales/s", _num(c["rps"]),
                         _ratio(c["rps"], bare), _ratio(c["rps"], db), _ms(c["p50"]),
                         _ms(c["p99"]), _cpu(c), _ratio(c.get("cpu_ms"), bare_cpu), qtext,
                         str(c["failures"])])
            rows.append(["  … a whole sale (5 requests)", "", "", "", _ms(c["sale_p50"]),
                         _ms(c["sale_p99"]), "", "", "", ""])
            continue
        rows.append([label, _num(c["rps"]), _ratio(c["rps"], bare), _ratio(c["rps"], db),
                     _ms(c["p50"]), _ms(c["p99"]), _cpu(c), _ratio(c.get("cpu_ms"), bare_cpu),
                     "–" if q is None else f"{q:g}", str(c["failures"])])
    return rows


CASE_HEAD = ["case", "req/s", "×bare", "×db", "p50 ms", "p99 ms", "CPU ms/req", "CPU ×bare",
             "queries/req", "failed"]


def scaling_rows(setups: list[dict[str, Any]], db: str) -> tuple[list[str], list[list[str]]]:
    """Per case: p50, req/s and queries at each size, with the ratio to 1×."""
    mine = sorted((s for s in setups if s["db"] == db and s["processes"] == 1),
                  key=lambda s: s["size"])
    if len(mine) < 2:
        return [], []
    base = mine[0]
    head = (["case"] + [f"p50 ms {s['size']}×" for s in mine]
            + [f"req/s {s['size']}×" for s in mine]
            + [f"CPU ms/req {s['size']}×" for s in mine]
            + ["queries/req " + "/".join(f"{s['size']}×" for s in mine)])
    rows = []
    for cid, label in LABELS.items():
        b = base["cases"].get(cid)
        if b is None:
            continue
        p50s, rpss, cpus, qs = [], [], [], []
        for s in mine:
            c = s["cases"].get(cid)
            if c is None:
                p50s.append("–")
                rpss.append("–")
                cpus.append("–")
                qs.append("–")
                continue
            tail = "" if s is base else f" ({_ratio(c.get('cpu_ms'), b.get('cpu_ms'))}×)"
            cpus.append(f"{_cpu(c)}{tail}")
            p50 = c["sale_p50"] if cid == "sale" else c["p50"]
            bp50 = b["sale_p50"] if cid == "sale" else b["p50"]
            rate = c["sps"] if cid == "sale" else c["rps"]
            brate = b["sps"] if cid == "sale" else b["rps"]
            tail = "" if s is base else f" ({_ratio(p50, bp50)}×)"
            p50s.append(f"{_ms(p50)}{tail}")
            tail = "" if s is base else f" ({_ratio(rate, brate)}×)"
            rpss.append(f"{_num(rate)}{tail}")
            if cid == "sale":
                steps = c.get("queries_steps")
                qs.append(str(sum(steps)) if steps else "–")
            else:
                q = c.get("queries")
                qs.append("–" if q is None else f"{q:g}")
        name = label + (" (sale p50, sales/s)" if cid == "sale" else "")
        rows.append([name, *p50s, *rpss, *cpus, "/".join(qs)])
    return head, rows


# -- the hot on-sale ------------------------------------------------------------------------

ONSALE_HEAD = ["setup", "clients", "seats", "sold", "sales", "refused", "failed",
               "sold out s", "additem p50 ms", "additem p99 ms", "sale p50 ms", "sale p99 ms",
               "req/s", "CPU ms/req", "load"]


def onsale_rows(setups: list[dict[str, Any]]) -> list[list[str]]:
    """One row per setup that ran the on-sale. "sold out" is the time from the first seat granted
    to the last; "sold" is what the server counts as sold (closed baskets) afterwards."""
    rows = []
    for s in setups:
        c = s["cases"].get("onsale")
        if c is None:
            continue
        procs = s["processes"]
        refused = ", ".join(f"{n} {code}" for code, n in sorted(c["refusals"].items())) or "0"
        soldout = "–" if c["soldout"] is None else f"{c['soldout']:.2f}"
        if c.get("runs"):
            soldout += " (" + " / ".join("–" if x is None else f"{x:.2f}" for x in c["runs"]) + ")"
        rows.append([f"{DB_NAMES.get(s['db'], s['db'])}, {procs} process{'es' if procs > 1 else ''}",
                     str(c["clients"]), f"{c['capacity']:,}", f"{c['sold']:,}", f"{c['sales']:,}",
                     refused, str(c["failures"]), soldout, _ms(c["additem_p50"]),
                     _ms(c["additem_p99"]), _ms(c["sale_p50"]), _ms(c["sale_p99"]),
                     _num(c["rps"]), _cpu(c), f"{c['loadavg']:.1f}"])
    return rows


# -- targets ---------------------------------------------------------------------------------

def targets(setups: list[dict[str, Any]]) -> list[tuple[str, str, bool | None]]:
    """(target, what was measured, met?) — ``None`` when this run did not measure it."""
    out: list[tuple[str, str, bool | None]] = []

    def find(db: str, size: int = 1, processes: int = 1) -> dict[str, Any] | None:
        return next((s for s in setups if s["db"] == db and s["size"] == size
                     and s["processes"] == processes), None)

    smallest = min((s["size"] for s in setups), default=1)
    for db in ("sqlite", "postgresql"):
        s = find(db, smallest)
        if s is None:
            continue
        name = DB_NAMES[db]
        c = s["cases"]
        dbf = (c.get("floor-db") or {}).get("rps")
        if db == "sqlite":
            for cid, expected in CALIBRATION.items():
                got = (c.get(cid) or {}).get("rps")
                if got is not None:
                    out.append((f"{LABELS[cid]} ≈{expected:,.0f} req/s on SQLite (the machine)",
                                f"{got:,.0f} req/s", got >= 0.85 * expected))
        # Issue 15 raised getticketcounts' ratio from 0.8 to 0.9.
        for cid, need in (("counts-1", 0.9), ("programme", 0.5), ("basket-20", 0.5)):
            got = (c.get(cid) or {}).get("rps")
            if got is not None and dbf:
                out.append((f"{name}: {LABELS[cid]} ≥ {need}× db floor",
                            f"{got / dbf:.2f}× ({got:,.0f} / {dbf:,.0f} req/s)", got / dbf >= need))
        sale = c.get("sale")
        if sale is not None and db == "sqlite":
            ok = sale["sps"] >= 100 and sale["failures"] == 0
            bare = (c.get("floor-static") or {}).get("rps")
            # The target's 100/s is for a machine whose bare view answers 4,500 req/s; a shared
            # machine is often slower, so the rate at that machine's speed is shown beside it
            # (the verdict stays on the rate measured).
            scaled = (f" (≈{sale['sps'] * CALIBRATION['floor-static'] / bare:,.0f} at the "
                      f"calibrated speed: bare view {bare:,.0f} of "
                      f"{CALIBRATION['floor-static']:,.0f} req/s)") if bare else ""
            out.append(("SQLite: full sale ≥ 100 sales/s, 16 clients, 1 process, none failing",
                        f"{sale['sps']:,.0f} sales/s, {sale['failures']} failed{scaled}", ok))
            if dbf:
                # Issue 15's form of the same target: the sale's requests at half the floor's rate
                # (100 sales/s, 500 req/s, at a floor of 1,000 req/s), on the same machine.
                out.append(("SQLite: full sale's requests ≥ 0.5× db floor, 16 clients, 1 process",
                            f"{sale['rps'] / dbf:.2f}× ({sale['rps']:,.0f} / {dbf:,.0f} req/s)",
                            sale["rps"] / dbf >= 0.5 and sale["failures"] == 0))
        elif sale is not None:
            out.append((f"{name}: full sale, none failing (figure only)",
                        f"{sale['sps']:,.0f} sales/s, {sale['failures']} failed",
                        sale["failures"] == 0))
        for o in (x for x in setups if x["db"] == db and "onsale" in x["cases"]):
            c = o["cases"]["onsale"]
            want = c["clients"] - (c["capacity"] // c["quantity"])
            refused = sum(c["refusals"].values())
            out.append((f"{name}, {o['processes']}p: on-sale sells exactly the {c['capacity']} "
                        f"seats, {want} clients refused (item_rejected), none failing",
                        f"{c['sold']} sold, {c['sales']} sales, {refused} refused, "
                        f"{c['failures']} failed", c["sold"] == c["capacity"] and refused == want
                        and c["failures"] == 0 and not c.get("oversold")))
            if db == "sqlite":
                out.append(("SQLite: on-sale, the last seat sold ≤ 5 s after the first",
                            "–" if c["soldout"] is None else f"{c['soldout']:.2f} s",
                            c["soldout"] is not None and c["soldout"] <= 5))
        sizes = sorted({x["size"] for x in setups if x["db"] == db and x["processes"] == 1})
        if len(sizes) > 1:
            lo, hi = find(db, sizes[0]), find(db, sizes[-1])
            for cid in READS:
                a, b = lo["cases"].get(cid), hi["cases"].get(cid)
                if a is None or b is None:
                    continue
                r = b["p50"] / a["p50"] if a["p50"] else float("inf")
                cpu = (f"; CPU/req {_ratio(b.get('cpu_ms'), a.get('cpu_ms'))}×"
                       if a.get("cpu_ms") and b.get("cpu_ms") else "")
                out.append((f"{name}: {LABELS[cid]} p50 {sizes[-1]}× ≤ 1.3× of {sizes[0]}×",
                            f"{r:.2f}× ({_ms(a['p50'])} → {_ms(b['p50'])} ms{cpu})", r <= 1.3))
            grew = []
            for cid in [*READS, "sale"]:
                a, b = lo["cases"].get(cid), hi["cases"].get(cid)
                if a is None or b is None:
                    continue
                qa = sum(a.get("queries_steps") or []) if cid == "sale" else a.get("queries")
                qb = sum(b.get("queries_steps") or []) if cid == "sale" else b.get("queries")
                if qa is not None and qb is not None and qb > qa:
                    grew.append(f"{cid} {qa:g}→{qb:g}")
            out.append((f"{name}: queries per request do not grow {sizes[0]}× → {sizes[-1]}×",
                        ", ".join(grew) or "unchanged", not grew))
    return out


# -- rendering -------------------------------------------------------------------------------

def text_table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]

    def line(r: list[str]) -> str:
        return "  ".join(str(v).ljust(w) if i == 0 else str(v).rjust(w)
                         for i, (v, w) in enumerate(zip(r, widths, strict=True)))

    return "\n".join([line(head), "  ".join("-" * w for w in widths), *map(line, rows)])


def md_table(head: list[str], rows: list[list[str]]) -> str:
    def esc(v: str) -> str:
        return str(v).replace("|", "\\|")

    out = ["| " + " | ".join(map(esc, head)) + " |",
           "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|"]
    out += ["| " + " | ".join(esc(v) for v in r) + " |" for r in rows]
    return "\n".join(out)


def render(results: dict[str, Any], markdown: bool = False) -> str:
    table = md_table if markdown else text_table
    setups = results["setups"]
    parts = []
    for s in setups:
        if not case_rows(s):
            continue  # only the on-sale ran here: it has a section of its own
        title = setup_title(s)
        parts.append((f"#### {title}" if markdown else f"== {title}") + "\n\n"
                     + table(CASE_HEAD, case_rows(s)))
    rows = onsale_rows(setups)
    if rows:
        title = "Hot on-sale (each client: newbasket, 2 tickets, pay, close; all at once)"
        messages: dict[str, int] = {}
        for s in setups:
            for msg, n in ((s["cases"].get("onsale") or {}).get("messages") or {}).items():
                messages[msg] = messages.get(msg, 0) + n
        said = "; ".join(f"“{m}” ({n}×)" for m, n in sorted(messages.items(), key=lambda x: -x[1])[:3])
        parts.append((f"#### {title}" if markdown else f"== {title}") + "\n\n"
                     + table(ONSALE_HEAD, rows)
                     + (f"\n\nRefusals said: {said}" if said else ""))
    for db in ("sqlite", "postgresql"):
        head, rows = scaling_rows(setups, db)
        if rows:
            title = f"Scaling on {DB_NAMES[db]} (ratio to the smallest size in brackets)"
            parts.append((f"#### {title}" if markdown else f"== {title}") + "\n\n"
                         + table(head, rows))
    ts = targets(setups)
    if ts:
        rows = [[t, got, "–" if ok is None else ("met" if ok else "MISSED")] for t, got, ok in ts]
        parts.append(("#### Targets" if markdown else "== Targets") + "\n\n"
                     + table(["target", "measured", ""], rows))
    return "\n\n".join(parts) + "\n"
