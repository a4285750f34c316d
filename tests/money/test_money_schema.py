"""Money's migrations create exactly what its models say."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import xts2_money.models  # noqa: F401  (money's tables on the shared Base)
from xts2_core import Base


def test_models_and_migrations_agree(xts2_database_url):
    engine = sa.create_engine(xts2_database_url.replace("postgresql://", "postgresql+psycopg://"))

    def ours(obj, name, type_, reflected, compare_to):
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return table is None or table.name.startswith("money_")

    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={
                "include_object": ours, "compare_type": True})
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []
