"""The tickets tables as migrated agree with the models (nothing for autogenerate to add)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import xts2_tickets.models  # noqa: F401  (the tables join Base.metadata)
from xts2_core import Base


def test_models_and_migration_agree(xts2_database_url):
    engine = sa.create_engine(xts2_database_url.replace("postgresql://",
                                                        "postgresql+psycopg://"))

    def include_object(obj, name, type_, reflected, compare_to):
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return table is None or table.name.startswith("tickets_")

    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={
                "compare_type": True, "include_object": include_object})
            diff = compare_metadata(ctx, Base.metadata)
            tables = sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()
    assert {"tickets_show", "tickets_performance", "tickets_tickettype",
            "tickets_ticket"} <= set(tables)
    assert diff == []
