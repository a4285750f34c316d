"""Each server thread keeps one session and one transaction manager for the requests it serves
(xts2_core.db.ThreadSessions): what one request did must never reach the next one."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
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
