"""Alembic, one branch per plugin (DESIGN.md "Data").

The core's revisions live in ``xts2_core/migrations/versions``; each plugin names its own version
location with ``register_migrations``. All of them are collected from the installed plugins before
Alembic runs, share one ``alembic_version`` table, and ``upgrade heads`` brings every branch up.
A plugin's base revision carries its name in ``branch_labels`` and ``depends_on`` the core revision
it needs; its tables carry its name as prefix, which is how ``xts2 revision`` tells whose a table is.

:func:`upgrade` brings up the branches of the plugins an app loads (``xts2.plugins``), and leaves
alone those of installed plugins it does not load: their revisions in the database must still
resolve, so their version locations are read too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import ResolutionError
from alembic.util import CommandError

from .db import Base
from .plugins import PluginError, collect_by_plugin, get_plugin_manager

HERE = Path(__file__).parent
CORE_VERSIONS = HERE / "migrations" / "versions"


def version_locations(pm: Any) -> dict[str, list[str]]:
    """``{plugin name: [directory, …]}`` (every folder a plugin registers), the core first."""
    out = {"core": [str(CORE_VERSIONS)]}
    for plugin, dirs in collect_by_plugin(pm, "register_migrations"):
        if dirs:
            out.setdefault(plugin, []).extend(str(d) for d in dirs)
    return out


class MigrationError(RuntimeError):
    """The database cannot be migrated with the installed plugins; nothing was changed."""


def installed_locations(pm: Any) -> dict[str, list[str]]:
    """:func:`version_locations` of ``pm``'s plugins and of every other installed plugin."""
    out = version_locations(pm)
    try:
        every = get_plugin_manager({})
    except PluginError:  # an installed plugin that cannot load has no say here
        return out
    for name, directories in version_locations(every).items():
        out.setdefault(name, directories)
    return out


