"""SQLite's writers queue in arrival order (xts2_core.writequeue.WriterQueue, taken by
xts2_core.db.begin_write before BEGIN IMMEDIATE), and every way a request ends lets go of it."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from pyramid.request import Request
from pyramid_retry import mark_error_retryable

from xts2_core import NewItem
from xts2_core.db import writer_queue
from xts2_core.testing import eventually
from xts2_core.writequeue import QueueTimeout, WriterQueue

# -- the queue on its own ---------------------------------------------------------------------


def test_threads_get_the_queue_in_the_order_they_asked():
    """Threads queued in a known order get it in that order (a threading.Lock would not)."""
    q = WriterQueue()
    first = q.acquire()
    order: list[int] = []
    threads = []
    for n in range(8):
        def run(n: int = n) -> None:
            t = q.acquire(timeout=10)
            order.append(n)
            time.sleep(0.002)
            q.release(t)
        th = threading.Thread(target=run)
        th.start()
        threads.append(th)
        eventually(lambda n=n: q.waiting() == n + 1, timeout=5)  # queued, in this order
    q.release(first)
    for th in threads:
        th.join(10)
    assert order == list(range(8))
    assert q.holder is None and q.acquired == q.released == 9


def test_a_thread_holding_the_queue_is_not_made_to_wait_for_itself():
    q = WriterQueue()
    t = q.acquire()
    assert q.acquire(timeout=0.1) is None            # a subrequest on the same thread
    assert q.held_by_me()
    assert q.release(t) and not q.release(t)          # released once; again is a no-op
    assert q.holder is None


def test_a_waiter_that_times_out_leaves_the_line_and_the_next_one_goes_on():
    q = WriterQueue()
    held = q.acquire()
    got: list[object] = []

    def patient() -> None:
        got.append(q.acquire(timeout=10))

    impatient_error: list[BaseException] = []

    def impatient() -> None:
        try:
            q.acquire(timeout=0.2)
        except QueueTimeout as exc:
            impatient_error.append(exc)

    a = threading.Thread(target=impatient)
    a.start()
    eventually(lambda: q.waiting() == 1, timeout=5)
    b = threading.Thread(target=patient)
    b.start()
    eventually(lambda: q.waiting() == 2, timeout=5)
    a.join(5)
    assert impatient_error and q.waiting() == 1
    q.release(held)
    b.join(5)
    assert got and got[0] is q.holder
    q.release(got[0])


def test_release_mine_lets_go_only_of_this_threads_turn():
    q = WriterQueue()
    held = q.acquire()
    other: list[bool] = []
    th = threading.Thread(target=lambda: other.append(q.release_mine()))
    th.start()
    th.join()
    assert other == [False] and q.holder is held
    assert q.release_mine() and q.holder is None


# -- the queue in requests (WebTest) ----------------------------------------------------------


def _queue(app):
    engine = app.registry["dbengine"]
    if engine.dialect.name != "sqlite":
        pytest.skip("the writer queue is SQLite's; PostgreSQL writers take row locks")
    return writer_queue(engine)


def _basket(app):
    return app.call("baskets/newbasket")["basket"]["id"]


def _plain(xts2_plugin, item_added=None):
    def register_item_types():
        return ["plain"]

    def validate_add_item(item_type):
        return NewItem(1, 250, "Plain thing") if item_type == "plain" else None

    hooks = [register_item_types, validate_add_item]
    if item_added is not None:
        hooks.append(item_added)
    return xts2_plugin(*hooks)


def test_a_write_takes_the_queue_and_its_commit_releases_it(xts2_app_factory, xts2_plugin):
    seen = {}

    def item_added(request, item):
        q = writer_queue(request.dbsession.get_bind())
        seen["held"] = q.held_by_me()

    app = xts2_app_factory(plugins=[], extra=[_plain(xts2_plugin, item_added)])
    q = _queue(app)
    b = _basket(app)
    before = q.acquired
    app.call("baskets/additem", {"basket": b, "type": "plain"})
    assert seen["held"] is True
    assert q.acquired == before + 1 and q.holder is None and q.acquired == q.released
    # a read does not queue
    app.call("baskets/getbasket", {"basket": b})
    assert q.acquired == before + 1


def test_an_error_releases_the_queue(xts2_app_factory, xts2_plugin):
    """A refused command (an XTSError) and a bug (an exception, answered 500): both abort."""
    def item_added(request, item):
        raise RuntimeError("a bug in a plugin")

    app = xts2_app_factory(plugins=[], extra=[_plain(xts2_plugin, item_added)])
    q = _queue(app)
    b = _basket(app)
    app.call("baskets/additem", {"basket": b, "type": "plain"}, status=500)
    assert q.holder is None and q.acquired == q.released
    app.call("baskets/closebasket", {"basket": b}, status=409)   # basket_empty: refused
    assert q.holder is None and q.acquired == q.released


def test_a_retried_request_releases_the_queue_and_takes_it_again(xts2_app_factory, xts2_plugin):
    attempts = []

    def item_added(request, item):
        q = writer_queue(request.dbsession.get_bind())
        attempts.append(q.held_by_me())
        if len(attempts) == 1:
            exc = RuntimeError("a transient conflict")
            mark_error_retryable(exc)
            raise exc

    app = xts2_app_factory(plugins=[], extra=[_plain(xts2_plugin, item_added)])
    q = _queue(app)
    b = _basket(app)
    before = q.acquired
    app.call("baskets/additem", {"basket": b, "type": "plain"})
    assert attempts == [True, True]                 # the replay held it again
    assert q.acquired == before + 2 and q.holder is None and q.acquired == q.released


def test_a_failed_commit_left_over_releases_the_queue_when_the_request_ends(
        xts2_app_factory, xts2_plugin):
    """A failed commit keeps its transaction in the manager; the tween aborts it as the request
    ends, and the queue goes with it (another thread gets it at once)."""
    def item_added(request, item):
        def refuse():
            raise RuntimeError("the database refused the commit")
        request.tm.get().addBeforeCommitHook(refuse)

    app = xts2_app_factory(plugins=[], extra=[_plain(xts2_plugin, item_added)])
    q = _queue(app)
    b = _basket(app)
    app.call("baskets/additem", {"basket": b, "type": "plain"}, status=500)
    assert q.holder is None and q.acquired == q.released
    got: list[object] = []
    th = threading.Thread(target=lambda: got.append(q.acquire(timeout=1)))
    th.start()
    th.join(5)
    assert got and got[0] is not None
    q.release(got[0])


def test_the_tween_releases_a_queue_a_request_still_holds(xts2_app_factory, xts2_plugin):
    """Belt and braces: whatever happened, the thread holds no turn once its request ended."""
    def item_added(request, item):
        q = writer_queue(request.dbsession.get_bind())
        q.release_mine()   # let go of the transaction's turn, and take a stray one that no
        q.acquire()        # transaction hook knows of (as a bug in a plugin might)

    app = xts2_app_factory(plugins=[], extra=[_plain(xts2_plugin, item_added)])
    q = _queue(app)
    b = _basket(app)
    app.call("baskets/additem", {"basket": b, "type": "plain"})
    assert q.holder is None


def test_a_writing_subrequest_does_not_wait_for_its_parent(xts2_app_factory, xts2_plugin):
    """A hook runs a command that changes state in-process, on the same thread, while its parent
    holds the queue: the subrequest does not queue behind its parent (it would wait for ever);
    its transaction is its own (SQLite's busy timeout decides, as before the queue)."""
    seen = {}

    def item_added(request, item):
        if request.params.get("type") != "plain" or "sub" in seen:
            return
        seen["sub"] = None
        sub = Request.blank(f"/v2/baskets/savebasket?basket={other}&name=Sub&format=json"
                            f"&terminalkey={app.terminal_key}")
        t0 = time.monotonic()
        answer = request.invoke_subrequest(sub, use_tweens=True)
        seen["sub"] = answer.status_int, time.monotonic() - t0
        seen["parent_holds"] = writer_queue(request.dbsession.get_bind()).held_by_me()

    app = xts2_app_factory(plugins=[], extra=[_plain(xts2_plugin, item_added)],
                           **{"xts2.sqlite_busy_timeout": "0.5"})
    q = _queue(app)
    other = _basket(app)
    b = _basket(app)
    app.call("baskets/additem", {"basket": b, "type": "plain"}, status="*")
    status, seconds = seen["sub"]
    # SQLite refuses the nested writer after its busy timeout (database is locked); the queue
    # added no wait of its own, and the parent still held its turn afterwards.
    assert seconds < 10
    assert seen["parent_holds"] is True
    assert q.holder is None and q.acquired == q.released
    assert app.registry["dbsessions"].depth == 0


def test_writers_from_many_threads_all_get_through(xts2_app_factory, xts2_plugin):
    app = xts2_app_factory(plugins=[], extra=[_plain(xts2_plugin)])
    q = _queue(app)
    baskets = [_basket(app) for _ in range(6)]
    errors: list[BaseException] = []

    def sell(b: int) -> None:
        try:
            for _ in range(5):
                app.call("baskets/additem", {"basket": b, "type": "plain"})
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=sell, args=(b,)) for b in baskets]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not errors
    assert q.holder is None and q.acquired == q.released
    with app.session() as db:
        n = db.execute(sa.text("SELECT count(*) FROM core_basket_item")).scalar_one()
    assert n == 30


