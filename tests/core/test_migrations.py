"""Migrations and models agree (DESIGN.md "Data"): a fresh database upgraded to ``heads`` is what
the models describe, on SQLite and on PostgreSQL; the core alone creates only its own tables."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from xts2_core.db import Base, get_engine
from xts2_core.migrate import current_heads, pending_revisions, upgrade
from xts2_core.plugins import get_plugin_manager

CORE_BASE = "722e2adbdfe8"


def _diff(engine: sa.Engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def _table(diff) -> str:
    """The table a diff entry is about (entries are tuples, or lists of column changes)."""
    entry = diff[0] if isinstance(diff, list) else diff
    for part in entry[1:]:
        if isinstance(part, sa.Table):
            return part.name
        if isinstance(part, str):
            return part
        table = getattr(part, "table", None)
        if table is not None:
            return table.name
    return "?"


def _check_upgrade(url: str) -> None:
    engine = get_engine({"sqlalchemy.url": url})
    try:
        pm = get_plugin_manager({})
        assert pending_revisions(engine, pm) != set()
        upgrade(engine, pm)
        assert pending_revisions(engine, pm) == set()
        assert _diff(engine) == []
        heads = current_heads(engine)
        upgrade(engine, pm)  # again: nothing to do, nothing breaks
        assert current_heads(engine) == heads
    finally:
        engine.dispose()


def _check_core_only(url: str) -> None:
    engine = get_engine({"sqlalchemy.url": url})
    try:
        pm = get_plugin_manager({"xts2.plugins": ""})
        upgrade(engine, pm)
        assert current_heads(engine) == {CORE_BASE}
        assert pending_revisions(engine, pm) == set()
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert tables and all(t.startswith("core_") for t in tables)
        core_diffs = [d for d in _diff(engine) if _table(d).startswith("core_")]
        assert core_diffs == []
    finally:
        engine.dispose()


def test_sqlite_fresh_database_matches_the_models(tmp_path: Path):
    _check_upgrade(f"sqlite:///{tmp_path / 'fresh.sqlite'}")


def test_sqlite_core_alone(tmp_path: Path):
    _check_core_only(f"sqlite:///{tmp_path / 'core.sqlite'}")


@pytest.fixture
def fresh_pg(request):
    return request.getfixturevalue("empty_pg_database")


def test_postgresql_fresh_database_matches_the_models(fresh_pg):
    _check_upgrade(fresh_pg)


def test_postgresql_core_alone(fresh_pg):
    _check_core_only(fresh_pg)


def test_an_app_on_a_database_without_tables_does_not_start(tmp_path: Path, xts2_settings):
    from xts2_core.app import make_app
    from xts2_core.db import NoSchema

    settings = {**xts2_settings, "sqlalchemy.url": f"sqlite:///{tmp_path / 'empty.sqlite'}"}
    with pytest.raises(NoSchema, match=r"empty\.sqlite has no XTS2 tables yet: run  xts2 initdb"):
        make_app(settings)


def test_an_app_starts_when_the_database_is_down(xts2_settings):
    from xts2_core.app import make_app

    settings = {**xts2_settings,
                "sqlalchemy.url": "postgresql://nobody@127.0.0.1:1/nothing"}
    app = make_app(settings)  # it answers (with errors) until the database is back
    assert app.registry["dbengine"].url.port == 1
