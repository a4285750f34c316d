"""Alembic environment for XTS2; configured by :mod:`xts2_core.migrate`, not by an ini file."""

from __future__ import annotations

from alembic import context

import xts2_core

config = context.config
connection = config.attributes["connection"]
metadata = config.attributes["metadata"]
only_prefix = config.attributes.get("only_prefix")


def include_name(name, type_, parent_names):  # noqa: ANN001, ANN201
    if type_ == "table" and only_prefix is not None:
        return name is not None and name.startswith(only_prefix)
    return True


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001, ANN201
    # include_name filters only what is reflected from the database; the metadata's own tables
    # (every plugin's, on the shared Base) are filtered here, or a plugin's revision would
    # create the other plugins' tables too.
    if type_ == "table" and only_prefix is not None:
        return name is not None and name.startswith(only_prefix)
    return True


def render_item(type_, obj, autogen_context):  # noqa: ANN001, ANN201
    # The core's column types (UTCDateTime) are written as ``xts2_core.UTCDateTime()``: a
    # revision imports the public package, as plugins do, never one of its modules.
    if type_ == "type" and getattr(xts2_core, type(obj).__name__, None) is type(obj):
        autogen_context.imports.add("import xts2_core")
        return f"xts2_core.{obj!r}"
    return False


context.configure(
    connection=connection,
    target_metadata=metadata,
    include_name=include_name,
    include_object=include_object,
    render_item=render_item,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
