"""The hot on-sale through the shop, at a tiny scale: ``python -m bench --shop-onsale`` with 20
customers for 10 seats, on real ``pserve`` servers (one on SQLite; two sharing the database on
PostgreSQL when ``XTS2_TEST_DATABASE_URL`` names a server).

The accounting, never the timings: exactly the 10 seats sold (what the API counts afterwards, and
the paid orders hold), every customer either bought or was told the performance is sold out, no
5xx, no "busy, try again", nothing failed, and the bench's own checks of every order (its
basket closed, its payment for the whole value, nothing left pending or open) found nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOLD = {"sold out page", "add refused: sold out"}


@pytest.mark.live
@pytest.mark.slow
def test_the_shop_sells_every_seat_once_and_tells_the_rest_it_is_sold_out(tmp_path: Path
                                                                          ) -> None:
    pg = os.environ.get("XTS2_TEST_DATABASE_URL")
    out_json = tmp_path / "shop.json"
    cmd = [sys.executable, "-m", "bench", "--shop-onsale", "--db",
           "postgresql" if pg else "sqlite", "--shop-customers", "20", "--shop-seats", "10",
           "--shop-arrival", "1", "--shop-costs", "20", "--shop-steps", "2", "--warmup", "0",
           "--no-install", "--json", str(out_json), "--workdir", str(tmp_path / "work")]
    if pg:
        cmd += ["--pg-url", pg]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "== Hot on-sale through the shop" in proc.stdout
    assert "shop: performance page" in proc.stdout

    (res,) = json.loads(out_json.read_text())["shop_onsale"]
    assert res["processes"] == (2 if pg else 1)
    r = res["run"]
    assert (r["customers"], r["capacity"]) == (20, 10)
    check = r["check"]
    assert check["problems"] == [], check
    assert check["counts"]["sold"] == 10 and check["counts"]["reserved"] == 0
    assert check["sold_in_orders"] == 10 and r["tickets"] == 10
    assert check["orders_by_state"] == {"paid": r["orders"]} and r["orders"] >= 3
    assert r["http5xx"] == 0 and r["busy_total"] == 0
    assert r["failures"] == 0 and not r["errors"], (r["errors"], r["samples"])
    assert r["outcomes"]["bought"] == r["orders"]
    assert set(r["outcomes"]) <= {"bought"} | TOLD
    assert sum(r["outcomes"].values()) == 20
    assert r["soldout_seen"] == 20 - r["orders"]
    assert all(m.strip() for m in r["messages"]), r["messages"]
    assert r["last_seat_paid"] is not None and r["page_p50"] > 0
    costs = {c["label"]: c for c in res["costs"]["cases"]}
    assert costs["shop: performance page"]["cpu_ms"] >= 0 and len(costs) == 7
    steps = {s["step"]: s for s in res["steps"]["steps"]}
    assert steps["add"]["statements"] > 0 and steps["notify"]["statements"] > 0
