"""The benchmark runs end to end in its quickest mode and prints its table with ratios.

``python -m bench --quick``: SQLite, 1×, a second per case, real pserve servers. Nothing here
looks at how fast anything was: only that every case ran, nothing failed, and each figure has its
ratios to the baselines and a count of SQL statements.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

ROWS = [
    "bare Pyramid view (floor)",
    "one indexed aggregate (db floor)",
    "getticketcounts, 1 id",
    "getticketcounts, 20 ids",
    "getprogramme",
    "getshows current=true",
    "getbasket, 20 items",
    "full sale, 16 clients",
]
NUMBER = r"[\d,]+(?:\.\d+)?"


@pytest.mark.live
@pytest.mark.slow
def test_quick_run_prints_the_table_with_ratios(tmp_path: Path) -> None:
    out_json = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--no-install", "--json", str(out_json),
         "--workdir", str(tmp_path / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout

    assert "== SQLite, 1× (500 performances" in out
    header = next(line for line in out.splitlines() if line.startswith("case "))
    for column in ("req/s", "×bare", "×db", "p50 ms", "p99 ms", "queries/req", "failed"):
        assert column in header

    lines = out.splitlines()
    for label in ROWS:
        row = next((line for line in lines if line.startswith(label)), None)
        assert row is not None, f"no row for {label}:\n{out}"
        # req/s, then its ratios to the bare floor and the database floor.
        assert re.search(rf"\s{NUMBER}\s+{NUMBER}\s+{NUMBER}\s", row[len(label):]), row
        assert row.split()[-1] == "0", f"requests failed: {row}"
    floors = [line for line in lines if line.startswith(ROWS[0])]
    assert re.search(r"\s1\.00\s", floors[0])  # the bare floor against itself
    assert "sales/s" in next(line for line in lines if line.startswith("full sale"))
    assert "== Targets" in out

    results = json.loads(out_json.read_text())
    (setup,) = results["setups"]
    assert (setup["db"], setup["size"], setup["processes"]) == ("sqlite", 1, 1)
    cases = setup["cases"]
    assert set(cases) == {"floor-static", "floor-db", "counts-1", "counts-20", "programme",
                          "shows", "basket-20", "sale", "onsale"}
    for cid, c in cases.items():
        assert c["requests"] > 0 and c["failures"] == 0, (cid, c)
    for cid in ("counts-1", "counts-20", "programme", "shows", "basket-20"):
        assert cases[cid]["queries"] >= 1, cid
    assert len(cases["sale"]["queries_steps"]) == 5 and cases["sale"]["sales"] > 0


@pytest.mark.live
@pytest.mark.slow
def test_the_hot_onsale_sells_every_seat_once_and_refuses_the_rest_cleanly(tmp_path: Path) -> None:
    """``--cases onsale`` with tiny numbers: 20 clients at once, 2 tickets each, 30 seats. The
    accounting, not the timings: exactly the capacity sold (what the server counts afterwards),
    15 sales completed, the 5 clients too late refused with ``item_rejected`` and a message, no
    other error, and the on-sale's own section in the table."""
    out_json = tmp_path / "onsale.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--no-install", "--cases", "onsale",
         "--onsale-clients", "20", "--onsale-seats", "30", "--json", str(out_json),
         "--workdir", str(tmp_path / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "== Hot on-sale" in proc.stdout
    assert "sold out" in proc.stdout

    (setup,) = json.loads(out_json.read_text())["setups"]
    c = setup["cases"]["onsale"]
    assert (c["clients"], c["capacity"], c["quantity"]) == (20, 30, 2)
    assert c["sold"] == 30 and c["reserved"] == 0
    assert c["sales"] == 15 and c["granted"] == 15
    assert c["refusals"] == {"item_rejected": 5}
    assert sum(c["messages"].values()) == 5 and all(m.strip() for m in c["messages"])
    assert c["failures"] == 0 and not c["errors"], c["errors"]
    assert c["soldout"] is not None and c["additem_p50"] > 0 and c["sale_p50"] > 0
