"""Database conflicts are retried whole by pyramid_retry, and a retried request is applied once.

A throwaway plugin provides commands that fail with a transient database error (a made-up one,
then real ones: a PostgreSQL deadlock, a SQLite "database is locked") and shows that the client
sees one success, the change is made once, and an ``opid`` replays the first answer instead of
running the command again.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
import webob

from xts2_core import Basket, Command, E, Id, Key, NewItem, Params, Servlet, for_update


class Transient(Exception):
    """What psycopg raises on a serialization failure (only ``sqlstate`` matters here)."""

    sqlstate = "40001"


def serialization_failure() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("UPDATE core_basket …", {}, Transient("could not serialize"))


class Append(Params):
    basket: Id
    text: Key


class LockPair(Params):
    first: Id
    second: Id
    text: Key


class Harness:
    """The test plugin's state: how often each command ran, and what should go wrong."""

    def __init__(self) -> None:
        self.runs: Counter[str] = Counter()
        self.fail = 0  # the next this many runs raise a serialization failure
        self.barrier: threading.Barrier | None = None
        self.hold: Any = None  # called inside the first run of append, before it returns
        self.local = threading.local()

    def append(self, request: Any, p: Append) -> E:
        """Lock the basket, append ``text`` to its name; fail afterwards if told to."""
        self.runs["append"] += 1
        basket = request.dbsession.execute(
            for_update(request, sa.select(Basket).where(Basket.id == p.basket))).scalar_one()
        basket.name = (basket.name or "") + p.text
        request.dbsession.flush()
        if self.hold is not None and self.runs["append"] == 1:
            self.hold()
        if self.fail > 0:
            self.fail -= 1
            raise serialization_failure()
        return E("basket", {"id": basket.id, "name": basket.name})

    def lockpair(self, request: Any, p: LockPair) -> E:
        """Lock two baskets in the given order (two opposite calls deadlock on PostgreSQL)."""
        self.runs["lockpair"] += 1
        self.local.attempt = getattr(self.local, "attempt", 0) + 1
        names = []
        for i, bid in enumerate((p.first, p.second)):
            basket = request.dbsession.execute(
                for_update(request, sa.select(Basket).where(Basket.id == bid))).scalar_one()
            if i == 0 and self.barrier is not None and self.local.attempt == 1:
                self.barrier.wait(timeout=20)
            basket.name = (basket.name or "") + p.text
            names.append(basket.name)
        request.dbsession.flush()
        return E("pair", {"first": names[0], "second": names[1]})

    def plugin(self, xts2_plugin: Any) -> Any:
        harness = self

        def register_servlets() -> list[Servlet]:
            return [Servlet("retrytest", [
                Command("append", harness.append, access="terminal", params=Append,
                        changes_state=True),
                Command("lockpair", harness.lockpair, access="terminal", params=LockPair,
                        changes_state=True),
            ])]

        def register_item_types() -> list[str]:
            return ["flaky"]

        def validate_add_item(request: Any, basket: Any, item_type: str, params: Any) -> Any:
            if item_type != "flaky":
                return None
            harness.runs["additem"] += 1
            if harness.fail > 0:
                harness.fail -= 1
                raise serialization_failure()
            return NewItem(quantity=1, unit_price=250, description="Flaky thing", detail={})

        def describe_item(request: Any, item: Any) -> Any:
            return E("flaky") if item.type == "flaky" else None

        return xts2_plugin(register_servlets, register_item_types, validate_add_item, describe_item)


@pytest.fixture
def harness() -> Harness:
    return Harness()


@pytest.fixture
def app(xts2_app_factory: Any, xts2_plugin: Any, harness: Harness) -> Any:
    return xts2_app_factory(plugins=[], extra=[("retrytest", harness.plugin(xts2_plugin))],
                            **{"retry.attempts": "3"})


def new_basket(app: Any) -> int:
    return int(app.call("baskets/newbasket")["basket"]["id"])


def basket_name(app: Any, basket: int) -> str | None:
    return app.call("baskets/getbasket", {"basket": basket})["basket"].get("name")


def call_wsgi(app: Any, path: str, params: dict[str, Any]) -> webob.Response:
    """One request straight into the WSGI app (thread-safe, unlike WebTest's TestApp)."""
    q = dict(params, format="json", terminalkey=app.terminal_key)
    return webob.Request.blank(f"/v2/{path}?{urlencode(q)}").get_response(app.wsgi)


@pytest.mark.parametrize("opid", [None, "op-1"])
def test_a_serialization_failure_is_retried_and_applied_once(app, harness, opid):
    basket = new_basket(app)
    harness.fail = 1
    params = {"basket": basket, "text": "a", **({"opid": opid} if opid else {})}
    resp = app.get("/v2/retrytest/append", {**params, "format": "json",
                                            "terminalkey": app.terminal_key})
    assert resp.json["basket"]["name"] == "a"  # the failed attempt's change was rolled back
    assert harness.runs["append"] == 2
    assert basket_name(app, basket) == "a"

    again = app.get("/v2/retrytest/append", {**params, "format": "json",
                                             "terminalkey": app.terminal_key})
    if opid:  # the client's own retry is answered from the record, not run again
        assert again.headers["X-XTS2-Replayed"] == "true"
        assert again.body == resp.body
        assert harness.runs["append"] == 2
        assert basket_name(app, basket) == "a"
    else:  # without an opid a second request is a second change, as the API says
        assert "X-XTS2-Replayed" not in again.headers
        assert basket_name(app, basket) == "aa"