def test_the_setting_turns_the_queue_off(xts2_app_factory, xts2_plugin):
    """``xts2.sqlite_fair_writes = false``: writers are left to SQLite's busy handler alone."""
    app = xts2_app_factory(plugins=[], extra=[_plain(xts2_plugin)],
                           **{"xts2.sqlite_fair_writes": "false"})
    q = _queue(app)
    before = q.acquired      # (the test's own set-up writes through app.session() queue)
    b = _basket(app)
    app.call("baskets/additem", {"basket": b, "type": "plain"})
    assert q.acquired == before


def test_a_turn_that_never_comes_is_a_conflict_not_a_hang(xts2_app_factory, xts2_plugin):
    """Another thread holds the queue longer than the busy timeout: the writer gives up, is
    replayed (pyramid_retry), and answers ``conflict`` after the last attempt; readers go on."""
    app = xts2_app_factory(plugins=[], extra=[_plain(xts2_plugin)],
                           **{"xts2.sqlite_busy_timeout": "0.2", "retry.attempts": "2"})
    q = _queue(app)
    b = _basket(app)
    held = threading.Event()
    done = threading.Event()

    def holder() -> None:
        t = q.acquire()
        held.set()
        done.wait(10)
        q.release(t)

    th = threading.Thread(target=holder)
    th.start()
    held.wait(5)
    try:
        t0 = time.monotonic()
        answer = app.call("baskets/additem", {"basket": b, "type": "plain"}, status=409)
        assert answer["error"]["code"] == "conflict"
        assert time.monotonic() - t0 < 5
        assert app.call("baskets/getbasket", {"basket": b})["basket"]["value"] == "0.00"
    finally:
        done.set()
        th.join(5)
    app.call("baskets/additem", {"basket": b, "type": "plain"})
    assert q.holder is None and q.waiting() == 0
