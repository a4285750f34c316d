"""Which locks a basket change takes, read from the SQL it sends: ``BEGIN IMMEDIATE`` on SQLite,
``SELECT … FOR UPDATE`` of the basket rows on PostgreSQL — and none only when the test-only
setting ``xts2.testing.skip_locks`` is true (``false`` in an ini file must keep them)."""

from __future__ import annotations

import pytest
from basket_calls import add_widget, new_basket


def lock_statements(app, db_kind, path, params):
    with app.statements() as seen:
        app.call(path, params)
    marker = "BEGIN IMMEDIATE" if db_kind == "sqlite" else "FOR UPDATE"
    return [s for s in seen if marker in s]


@pytest.mark.parametrize("setting,locked", [(None, True), ("false", True), ("0", True),
                                            ("no", True), ("true", False), ("1", False)])
def test_skip_locks_setting(xts2_app_factory, provider, db_kind, setting, locked):
    settings = {} if setting is None else {"xts2.testing.skip_locks": setting}
    app = xts2_app_factory(plugins=[], extra=[("testprovider", provider)], **settings)
    b = new_basket(app)["id"]
    add_widget(app, b, "0")
    found = lock_statements(app, db_kind, "baskets/closebasket", {"basket": b})
    assert bool(found) is locked, found


def test_moveitem_locks_both_baskets_in_id_order(app, db_kind):
    a, b = new_basket(app)["id"], new_basket(app)["id"]
    item = add_widget(app, b, "1")["item"]["id"]
    found = lock_statements(app, db_kind, "baskets/moveitem", {"item": item, "to": a})
    if db_kind == "sqlite":
        assert len(found) == 1
    else:
        (stmt,) = found                    # one statement locks both, ORDER BY id
        assert "core_basket" in stmt and "ORDER BY core_basket.id" in stmt
