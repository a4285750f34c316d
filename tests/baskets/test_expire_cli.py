"""``xts2 expire CONFIG`` deletes expired baskets (items and metadata with them) and keeps their
audit, adding one ``expire`` entry per basket. It runs on the real clock, so the baskets are made
with the app's clock set two hours back."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from basket_calls import add_widget, new_basket, rows

from xts2_core.testing import write_ini


def xts2(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("xts2")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=120)


def test_expire_deletes_expired_keeps_audit(app, xts2_clock, xts2_database_url, tmp_path):
    xts2_clock.set(datetime.now(UTC) - timedelta(hours=2))
    gone = new_basket(app, expiry=60)["id"]
    add_widget(app, gone, "3", quantity=2)
    add_widget(app, gone, "1")
    app.call("baskets/setmetadata", {"basket": gone, "key": "email", "value": "a@b.example"})
    gone_empty = new_basket(app, expiry=30)["id"]
    live = new_basket(app, expiry=604800)["id"]
    add_widget(app, live, "1")
    saved = new_basket(app, expiry=30)["id"]
    app.call("baskets/savebasket", {"basket": saved, "name": "Smith"})
    closed = new_basket(app, expiry=30)["id"]
    add_widget(app, closed, "0")
    app.call("baskets/closebasket", {"basket": closed})
    forever = new_basket(app, expiry=30)["id"]
    add_widget(app, forever, "4", forever=1)
    audit_before = rows(app, "SELECT id, command, basket_id FROM core_audit ORDER BY id")

    ini = write_ini(tmp_path / "cli.ini", xts2_database_url, [])
    result = xts2("expire", str(ini))
    assert result.returncode == 0, result.stderr
    assert "deleted 2 expired baskets" in result.stdout

    left = {r[0] for r in rows(app, "SELECT id FROM core_basket")}
    assert left == {live, saved, closed, forever}
    assert rows(app, "SELECT count(*) FROM core_basket_item WHERE basket_id IN (:a, :b)",
                a=gone, b=gone_empty) == [(0,)]
    assert rows(app, "SELECT count(*) FROM core_basket_metadata") == [(0,)]
    # Every audit row is still there, unchanged, and two more say what was deleted.
    audit_after = rows(app, "SELECT id, command, basket_id FROM core_audit ORDER BY id")
    assert audit_after[:len(audit_before)] == audit_before
    added = rows(app, "SELECT command, basket_id, terminal_id, detail FROM core_audit "
                 "WHERE id > :last ORDER BY basket_id", last=audit_before[-1][0])
    detail = [(c, b, t, d if isinstance(d, dict) else json.loads(d)) for c, b, t, d in added]
    assert [(c, b, t, d["items"], d["value"]) for c, b, t, d in detail] == [
        ("expire", gone, None, 2, 700), ("expire", gone_empty, None, 0, 0)]
    assert [r[1] for r in audit_before if r[2] == gone] == [
        "newbasket", "additem", "additem", "setmetadata"]

    # The API agrees: gone is not_found now, the others are as they were.
    assert app.call("baskets/getbasket", {"basket": gone}, status=404)["error"]["param"] == "basket"
    xts2_clock.reset()
    assert app.call("baskets/getbaskets")["total"] == 4

    # Twice changes nothing more.
    again = xts2("expire", str(ini))
    assert again.returncode == 0 and "deleted 0 expired baskets" in again.stdout


def test_expire_in_process(app, xts2_clock, xts2_database_url, tmp_path, capsys):
    """The same through ``xts2_core.cli.main`` (no subprocess)."""
    from xts2_core.cli import main

    xts2_clock.set(datetime.now(UTC) - timedelta(hours=1))
    gone = new_basket(app, expiry=30)["id"]
    kept = new_basket(app, expiry=604800)["id"]
    ini = write_ini(tmp_path / "cli.ini", xts2_database_url, [])
    assert main(["expire", str(ini)]) == 0
    assert "deleted 1 expired baskets" in capsys.readouterr().out
    assert {r[0] for r in rows(app, "SELECT id FROM core_basket")} == {kept}
    assert rows(app, "SELECT command FROM core_audit WHERE basket_id = :b ORDER BY id",
                b=gone) == [("newbasket",), ("expire",)]