def alembic_config(pm: Any, connection: sa.Connection | None = None,
                   only_prefix: str | None = None,
                   locations: dict[str, list[str]] | None = None) -> Config:
    """An Alembic configuration over ``pm``'s version locations (or ``locations``)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    cfg.set_main_option("path_separator", "os")
    locations = locations if locations is not None else version_locations(pm)
    folders = dict.fromkeys(d for dirs in locations.values() for d in dirs)
    cfg.set_main_option("version_locations", os.pathsep.join(folders))
    cfg.attributes["connection"] = connection
    cfg.attributes["metadata"] = Base.metadata
    cfg.attributes["only_prefix"] = only_prefix
    return cfg


def upgrade(engine: sa.Engine, pm: Any) -> None:
    """Create or migrate the database to the newest schema of every plugin ``pm`` loaded.

    :raises MigrationError: the database has revisions no installed plugin provides.
    """
    wanted = sorted(ScriptDirectory.from_config(alembic_config(pm)).get_heads())
    with engine.begin() as conn:
        cfg = alembic_config(pm, conn, locations=installed_locations(pm))
        _check_known(conn, ScriptDirectory.from_config(cfg))
        for head in wanted:
            command.upgrade(cfg, head)


def _check_known(conn: sa.Connection, script: ScriptDirectory) -> None:
    """Every revision the database is at must be one an installed plugin provides.

    A plugin that was uninstalled leaves its revision behind, which Alembic cannot place; the
    error says whose it probably is (by the prefix of the tables no installed plugin describes)
    and what the operator can do.

    :raises MigrationError: naming the revisions, the tables and the likely plugin.
    """
    unknown = []
    for rev in MigrationContext.configure(conn).get_current_heads():
        try:
            script.revision_map.get_revision(rev)
        except ResolutionError:
            unknown.append(rev)
    if not unknown:
        return
    tables = sorted(set(sa.inspect(conn).get_table_names()) - set(Base.metadata.tables)
                    - {"alembic_version"})
    plugins = sorted({t.split("_", 1)[0] for t in tables})
    whose = "was a plugin uninstalled?"
    if plugins:
        shown = ", ".join(tables[:6]) + (", …" if len(tables) > 6 else "")
        whose = (f"plugin {' or '.join(repr(p) for p in plugins)}, by the prefix of its tables "
                 f"{shown}: was it uninstalled?")
    raise MigrationError(
        f"the database has revision {', '.join(unknown)}, which no installed plugin provides "
        f"({whose}). Install that plugin again to migrate; to stop using it, keep it installed "
        "and name it in the setting xts2.plugins.disable")


def schema_diff(engine: sa.Engine, prefix: str | None = None) -> list[Any]:
    """What autogenerate would still change to make the database match the models.

    Empty when the migrations and the models agree. ``prefix`` (``"tickets_"``) limits the
    comparison to one plugin's tables.
    """
    from alembic.autogenerate import compare_metadata

    def include_object(obj: Any, name: Any, type_: str, reflected: Any, compare_to: Any) -> bool:
        if prefix is None:
            return True
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return table is None or table.name.startswith(prefix)

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object})
        return compare_metadata(context, Base.metadata)


def current_heads(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def script_heads(pm: Any) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(pm)).get_heads())


def pending_revisions(engine: sa.Engine, pm: Any) -> set[str]:
    """The revisions of the installed plugins that the database does not have yet.

    (The version table lists only the newest revision of each branch; the core's revision is
    then implied by the plugin revisions that depend on it.)
    """
    script = ScriptDirectory.from_config(alembic_config(pm))
    applied = {r.revision for r in script.revision_map.iterate_revisions(
        tuple(current_heads(engine)), "base")}
    return {r.revision for r in script.walk_revisions()} - applied


def _locations_in_use(conn: sa.Connection, pm: Any) -> dict[str, list[str]]:
    """The version locations of ``pm``'s plugins, and of the other installed plugins whose
    branch the database holds (so its revisions resolve, and its heads are the script's)."""
    every = installed_locations(pm)
    script = ScriptDirectory.from_config(alembic_config(pm, locations=every))
    _check_known(conn, script)
    heads = tuple(MigrationContext.configure(conn).get_current_heads())
    used = {os.path.normcase(os.path.dirname(os.path.abspath(r.path)))
            for r in script.revision_map.iterate_revisions(heads, "base")}
    out = version_locations(pm)
    for name, dirs in every.items():
        if name not in out and any(os.path.normcase(os.path.abspath(d)) in used for d in dirs):
            out[name] = dirs
    return out


def revision(engine: sa.Engine, pm: Any, plugin: str, message: str) -> Any:
    """Autogenerate a revision for ``plugin``'s tables (prefix ``{plugin}_``) on its branch.

    :raises MigrationError: ``plugin`` has no migrations here, or the database is not at the
        newest revision of the branches it holds (run ``xts2 initdb`` first).
    """
    locations = version_locations(pm)
    if plugin not in locations:
        raise MigrationError(f"plugin {plugin!r} is not loaded or registers no migrations "
                             f"(with migrations: {', '.join(sorted(locations))})")
    prefix = f"{plugin}_"
    with engine.begin() as conn:
        cfg = alembic_config(pm, conn, only_prefix=prefix, locations=_locations_in_use(conn, pm))
        script = ScriptDirectory.from_config(cfg)
        branch_exists = any(plugin in (r.branch_labels or ()) for r in script.walk_revisions())
        try:
            if branch_exists:
                return command.revision(cfg, message, autogenerate=True, head=f"{plugin}@head")
            depends_on = None if plugin == "core" else script.get_revision("core@head").revision
            return command.revision(cfg, message, autogenerate=True, head="base",
                                    branch_label=plugin, version_path=locations[plugin][0],
                                    depends_on=depends_on)
        except CommandError as exc:
            hint = ": run  xts2 initdb CONFIG  first" if "not up to date" in str(exc) else ""
            raise MigrationError(f"{str(exc).rstrip('.')}{hint}") from None
