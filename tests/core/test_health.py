"""``xts/health`` (API.md §11): ``ok`` while the process reaches its database, else 503
``unavailable`` — through the app, and through real servers whose database goes away and
comes back."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
import webtest
from lxml import etree

from xts2_core.app import make_app
from xts2_core.db import get_engine
from xts2_core.migrate import upgrade
from xts2_core.plugins import get_plugin_manager
from xts2_core.scratchdb import psycopg_url

DOWN_URL = "postgresql://nobody@127.0.0.1:1/nothing"  # nothing listens on port 1


def _migrate_core(url: str) -> str:
    engine = get_engine({"sqlalchemy.url": url})
    try:
        upgrade(engine, get_plugin_manager({"xts2.plugins": ""}))
    finally:
        engine.dispose()
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file of this test's own (the core's tables), whichever database the run uses."""
    return _migrate_core(f"sqlite:///{tmp_path / 'health.sqlite'}")


def _bare_app(xts2_settings, url: str) -> webtest.TestApp:
    """The core alone on ``url``, with no set-up in the database (it may be down)."""
    return webtest.TestApp(make_app({**xts2_settings, "sqlalchemy.url": url,
                                     "xts2.plugins": ""}))


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_health_ok(xts2_app_factory, xts2_database_url, fmt):
    app = xts2_app_factory(plugins=[])
    backend = sa.make_url(xts2_database_url).get_backend_name()
    resp = app.get("/v2/xts/health", {"format": fmt})  # public: no key, no password
    assert resp.headers["Cache-Control"] == "no-store"
    if fmt == "json":
        assert resp.json == {"version": 2, "servlet": "xts", "command": "health",
                             "status": "ok", "health": {"status": "ok", "database": backend}}
    else:
        root = etree.fromstring(resp.body)
        assert root.get("status") == "ok"
        assert etree.tostring(root.find("health"), with_tail=False) == (
            f'<health status="ok" database="{backend}"/>'.encode())
    listed = app.call("/", key=False)  # GET /v2
    (xts,) = [s for s in listed["servlets"] if s["name"] == "xts"]
    assert {"name": "health", "access": "public", "changesstate": False} in xts["command"]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_health_unavailable_answers_at_once(xts2_settings, read_error, caplog, fmt):
    """A database that cannot be reached: 503 ``unavailable`` without its details, one attempt
    per request (pyramid_retry replays nothing), and one warning for the outage, not one per
    request."""
    caplog.set_level(logging.WARNING)
    app = _bare_app(xts2_settings, DOWN_URL)
    attempts = []
    sa.event.listen(app.app.registry["dbengine"], "do_connect",
                    lambda *args: attempts.append(1))
    for n in (1, 2, 3):
        resp = app.get("/v2/xts/health", {"format": fmt}, status=503)
        assert len(attempts) == n
        err = read_error(resp)
        assert err == {"code": "unavailable", "param": None,
                       "message": "the server cannot reach its database"}
        assert resp.headers["Cache-Control"] == "no-store"
    warnings = [r.getMessage() for r in caplog.records if r.name == "xts2_core.xts.health"]
    assert len(warnings) == 1 and "the database cannot be reached: " in warnings[0]
    assert "refused" in warnings[0].lower()  # the database's own message, for the operator


def test_health_sqlite_file_gone_and_back(xts2_settings, sqlite_url, tmp_path, caplog):
    """A SQLite file moved away (or replaced by an empty one) is not the process's database,
    even while the connections it already holds still read the old file."""
    caplog.set_level(logging.WARNING)
    app = _bare_app(xts2_settings, sqlite_url)
    assert app.get("/v2/xts/health?format=json").json["health"]["status"] == "ok"
    path = Path(sa.make_url(sqlite_url).database)
    aside = tmp_path / "aside.sqlite"
    os.rename(path, aside)
    err = app.get("/v2/xts/health?format=json", status=503).json["error"]
    assert err["code"] == "unavailable"
    assert not path.exists()  # the check made no empty database in its place
    path.touch()  # an empty file where the database was
    app.get("/v2/xts/health?format=json", status=503)
    os.replace(aside, path)
    assert app.get("/v2/xts/health?format=json").json["health"]["status"] == "ok"
    messages = [r.getMessage() for r in caplog.records if r.name == "xts2_core.xts.health"]
    assert messages[0].startswith("health: the database cannot be reached: ")
    assert messages[1:] == ["health: the database can be reached again"]


# -- real servers ---------------------------------------------------------------------------

def _pg_outage(admin_url: str, database: str, allow: bool) -> None:
    """Refuse (``allow=False``: and end every session of) or allow connections to ``database``."""
    engine = sa.create_engine(psycopg_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(
                f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS {str(allow).lower()}')
            if not allow:
                conn.execute(sa.text(
                    "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
                    "WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": database})
    finally:
        engine.dispose()


@pytest.mark.live
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_health_of_a_real_server_whose_database_goes_away(kind, request, xts2_live_server,
                                                          tmp_path):
    """pserve answers ``ok``, then 503 ``unavailable`` while its database is away (PostgreSQL:
    the database refuses connections and ends the server's sessions; SQLite: the file is moved
    away), then ``ok`` again once the database is back — the same process, not restarted."""
    if kind == "sqlite":
        url = request.getfixturevalue("sqlite_url")
        path = Path(sa.make_url(url).database)

        def away() -> None:
            os.rename(path, tmp_path / "aside.sqlite")

        def back() -> None:
            os.replace(tmp_path / "aside.sqlite", path)
    else:
        url = _migrate_core(request.getfixturevalue("empty_pg_database"))
        admin, name = os.environ["XTS2_TEST_DATABASE_URL"], sa.make_url(url).database

        def away() -> None:
            _pg_outage(admin, name, allow=False)

        def back() -> None:
            _pg_outage(admin, name, allow=True)

    server = xts2_live_server(plugins=[], env={"XTS2_DATABASE_URL": url})
    status, body = server.get("xts/health")
    assert (status, body["health"]) == (200, {"status": "ok", "database": kind})
    away()
    try:
        for _ in range(2):  # and stays so, request after request
            status, body = server.get("xts/health")
            assert (status, body["error"]["code"]) == (503, "unavailable")
    finally:
        back()
    status, body = server.get("xts/health")
    assert (status, body["health"]) == (200, {"status": "ok", "database": kind})
    server.stop()
    log = server.log.read_text()
    assert "health: the database cannot be reached" in log
    assert "health: the database can be reached again" in log
