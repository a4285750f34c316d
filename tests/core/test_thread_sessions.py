"""Each server thread keeps one session and one transaction manager for the requests it serves
(xts2_core.db.ThreadSessions): what one request did must never reach the next one."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from pyramid.request import Request
from transaction.interfaces import NoTransaction

from xts2_core import NewItem


def _basket(app):
    return app.call("baskets/newbasket")["basket"]["id"]


def test_a_thread_reuses_its_session_and_ends_each_transaction(xts2_testapp):
    sessions = xts2_testapp.registry["dbsessions"]
    first = _basket(xts2_testapp)
    session = sessions.session
    assert session is not None and not session.in_transaction()
    second = _basket(xts2_testapp)
    assert sessions.session is session and not session.in_transaction()
    assert second > first
    assert len(session.identity_map) == 0          # nothing of the last request is kept


def test_a_transaction_left_open_is_not_carried_into_the_next_request(xts2_testapp):
    """A session used outside a request's transaction (refused, but its database transaction has
    begun: a stale snapshot) is closed before the next request gets it, which sees what was
    committed since."""
    sessions = xts2_testapp.registry["dbsessions"]
    b = _basket(xts2_testapp)
    stale = sessions.session
    with pytest.raises(NoTransaction):
        stale.execute(sa.text("SELECT count(*) FROM core_basket")).scalar_one()
    assert stale.in_transaction()
    with xts2_testapp.session() as other:           # another connection commits a change
        other.execute(sa.text("UPDATE core_basket SET name = 'Seen' WHERE id = :b"), {"b": b})
    assert xts2_testapp.call("baskets/getbasket", {"basket": b})["basket"]["name"] == "Seen"
    assert not stale.in_transaction()


def test_threads_have_sessions_of_their_own(xts2_testapp):
    sessions = xts2_testapp.registry["dbsessions"]
    _basket(xts2_testapp)
    mine = sessions.session
    seen = {}

    def other_thread():
        _basket(xts2_testapp)
        seen["session"] = sessions.session

    t = threading.Thread(target=other_thread)
    t.start()
    t.join()
    assert seen["session"] is not None and seen["session"] is not mine
    assert sessions.session is mine


def test_a_failed_commit_does_not_break_the_next_request(xts2_app_factory, xts2_plugin):
    """A commit that fails keeps its transaction in the manager (the transaction package frees it
    only on success); the thread's next request must still begin afresh and work."""
    failures = []

    def register_item_types():
        return ["plain"]

    def validate_add_item(item_type):
        return NewItem(1, 250, "Plain thing") if item_type == "plain" else None

    def item_added(request, item):
        if not failures:
            def refuse():
                failures.append(item.id)
                raise RuntimeError("the database refused the commit")
            request.tm.get().addBeforeCommitHook(refuse)

    app = xts2_app_factory(plugins=[], extra=[
        xts2_plugin(register_item_types, validate_add_item, item_added)])
    b = _basket(app)
    failed = app.call("baskets/additem", {"basket": b, "type": "plain"}, status=500)
    assert failed["error"]["code"] == "internal" and failures
    answer = app.call("baskets/additem", {"basket": b, "type": "plain"})
    assert [i["id"] for i in answer["basket"]["item"]] == [answer["item"]["id"]]
    assert app.call("baskets/getbasket", {"basket": b})["basket"]["value"] == "2.50"


def _plain(xts2_plugin, item_added):
    def register_item_types():
        return ["plain"]

    def validate_add_item(item_type):
        return NewItem(1, 250, "Plain thing") if item_type == "plain" else None

    return xts2_plugin(register_item_types, validate_add_item, item_added)


def test_a_failed_commit_releases_its_locks_at_once(xts2_app_factory, xts2_plugin,
                                                    xts2_database_url):
    """The failed request's transaction is aborted when it ends, not when the thread serves its
    next request: another writer can lock the basket straight away."""
    def item_added(request, item):
        def refuse():
            raise RuntimeError("the database refused the commit")
        request.tm.get().addBeforeCommitHook(refuse)

    app = xts2_app_factory(plugins=[], extra=[_plain(xts2_plugin, item_added)])
    b = _basket(app)
    app.call("baskets/additem", {"basket": b, "type": "plain"}, status=500)
    engine = sa.create_engine(app.registry["dbengine"].url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA busy_timeout=200")
                conn.exec_driver_sql("BEGIN IMMEDIATE")   # "database is locked" if still held
                conn.exec_driver_sql("ROLLBACK")
            else:
                with conn.begin():
                    conn.execute(sa.text("SELECT id FROM core_basket WHERE id = :b "
                                         "FOR UPDATE NOWAIT"), {"b": b})
    finally:
        engine.dispose()
    assert xts2_testapp_items(app, b) == []


def xts2_testapp_items(app, basket):
    return app.call("baskets/getbasket", {"basket": basket})["basket"].get("item", [])


def test_a_subrequest_has_a_transaction_of_its_own(xts2_app_factory, xts2_plugin):
    """A hook may run another command in-process (``request.invoke_subrequest``): it gets its own
    transaction manager and session, and the outer request's transaction goes on untouched."""
    seen = {}

    def item_added(request, item):
        sub = Request.blank(f"/v2/baskets/getbasket?basket={other}&format=json"
                            f"&terminalkey={app.terminal_key}")
        answer = request.invoke_subrequest(sub, use_tweens=True)
        seen["sub"] = answer.status_int, answer.json_body["basket"]["id"]

    app = xts2_app_factory(plugins=[], extra=[_plain(xts2_plugin, item_added)])
    other = _basket(app)
    b = _basket(app)
    answer = app.call("baskets/additem", {"basket": b, "type": "plain"})
    assert seen["sub"] == (200, other)
    assert [i["id"] for i in xts2_testapp_items(app, b)] == [answer["item"]["id"]]
    assert app.registry["dbsessions"].depth == 0
