"""Fixtures for the baskets tests: an app with the test-only widget provider, and real servers
running the same provider (two ``pserve`` processes on the test's database)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
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
