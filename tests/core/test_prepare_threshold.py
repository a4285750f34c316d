"""``xts2.pg_prepare_threshold``: psycopg's automatic prepared statements, switchable off from the
ini file for a pooler in transaction mode (docs/operators.md, "When one machine is not enough").

On PostgreSQL, through the real app: the setting reaches the pooled psycopg connections the
requests use, and with ``none`` the server holds no prepared statement after many requests, where
with psycopg's default it does. A wrong value stops the app from starting, on any database.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from pyramid.paster import get_appsettings

ROOT = Path(__file__).resolve().parents[2]


def _postgresql(url: str) -> None:
    if sa.make_url(url).get_backend_name() != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (XTS2_TEST_DATABASE_URL runs these)")


def _after_requests(app, n: int = 8) -> tuple[object, int]:
    """Make ``n`` sales' first request (the same statements each time), then look at the pool's
    connection: → (its psycopg ``prepare_threshold``, the statements prepared on its server
    session). (A rollback makes psycopg forget and deallocate what it prepared, so these are
    requests that commit.)"""
    for _ in range(n):
        assert app.call("baskets/newbasket")["basket"]["state"] == "open"
    engine = app.registry["dbengine"]
    # WebTest runs each request on this thread, one at a time: the pool has handed out one
    # connection, and hands it out again here.
    assert engine.pool.checkedin() == 1
    with engine.connect() as conn:
        threshold = conn.connection.driver_connection.prepare_threshold
        prepared = conn.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar()
    return threshold, prepared


def test_psycopg_prepares_repeated_statements_by_default(xts2_app_factory, xts2_database_url):
    _postgresql(xts2_database_url)
    threshold, prepared = _after_requests(xts2_app_factory(plugins=[]))
    assert threshold == 5  # psycopg's own default, left alone
    assert prepared > 0


@pytest.mark.parametrize("value", ["none", "None", " off "])
def test_none_turns_prepared_statements_off(xts2_app_factory, xts2_database_url, value):
    _postgresql(xts2_database_url)
    app = xts2_app_factory(plugins=[], **{"xts2.pg_prepare_threshold": value})
    threshold, prepared = _after_requests(app)
    assert threshold is None
    assert prepared == 0


def test_a_number_is_the_threshold(xts2_app_factory, xts2_database_url):
    _postgresql(xts2_database_url)
    app = xts2_app_factory(plugins=[], **{"xts2.pg_prepare_threshold": "100"})
    threshold, prepared = _after_requests(app)
    assert threshold == 100
    assert prepared == 0  # 8 requests ran no statement 100 times


def test_empty_leaves_psycopg_default(xts2_app_factory, xts2_database_url):
    _postgresql(xts2_database_url)
    app = xts2_app_factory(plugins=[], **{"xts2.pg_prepare_threshold": ""})
    assert _after_requests(app, 1)[0] == 5


@pytest.mark.parametrize("value", ["never", "-1", "2.5"])
def test_a_wrong_value_stops_the_start(xts2_app_factory, value):
    with pytest.raises(
        ValueError,
        match="xts2.pg_prepare_threshold must be a whole number of at "
        f"least 0, or none \\(never prepare\\), not '{value}'",
    ):
        xts2_app_factory(plugins=[], **{"xts2.pg_prepare_threshold": value})


def test_production_ini_documents_it_commented_out():
    """production.ini names the setting for operators behind PgBouncer, and leaves it off."""
    text = (ROOT / "production.ini").read_text()
    assert "# xts2.pg_prepare_threshold = none" in text
    assert "xts2.pg_prepare_threshold" not in get_appsettings(str(ROOT / "production.ini"))
