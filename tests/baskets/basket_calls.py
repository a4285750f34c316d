"""What the baskets tests share: calls to the API through a test app and direct reads of its
database (statements are counted with ``app.statements()``, from ``xts2_core.testing``). A
module of its own, not conftest: every test folder has a conftest, and ``from conftest import``
would find whichever was imported last."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def new_basket(app: Any, **params: Any) -> dict[str, Any]:
    return app.call("baskets/newbasket", params)["basket"]


def add_widget(app: Any, basket: int, price: str = "5.00", **item: Any) -> dict[str, Any]:
    """additem type=widget; ``item`` keys become ``item.<key>``. Returns the whole answer."""
    params = {"basket": basket, "type": "widget", "item.price": price}
    params.update({f"item.{k}": v for k, v in item.items()})
    return app.call("baskets/additem", params)


def rows(app: Any, sql: str, **params: Any) -> list[Any]:
    """Run ``sql`` on the app's database (read-only checks)."""
    with app.registry["dbengine"].connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def audit_rows(app: Any, basket: int | None = None) -> list[Any]:
    where = "" if basket is None else "WHERE basket_id = :b"
    return rows(app, "SELECT id, at, terminal_id, admin, command, basket_id, item_id, detail "
                f"FROM core_audit {where} ORDER BY id", b=basket)


def error(body: dict[str, Any]) -> tuple[str, str | None]:
    assert body["status"] == "error", body
    return body["error"]["code"], body["error"]["param"]
