"""The write path's locking, as the database sees it: a ticket sale locks the performance row
before it counts (PostgreSQL), inside a transaction that began as a writer (SQLite: ``BEGIN
IMMEDIATE`` from the first statement, the credential lookup included)."""

from __future__ import annotations

from typing import Any


def _statements(app: Any, path: str, params: dict[str, Any], **kw: Any) -> list[str]:
    """The statements one call runs, each on one line."""
    with app.statements() as seen:
        app.call(path, params, **kw)
    return [" ".join(statement.split()) for statement in seen]


def _index(statements: list[str], predicate: Any) -> int:
    return next(i for i, s in enumerate(statements) if predicate(s))


def _sale(venue: Any) -> dict[str, Any]:
    return {"basket": venue.basket(), "type": "ticket",
            "item.performance": venue.ids["Hamlet@2026-12-01T19:30"],
            "item.tickettype": venue.ids["Hamlet/Adult"]}


def test_ticket_sale_locks_then_counts_then_writes(venue):
    stmts = _statements(venue.app, "baskets/additem", _sale(venue))
    dialect = venue.registry["dbengine"].dialect.name
    lock = _index(stmts, lambda s: s.startswith("SELECT") and "FROM tickets_performance" in s
                  and "tickets_performance.id =" in s)
    count = _index(stmts, lambda s: "sum(CASE" in s and "tickets_ticket" in s)
    insert = _index(stmts, lambda s: s.startswith("INSERT INTO core_basket_item"))
    ticket = _index(stmts, lambda s: s.startswith("INSERT INTO tickets_ticket"))
    assert lock < count < insert < ticket
    if dialect == "postgresql":
        # the performance row only (the statement joins its show and the ticket type)
        assert stmts[lock].endswith("FOR UPDATE OF tickets_performance")
    else:
        assert stmts[0] == "BEGIN IMMEDIATE"
        assert stmts.count("BEGIN IMMEDIATE") == 1


def test_holdback_locks_the_performance(venue):
    stmts = _statements(venue.app, "tickets/holdbacktickets",
                        {"performance": venue.ids["Hamlet@2026-12-01T19:30"], "count": 1},
                        admin=True)
    lock = _index(stmts, lambda s: "FROM tickets_performance" in s)
    count = _index(stmts, lambda s: "sum(CASE" in s)
    update = _index(stmts, lambda s: s.startswith("UPDATE tickets_performance"))
    assert lock < count < update
    if venue.registry["dbengine"].dialect.name == "postgresql":
        assert stmts[lock].endswith("FOR UPDATE")
    else:
        assert stmts[0] == "BEGIN IMMEDIATE"


def test_skip_locks_really_skips_them(make_venue):
    """The negative control's knob (test-only): no FOR UPDATE, no BEGIN IMMEDIATE."""
    venue = make_venue(**{"xts2.testing.skip_locks": "true"})
    stmts = _statements(venue.app, "baskets/additem", _sale(venue))
    assert not any("FOR UPDATE" in s for s in stmts)
    assert "BEGIN IMMEDIATE" not in stmts
    assert venue.counts(venue.ids["Hamlet@2026-12-01T19:30"])["reserved"] == 1
