"""The admin password's rate limit (API.md §4) counted in the database: shared by every server
process, written after the request's transaction (never waiting on its own SQLite write lock),
and nothing written for a password that is right. The rule itself is tested in test_errors.py."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from xts2_core.models import PasswordLimit

HERE = {"REMOTE_ADDR": "192.0.2.7"}


def _rows(app) -> dict[str, PasswordLimit]:
    with app.session() as s:
        return {r.address: r for r in s.scalars(sa.select(PasswordLimit))}


def test_failures_of_a_command_that_changes_state_are_counted(make_core_app):
    """``baskets/openbasket`` begins its transaction as a writer (``BEGIN IMMEDIATE`` on SQLite)
    before it checks the password: the count is written after that transaction, so it neither
    waits for the request's own lock nor goes with the aborted transaction. (Written during the
    request, each count would wait out the busy timeout, fail and be lost.)"""
    app = make_core_app(**{"xts2.sqlite_busy_timeout": "2"})
    for _ in range(5):
        resp = app.get("/v2/baskets/openbasket", {"basket": "1", "password": "wrong",
                                                  "format": "json"},
                       status=401, extra_environ=HERE)
        assert resp.json["error"]["code"] == "unauthorized"
    resp = app.get("/v2/baskets/openbasket", {"basket": "1", "format": "json"}, status=429,
                   headers={"X-XTS2-Password": app.admin_password}, extra_environ=HERE)
    assert resp.json["error"]["code"] == "rate_limited"


def test_the_count_is_in_the_database(core_app, xts2_clock):
    for _ in range(2):
        core_app.get("/v2/xts/isadmin", {"password": "wrong"}, extra_environ=HERE)
    (row,) = _rows(core_app).values()
    assert row.address == "192.0.2.7" and len(row.failures) == 2 and row.blocked_until is None
    for _ in range(3):
        core_app.get("/v2/xts/isadmin", {"password": "wrong"}, extra_environ=HERE)
    row = _rows(core_app)["192.0.2.7"]
    assert row.failures == [] and row.blocked_until is not None
    assert row.blocked_until > xts2_clock.now()


def test_a_right_password_writes_nothing(core_app):
    """The fast path: a password that is right reads the block (one primary-key read) and writes
    nothing, neither on a read command nor on one that changes state."""
    with core_app.statements() as statements:
        assert core_app.call("xts/isadmin", {"password": core_app.admin_password},
                             key=False)["admin"] is True
        basket = core_app.call("baskets/newbasket")["basket"]["id"]
        core_app.call("baskets/additem", {"basket": basket, "type": "nosuchtype"}, status=400)
        core_app.call("baskets/openbasket", {"basket": basket}, admin=True, status=409)
        core_app.call("probe/secret", admin=True)
    limit = [s for s in statements if "core_password_limit" in s]
    assert len(limit) == 3  # the three password checks
    assert all(s.lstrip().upper().startswith("SELECT") for s in limit), limit
    assert _rows(core_app) == {}


def test_old_rows_are_swept(core_app, xts2_clock):
    """A row goes once its failures and its block are over, when a new address is counted."""
    def fail(address: str) -> None:
        core_app.get("/v2/xts/isadmin", {"password": "wrong"},
                     extra_environ={"REMOTE_ADDR": address})

    fail("192.0.2.1")
    xts2_clock.advance(30)
    for _ in range(5):
        fail("192.0.2.2")  # blocked for a minute
    xts2_clock.advance(31)
    fail("192.0.2.3")
    assert set(_rows(core_app)) == {"192.0.2.2", "192.0.2.3"}  # .2 is blocked still
    xts2_clock.advance(30)
    fail("192.0.2.4")
    assert set(_rows(core_app)) == {"192.0.2.3", "192.0.2.4"}
    fail("192.0.2.3")  # an address already counted sweeps nothing
    assert set(_rows(core_app)) == {"192.0.2.3", "192.0.2.4"}
    assert len(_rows(core_app)["192.0.2.3"].failures) == 2


@pytest.mark.live
def test_two_processes_share_the_count(xts2_live_server):
    """Five failures spread over two server processes block the address on both (each process
    counting on its own would allow 5 on each)."""
    a, b = xts2_live_server(plugins=[]), xts2_live_server(plugins=[])

    def isadmin(server, password):
        return server.get("xts/isadmin", {"password": password})

    for server in (a, b, a, b):
        assert isadmin(server, "wrong-password") == (200, {
            "version": 2, "servlet": "xts", "command": "isadmin", "status": "ok",
            "admin": False})
    status, body = isadmin(b, b.admin_password)  # four failures: not blocked yet
    assert (status, body["admin"]) == (200, True)
    assert isadmin(a, "wrong-password")[0] == 200  # the fifth
    for server in (a, b):
        status, body = isadmin(server, server.admin_password)
        assert (status, body["error"]["code"]) == (429, "rate_limited")
        status, body = server.call("baskets/openbasket", {"basket": 1}, admin=True)
        assert (status, body["error"]["code"]) == (429, "rate_limited")