@pytest.mark.parametrize("opid", [None, "add-1"])
def test_additem_hit_by_a_conflict_adds_one_item(app, harness, opid):
    basket = new_basket(app)
    harness.fail = 2
    params = {"basket": basket, "type": "flaky", **({"opid": opid} if opid else {})}
    first = app.call("baskets/additem", params)
    assert harness.runs["additem"] == 3
    items = app.call("baskets/getbasket", {"basket": basket})["basket"]["item"]
    assert [i["id"] for i in items] == [first["item"]["id"]]
    assert first["basket"]["value"] == "2.50"
    if opid:
        assert app.call("baskets/additem", params) == first
        assert harness.runs["additem"] == 3
        assert len(app.call("baskets/getbasket", {"basket": basket})["basket"]["item"]) == 1


def test_a_conflict_that_never_clears_is_a_409_and_changes_nothing(app, harness):
    basket = new_basket(app)
    harness.fail = 99
    body = app.call("retrytest/append", {"basket": basket, "text": "a", "opid": "op-2"}, status=409)
    assert body["error"]["code"] == "conflict"
    assert harness.runs["append"] == 3  # retry.attempts
    assert basket_name(app, basket) is None
    harness.fail = 0  # the same opid later runs for real: the failure left no record behind
    assert app.call("retrytest/append", {"basket": basket, "text": "a", "opid": "op-2"}
                    )["basket"]["name"] == "a"


def run_together(*calls: Any) -> list[Any]:
    results: list[Any] = [None] * len(calls)

    def go(i: int, call: Any) -> None:
        results[i] = call()

    threads = [threading.Thread(target=go, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    return results


def test_a_real_database_conflict_is_retried(xts2_app_factory, xts2_plugin, harness,
                                             xts2_database_url):
    """PostgreSQL: two requests lock two baskets in opposite orders — a real deadlock, which
    the database breaks by failing one; it is retried and both succeed, each applied once.
    SQLite: another connection holds the write lock past the busy timeout — a real "database
    is locked"; the request is retried once the lock is gone."""
    app = xts2_app_factory(plugins=[], extra=[("retrytest", harness.plugin(xts2_plugin))],
                           **{"retry.attempts": "3", "xts2.sqlite_busy_timeout": "0.3"})
    a, b = new_basket(app), new_basket(app)
    errors: list[str] = []
    sa.event.listen(app.registry["dbengine"], "handle_error",
                    lambda ctx: errors.append(str(ctx.original_exception)))
    if xts2_database_url.startswith("postgresql"):
        harness.barrier = threading.Barrier(2)
        r1, r2 = run_together(
            lambda: call_wsgi(app, "retrytest/lockpair", {"first": a, "second": b, "text": "x"}),
            lambda: call_wsgi(app, "retrytest/lockpair", {"first": b, "second": a, "text": "y"}))
        assert (r1.status_code, r2.status_code) == (200, 200), (r1.text, r2.text)
        assert any("deadlock" in e for e in errors), errors
        assert harness.runs["lockpair"] == 3
        assert sorted(basket_name(app, a)) == sorted(basket_name(app, b)) == ["x", "y"]
    else:
        holder = sqlite3.connect(xts2_database_url.removeprefix("sqlite:///"), isolation_level=None,
                                 check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        seen = threading.Event()
        sa.event.listen(app.registry["dbengine"], "handle_error", lambda ctx: seen.set())

        def release() -> None:
            seen.wait(30)
            holder.execute("COMMIT")

        resp, _ = run_together(
            lambda: call_wsgi(app, "retrytest/append", {"basket": a, "text": "x"}), release)
        holder.close()
        assert resp.status_code == 200, resp.text
        assert any("database is locked" in e for e in errors), errors
        assert harness.runs["append"] == 1  # the first attempt never got the write lock
        assert basket_name(app, a) == "x"


def wait_for_a_lock_waiter(url: str) -> None:
    """Return once another connection to this PostgreSQL database waits on a lock."""
    engine = sa.create_engine(url)
    try:
        for _ in range(600):
            with engine.connect() as conn:
                waiting = conn.execute(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'")).scalar_one()
            if waiting:
                return
            threading.Event().wait(0.05)
        raise AssertionError("the second request never waited on the first")
    finally:
        engine.dispose()


def test_the_same_opid_sent_twice_at_once_runs_once(app, harness, xts2_database_url):
    """The first request reserves its opid before its command runs; the second, sent while the
    first is still inside its command, waits on that reservation (PostgreSQL; SQLite runs one
    writer at a time), then is retried and replays the first answer: the change is made once."""
    basket = new_basket(app)
    errors: list[str] = []
    sa.event.listen(app.registry["dbengine"], "handle_error",
                    lambda ctx: errors.append(str(ctx.original_exception)))
    if xts2_database_url.startswith("postgresql"):
        harness.hold = lambda: wait_for_a_lock_waiter(xts2_database_url)
    params = {"basket": basket, "text": "z", "opid": "same-op"}
    r1, r2 = run_together(lambda: call_wsgi(app, "retrytest/append", params),
                          lambda: call_wsgi(app, "retrytest/append", params))
    assert (r1.status_code, r2.status_code) == (200, 200), (r1.text, r2.text)
    assert r1.body == r2.body
    assert sorted(r.headers.get("X-XTS2-Replayed", "no") for r in (r1, r2)) == ["no", "true"]
    assert harness.runs["append"] == 1
    assert basket_name(app, basket) == "z"
    if xts2_database_url.startswith("postgresql"):
        assert any("duplicate key" in e for e in errors), errors
