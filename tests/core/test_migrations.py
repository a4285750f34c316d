"""Migrations and models agree (DESIGN.md "Data"): a fresh database upgraded to ``heads`` is what
the models describe, on SQLite and on PostgreSQL; the core alone creates only its own tables."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from xts2_core.db import get_engine
from xts2_core.migrate import current_heads, pending_revisions, schema_diff, upgrade
from xts2_core.plugins import get_plugin_manager

CORE_BASE = "722e2adbdfe8"
CORE_HEAD = "9c4f2b7e1d36"  # online payments (after the mail outbox, 5e1a7c3d9b20)


def _diff(engine: sa.Engine) -> list:
    return schema_diff(engine)


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
        assert current_heads(engine) == {CORE_HEAD}
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


# -- plugins' version folders, and a plugin that is gone -----------------------------------------

REVISION = '''"""{table}"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = {down!r}
branch_labels = {labels!r}
depends_on = {depends!r}


def upgrade():
    op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("{table}")
'''


def _migrations_plugin(folder: Path, name: str, folders: dict[str, list[tuple[str, str]]]):
    """A test plugin ``name`` whose ``register_migrations`` returns several folders under
    ``folder``: ``{folder name: [(revision, table), …]}``, one chain across all of them."""
    from xts2_core import hookimpl

    dirs, previous = [], None
    for sub, revisions in folders.items():
        d = folder / sub
        d.mkdir(parents=True)
        for rev, table in revisions:
            base = previous is None
            (d / f"{rev}_{table}.py").write_text(REVISION.format(
                rev=rev, table=table, down=previous, labels=(name,) if base else None,
                depends=CORE_BASE if base else None))
            previous = rev
        dirs.append(str(d))

    class Plugin:
        @hookimpl
        def register_migrations(self):
            return dirs

    return Plugin()


def _tables(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names())


def _check_several_folders(url: str, tmp_path: Path) -> None:
    plugin = _migrations_plugin(tmp_path / "twofold", "twofold", {
        "first": [("aaaa00000001", "twofold_one")],
        "second": [("aaaa00000002", "twofold_two")]})
    engine = get_engine({"sqlalchemy.url": url})
    try:
        pm = get_plugin_manager({"xts2.plugins": ""}, [("twofold", plugin)])
        upgrade(engine, pm)
        assert {"twofold_one", "twofold_two"} <= _tables(engine)
        assert current_heads(engine) == {"aaaa00000002", CORE_HEAD}  # the plugin's, the core's
        assert pending_revisions(engine, pm) == set()
    finally:
        engine.dispose()


def test_sqlite_a_plugin_may_keep_its_revisions_in_several_folders(tmp_path: Path):
    _check_several_folders(f"sqlite:///{tmp_path / 'twofold.sqlite'}", tmp_path)


def test_postgresql_a_plugin_may_keep_its_revisions_in_several_folders(fresh_pg, tmp_path: Path):
    _check_several_folders(fresh_pg, tmp_path)


def _check_uninstalled(url: str, tmp_path: Path, xts2_cli) -> None:
    """The database has the branch of a plugin that is no longer installed: ``xts2 initdb`` and
    ``xts2 revision`` say so (naming its tables and the way out), exit 1, no traceback."""
    from xts2_core.testing import write_ini

    gone = _migrations_plugin(tmp_path / "gone", "gone", {"versions": [
        ("bbbb00000001", "gone_thing"), ("bbbb00000002", "gone_other")]})
    engine = get_engine({"sqlalchemy.url": url})
    try:
        upgrade(engine, get_plugin_manager({}, [("gone", gone)]))  # every installed plugin too
        heads = current_heads(engine)
        ini = write_ini(tmp_path / "after.ini", url)  # "gone" is not installed here
        for args in (("initdb", ini), ("revision", ini, "tickets", "-m", "more")):
            out = xts2_cli(*args, check=False)
            assert out.returncode == 1, out.stdout + out.stderr
            assert "Traceback" not in out.stderr
            assert ("the database has revision bbbb00000002, which no installed plugin provides "
                    "(plugin 'gone', by the prefix of its tables gone_other, gone_thing: was it "
                    "uninstalled?). Install that plugin again to migrate") in out.stderr
            assert "xts2.plugins.disable" in out.stderr
            assert out.stderr.rstrip().endswith("nothing changed")
        assert current_heads(engine) == heads
    finally:
        engine.dispose()


def test_sqlite_initdb_names_a_plugin_that_is_no_longer_installed(tmp_path: Path, xts2_cli):
    _check_uninstalled(f"sqlite:///{tmp_path / 'gone.sqlite'}", tmp_path, xts2_cli)


def test_postgresql_initdb_names_a_plugin_that_is_no_longer_installed(fresh_pg, tmp_path: Path,
                                                                       xts2_cli):
    _check_uninstalled(fresh_pg, tmp_path, xts2_cli)


@pytest.mark.parametrize("initdb_with", ["every installed plugin", "solo alone"])
def test_revision_with_installed_plugins_that_are_not_loaded(tmp_path: Path, initdb_with):
    """``xts2 revision`` for one plugin while the config loads no other: the database may hold
    the branches of the other installed plugins (they are read, not a "Can't locate revision"),
    or not (then they are not asked for: no "Target database is not up to date")."""
    from xts2_core.migrate import MigrationError, revision

    url = f"sqlite:///{tmp_path / 'revision.sqlite'}"
    folder = tmp_path / "solo"
    solo = _migrations_plugin(folder, "solo", {"versions": [("cccc00000001", "solo_thing")]})
    engine = get_engine({"sqlalchemy.url": url})
    try:
        pm = get_plugin_manager({"xts2.plugins": ""}, [("solo", solo)])  # loads solo alone
        upgrade(engine, pm if initdb_with == "solo alone" else
                get_plugin_manager({}, [("solo", solo)]))
        script = revision(engine, pm, "solo", "more solo")
        assert Path(script.path).parent == folder / "versions"
        assert script.down_revision == "cccc00000001"
        # that revision has not run yet: the next one must wait for initdb
        with pytest.raises(MigrationError, match=r"^Target database is not up to date: run  xts2 initdb "):
            revision(engine, pm, "solo", "yet more")
    finally:
        engine.dispose()



# -- what generated revisions import -----------------------------------------------------------

def test_a_generated_revision_uses_the_public_package_for_core_types(tmp_path: Path):
    """``xts2 revision`` renders the core's column types through ``xts2_core`` (what plugins may
    import), never through the internal ``xts2_core.db``; and the revision runs."""
    from alembic import command

    import xts2_core
    from xts2_core.migrate import _locations_in_use, alembic_config

    folder = tmp_path / "stamp"
    stamp = _migrations_plugin(folder, "stamp", {"versions": [("dddd00000001", "stamp_base")]})
    metadata = sa.MetaData()  # the plugin's models, kept off the shared Base
    sa.Table("stamp_event", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("at", xts2_core.UTCDateTime(), nullable=False))
    sa.Table("stamp_base", metadata, sa.Column("id", sa.Integer, primary_key=True))
    engine = get_engine({"sqlalchemy.url": f"sqlite:///{tmp_path / 'stamp.sqlite'}"})
    try:
        pm = get_plugin_manager({"xts2.plugins": ""}, [("stamp", stamp)])
        upgrade(engine, pm)
        with engine.begin() as conn:
            cfg = alembic_config(pm, conn, only_prefix="stamp_",
                                 locations=_locations_in_use(conn, pm))
            cfg.attributes["metadata"] = metadata  # what migrate.revision does, on these models
            script = command.revision(cfg, "stamp events", autogenerate=True, head="stamp@head")
        text = Path(script.path).read_text()
        assert "xts2_core.db" not in text
        assert "\nimport xts2_core\n" in text
        assert "sa.Column('at', xts2_core.UTCDateTime(), nullable=False)" in text
        upgrade(engine, pm)
        assert "stamp_event" in _tables(engine)
        assert current_heads(engine) == {script.revision, CORE_HEAD}
    finally:
        engine.dispose()


def test_shipped_revisions_import_only_the_public_core():
    """The revisions of the core and of every installed plugin import ``xts2_core`` itself, never
    one of its modules (a plugin may rely only on what ``xts2_core`` exports)."""
    import re

    from xts2_core.migrate import version_locations

    files = [f for dirs in version_locations(get_plugin_manager({})).values() for d in dirs
             for f in Path(d).glob("*.py") if f.name != "__init__.py"]
    assert len(files) >= 5
    for f in files:
        text = f.read_text()
        assert not re.search(r"xts2_core\.(?!UTCDateTime\b)\w", text), f.name
        assert "from xts2_core" not in text, f.name
        if "xts2_core.UTCDateTime" in text:
            assert "\nimport xts2_core\n" in text, f.name
