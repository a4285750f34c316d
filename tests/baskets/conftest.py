"""Fixtures for the baskets tests: an app with the test-only widget provider, helpers to make
baskets and items through the API, direct reads of the database, and real servers running the
same provider (two ``pserve`` processes on the test's database)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from testprovider import WidgetProvider

from xts2_core.testing import LiveServer, write_ini

HERE = Path(__file__).parent


@pytest.fixture
def provider() -> WidgetProvider:
    return WidgetProvider()


@pytest.fixture
def app(xts2_app_factory: Callable[..., Any], provider: WidgetProvider) -> Any:
    """XTS2 with no installed provider but the test-only widget provider."""
    return xts2_app_factory(plugins=[], extra=[("testprovider", provider)])


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


class CountQueries:
    """Counts the SQL statements an engine runs (``with CountQueries(engine) as q: …; q.n``)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def _listen(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def __enter__(self) -> CountQueries:
        sa.event.listen(self.engine, "before_cursor_execute", self._listen)
        return self

    def __exit__(self, *exc: Any) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._listen)

    @property
    def n(self) -> int:
        return len(self.statements)


@pytest.fixture
def db_kind(xts2_database_url: str) -> str:
    return "sqlite" if xts2_database_url.startswith("sqlite") else "postgresql"


@pytest.fixture
def widget_servers(xts2_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                   ) -> Iterator[Callable[..., LiveServer]]:
    """``start(**settings)`` → a real ``pserve`` serving XTS2 with the widget provider on this
    test's database. The same machinery as ``xts2_live_server`` (``LiveServer``, ``write_ini``);
    only the app factory differs, because the test provider is not an installed entry point."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in (str(HERE), os.environ.get("PYTHONPATH", "")) if p))
    servers: list[LiveServer] = []

    def start(threads: int = 8, **settings: Any) -> LiveServer:
        ini = write_ini(tmp_path / f"widgets{len(servers)}.ini", xts2_database_url, [],
                        threads, **settings)
        text = ini.read_text()
        assert "use = egg:xts2\n" in text
        ini.write_text(text.replace("use = egg:xts2\n", "use = call:testprovider:make_app\n"))
        server = LiveServer(ini)
        servers.append(server)
        return server.start()

    yield start
    for s in servers:
        s.stop()
