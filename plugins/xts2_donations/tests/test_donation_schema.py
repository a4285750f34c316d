"""The donations branch's migration creates exactly what the plugin's models say."""

from xts2_core.testing import assert_migrations_match_models


def test_models_and_migrations_agree(xts2_database_url):
    assert_migrations_match_models(xts2_database_url, "donations")
