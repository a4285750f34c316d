"""The tickets tables as migrated agree with the models (nothing for autogenerate to add)."""

import sqlalchemy as sa

from xts2_core.testing import assert_migrations_match_models


def test_models_and_migration_agree(xts2_database_url):
    assert_migrations_match_models(xts2_database_url, "tickets")
    engine = sa.create_engine(xts2_database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"tickets_show", "tickets_performance", "tickets_tickettype",
            "tickets_ticket"} <= tables
