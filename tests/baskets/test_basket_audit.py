"""The audit log: every basket change writes one entry (when, which terminal, which command, what
changed), read straight from the database; and nothing in the code updates or deletes it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from basket_calls import add_widget, audit_rows, new_basket, rows

from xts2_core.models import Basket

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def entries(app, basket=None):
    out = []
    for r in audit_rows(app, basket):
        detail = r.detail if isinstance(r.detail, dict) else json.loads(r.detail)
        at = r.at if isinstance(r.at, datetime) else datetime.fromisoformat(r.at)
        out.append((at.replace(tzinfo=UTC), r.terminal_id, r.admin, r.command, r.basket_id,
                    r.item_id, detail))
    return out


def test_every_change_is_audited(app, xts2_clock):
    xts2_clock.set(NOON)
    terminal = rows(app, "SELECT id FROM core_terminal WHERE name = 'Test terminal'")[0][0]
    t = [NOON + timedelta(seconds=s) for s in range(20)]

    def at(i):
        xts2_clock.set(t[i])

    at(0)
    a = new_basket(app, expiry=60)["id"]
    at(1)
    b = new_basket(app, expiry=120)["id"]
    at(2)
    app.call("baskets/touchbasket", {"basket": a, "expiry": 300})
    at(3)
    app.call("baskets/savebasket", {"basket": b, "name": " Smith "})
    at(4)
    w = add_widget(app, a, "2.50", quantity=2, name="Mug")["item"]["id"]
    at(5)
    v = app.call("baskets/additem", {"basket": a, "type": "voucher", "item.amount": "5"}
                 )["item"]["id"]
    at(6)
    x = add_widget(app, a, "1", name="Pen")["item"]["id"]
    at(7)
    app.call("baskets/moveitem", {"item": x, "to": b})
    at(8)
    app.call("baskets/removeitem", {"basket": b, "item": x})
    at(9)
    app.call("baskets/setmetadata", {"basket": a, "key": "email", "value": "a@b.example"})
    at(10)
    app.call("baskets/setmetadata", {"basket": a, "key": "email", "value": "c@d.example"})
    at(11)
    app.call("baskets/setmetadata", {"basket": a, "key": "email"})
    at(12)
    app.call("baskets/closebasket", {"basket": a})
    at(13)
    app.call("baskets/openbasket", {"basket": a}, admin=True)   # terminal key sent too
    at(14)
    app.call("baskets/setmetadata", {"basket": a, "key": "gone"})  # deletes nothing: no entry
    app.call("baskets/getbasket", {"basket": a})                     # reads: no entries
    app.call("baskets/getbaskets")
    app.call("baskets/getmetadata", {"basket": a})
    app.call("baskets/closebasket", {"basket": b}, status=409)        # refused: no entry

    T = terminal
    assert entries(app) == [
        (t[0], T, False, "newbasket", a, None,
         {"expiry": 60, "expires": (t[0] + timedelta(seconds=60)).isoformat()}),
        (t[1], T, False, "newbasket", b, None,
         {"expiry": 120, "expires": (t[1] + timedelta(seconds=120)).isoformat()}),
        (t[2], T, False, "touchbasket", a, None,
         {"expiry": 300, "before": (t[0] + timedelta(seconds=60)).isoformat(),
          "expires": (t[2] + timedelta(seconds=300)).isoformat()}),
        (t[3], T, False, "savebasket", b, None,
         {"name": "Smith", "before": {"name": None, "persistent": False,
                                      "expires": (t[1] + timedelta(seconds=120)).isoformat()}}),
        (t[4], T, False, "additem", a, w,
         {"type": "widget", "quantity": 2, "unit_price": 250, "value": 500,
          "description": "Mug"}),
        (t[5], T, False, "additem", a, v,
         {"type": "voucher", "quantity": 1, "unit_price": -500, "value": -500,
          "description": "Voucher"}),
        (t[6], T, False, "additem", a, x,
         {"type": "widget", "quantity": 1, "unit_price": 100, "value": 100,
          "description": "Pen"}),
        (t[7], T, False, "moveitem", a, x, {"from": a, "to": b, "value": 100}),
        (t[7], T, False, "moveitem", b, x, {"from": a, "to": b, "value": 100}),
        (t[8], T, False, "removeitem", b, x,
         {"type": "widget", "quantity": 1, "unit_price": 100, "value": 100,
          "description": "Pen"}),
        (t[9], T, False, "setmetadata", a, None,
         {"key": "email", "before": None, "value": "a@b.example"}),
        (t[10], T, False, "setmetadata", a, None,
         {"key": "email", "before": "a@b.example", "value": "c@d.example"}),
        (t[11], T, False, "setmetadata", a, None,
         {"key": "email", "before": "c@d.example", "value": None}),
        (t[12], T, False, "closebasket", a, None, {"items": 2, "value": 0}),
        (t[13], T, True, "openbasket", a, None, {"closed": t[12].isoformat()}),
    ]


def test_a_failed_command_leaves_no_entry(app):
    b = new_basket(app)["id"]
    before = len(audit_rows(app))
    app.call("baskets/additem", {"basket": b, "type": "widget", "item.price": "1",
                                 "item.reject": "No"}, status=409)
    app.call("baskets/additem", {"basket": b, "type": "widget"}, status=400)
    app.call("baskets/closebasket", {"basket": b}, status=409)
    assert len(audit_rows(app)) == before


def test_audit_outlives_its_basket_rows(app):
    """No foreign keys: deleting a basket (as ``xts2 expire`` does) keeps its entries."""
    b = new_basket(app)["id"]
    add_widget(app, b)
    with app.session() as s:
        s.execute(sa.delete(Basket).where(Basket.id == b))
    assert rows(app, "SELECT count(*) FROM core_basket_item") == [(0,)]
    assert [e[3] for e in entries(app, b)] == ["newbasket", "additem"]


# -- append-only, checked in the source ------------------------------------------------------

WRITES = re.compile(
    r"(update|delete)\s*\(\s*(models\.)?AuditEntry\b"                # sa.update(AuditEntry)
    r"|AuditEntry\.__table__\.(update|delete)\b"                     # table.update()
    r"|\b(UPDATE|DELETE\s+FROM)\s+[\"'`]?core_audit\b"                # raw SQL
    r"|TRUNCATE\s+(TABLE\s+)?[\"'`]?core_audit\b"
    r"|drop_table\(\s*['\"]core_audit['\"]",                           # outside a downgrade
    re.IGNORECASE)


def code_files():
    for top in ("xts2_core", "xts2_tickets", "xts2_cafe", "xts2_money", "plugins"):
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" in path.parts or ".venv" in path.parts or "tests" in path.parts:
                continue
            yield path


def test_the_pattern_finds_writes():
    for bad in ("sa.update(AuditEntry).values(x=1)", "delete(AuditEntry)",
                "db.execute(sa.delete( models.AuditEntry ))", "AuditEntry.__table__.delete()",
                'text("UPDATE core_audit SET x = 1")', "DELETE FROM core_audit",
                'delete from "core_audit"', "TRUNCATE core_audit"):
        assert WRITES.search(bad), bad
    for fine in ("db.add(AuditEntry(at=now))", "sa.select(AuditEntry)", "sa.delete(Basket)"):
        assert not WRITES.search(fine), fine


#: The one sanctioned rewrite: erasing a customer's personal data (xts2 erase) blanks the names and
#: emails in the entries of their baskets; the entries stay. Nothing else may write.
ERASURE = "xts2_core/erase.py"


def test_nothing_updates_or_deletes_the_audit():
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
             for p in code_files()
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if WRITES.search(line)]
    assert [f for f in found if not f.startswith(ERASURE)] == []
    erasure = [f for f in found if f.startswith(ERASURE)]
    assert len(erasure) == 1 and "# audit: erasure" in erasure[0]


def test_audit_entries_are_only_added():
    """Every use of AuditEntry in the code constructs, inserts, selects or defines it — nothing that
    could load an entry and change it (an ORM object changed in place would be an UPDATE)."""
    uses = []
    for p in code_files():
        for line in p.read_text(encoding="utf-8").splitlines():
            if "AuditEntry" in line:
                uses.append((p.relative_to(ROOT).as_posix(), line.strip()))
    allowed = re.compile(r"AuditEntry\(|class AuditEntry\b|import .*AuditEntry|^AuditEntry,?$"
                         r"|select\(AuditEntry|insert\(AuditEntry\.__table__\)")
    assert uses, "the pattern no longer finds the audit model"
    assert [u for u in uses if not allowed.search(u[1]) and u[0] != ERASURE] == []
