"""Test fixtures for XTS2 and its plugins (a pytest plugin, entry point ``pytest11``).

Installed with the core, so a plugin's own tests get them with no conftest::

    def test_donation(xts2_app_factory):
        app = xts2_app_factory(plugins=["donations", "money"])
        basket = app.call("baskets/newbasket")["basket"]

Each test gets a fresh database: on SQLite a copy of a migrated template file; on PostgreSQL
(``XTS2_TEST_DATABASE_URL``) a database of this test run, migrated once and emptied before each
test. A URL that is set but unreachable fails the run: it never skips.

Fixtures:

``xts2_clock``         the app's :class:`~xts2_core.clock.Clock`; ``advance(seconds)`` / ``set(dt)``.
``xts2_settings``      the settings every test app starts from (database URL, fast argon2, clock).
``xts2_app_factory``   ``factory(plugins=None, extra=(), **settings)`` → :class:`XTS2TestApp`:
                       ``plugins`` names the entry points to load (``None``: all installed),
                       ``extra`` is a list of ``(name, plugin)`` registered too (test plugins).
``xts2_testapp``       an app with every installed plugin.
``xts2_plugin``        ``xts2_plugin(func, …)`` → a throwaway plugin object whose hooks are the
                       given functions (named after the hooks they implement).
``xts2_live_server``   ``start(plugins=None, **settings)`` → base URL of a real ``pserve`` on
                       this test's database (stopped after the test).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import types
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import transaction

TEST_PASSWORD = "admin-password-for-tests"
TEST_KEY = "test-terminal-key-0001"
DB_ENV = "XTS2_TEST_DATABASE_URL"


class XTS2TestApp:
    """A WebTest app with a terminal key and the admin password ready."""

    def __init__(self, app: Any, terminal_key: str, admin_password: str) -> None:
        import webtest

        self.wsgi = app
        self.app = webtest.TestApp(app)
        self.terminal_key = terminal_key
        self.admin_password = admin_password
        self.registry = app.registry

    def call(self, path: str, params: dict[str, Any] | None = None, *, status: int | str = 200,
             key: str | bool | None = True, admin: bool = False, fmt: str = "json",
             method: str = "get", headers: dict[str, str] | None = None) -> Any:
        """``call("baskets/newbasket", {...})`` → the JSON answer (or the response for xml).

        ``key``: True sends this app's terminal key, a string sends that key, False none.
        ``admin``: send the admin password.
        """
        p = {k: str(v) if not isinstance(v, list) else v for k, v in (params or {}).items()}
        if key is True:
            p.setdefault("terminalkey", self.terminal_key)
        elif isinstance(key, str):
            p["terminalkey"] = key
        if admin:
            p.setdefault("password", self.admin_password)
        if fmt:
            p.setdefault("format", fmt)
        url = "/v2/" + path.strip("/")
        if method == "post":
            resp = self.app.post(url, p, status=status, headers=headers)
        else:
            resp = self.app.get(url, p, status=status, headers=headers)
        return resp.json if fmt == "json" else resp

    def xml(self, path: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        """The answer parsed as an lxml element (the ``<xts2>`` root)."""
        from lxml import etree

        resp = self.call(path, params, fmt="xml", **kw)
        return etree.fromstring(resp.body)

    def get(self, *a: Any, **kw: Any) -> Any:
        return self.app.get(*a, **kw)

    def post(self, *a: Any, **kw: Any) -> Any:
        return self.app.post(*a, **kw)

    def session(self) -> Any:
        """A context manager: a session in its own committed transaction (test set-up)."""
        from .db import begin_write, get_tm_session

        registry = self.registry

        class _Ctx:
            def __enter__(self_inner) -> Any:
                self_inner.tm = transaction.TransactionManager(explicit=True)
                self_inner.tm.begin()
                s = get_tm_session(registry["dbsession_factory"], self_inner.tm)
                begin_write(s)
                return s

            def __exit__(self_inner, exc_type: Any, exc: Any, tb: Any) -> None:
                if exc_type is None:
                    self_inner.tm.commit()
                else:
                    self_inner.tm.abort()

        return _Ctx()

    def load(self, data: dict[str, Any]) -> dict[str, int]:
        """Load season data (a dict, as a season file) into this app's database."""
        from .season import LoadContext, load_data

        with self.session() as s:
            ctx = LoadContext(dbsession=s, now=self.registry["xts2.clock"].now(),
                              tz=self.registry["xts2.tz"], settings=self.registry.settings)
            return load_data(self.registry["xts2.pm"], ctx, data)

    def add_terminal(self, name: str, key: str, **fields: Any) -> None:
        self.load({"terminals": [{"name": name, "key": key, **fields}]})


# -- the database ----------------------------------------------------------------------------

def _all_plugins_manager() -> Any:
    from .plugins import get_plugin_manager

    return get_plugin_manager({})


def _pg_admin_url(url: str) -> sa.URL:
    u = sa.make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u


@pytest.fixture(scope="session")
def _xts2_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from .migrate import upgrade

    url = os.environ.get(DB_ENV)
    pm = _all_plugins_manager()
    if url:
        base = _pg_admin_url(url)
        name = f"xts2_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        except sa.exc.OperationalError as exc:
            pytest.fail(f"{DB_ENV} is set but PostgreSQL cannot be reached: {exc.orig}",
                        pytrace=False)
        test_url = base.set(database=name)
        engine = sa.create_engine(test_url)
        upgrade(engine, pm)
        with engine.connect() as conn:
            tables = [t for t in sa.inspect(conn).get_table_names() if t != "alembic_version"]
        engine.dispose()
        yield {"kind": "postgresql", "url": test_url.render_as_string(hide_password=False),
               "tables": tables}
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    else:
        template = tmp_path_factory.mktemp("xts2db") / "template.sqlite"
        engine = sa.create_engine(f"sqlite:///{template}")
        upgrade(engine, pm)
        engine.dispose()
        yield {"kind": "sqlite", "template": template}


@pytest.fixture
def xts2_database_url(_xts2_database: dict[str, Any], tmp_path: Path) -> str:
    """A fresh, migrated, empty database for this test."""
    if _xts2_database["kind"] == "sqlite":
        path = tmp_path / "xts2.sqlite"
        shutil.copyfile(_xts2_database["template"], path)
        return f"sqlite:///{path}"
    url = _xts2_database["url"]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = ", ".join(f'"{t}"' for t in _xts2_database["tables"])
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    engine.dispose()
    return url


@pytest.fixture
def xts2_clock() -> Any:
    from .clock import Clock

    return Clock()


@pytest.fixture
def xts2_settings(xts2_database_url: str, xts2_clock: Any) -> dict[str, Any]:
    return {
        "sqlalchemy.url": xts2_database_url,
        "xts2.clock": xts2_clock,
        "xts2.argon2.time_cost": "1",
        "xts2.argon2.memory_cost": "64",
        "xts2.argon2.parallelism": "1",
        "xts2.timezone": "Europe/London",
    }


@pytest.fixture
def xts2_app_factory(xts2_settings: dict[str, Any]) -> Iterator[Callable[..., XTS2TestApp]]:
    from .app import make_app
    from .auth import set_password

    apps: list[XTS2TestApp] = []

    def factory(plugins: list[str] | None = None, extra: list[tuple[str, Any]] | tuple = (),
                terminal: dict[str, Any] | None = None, **settings: Any) -> XTS2TestApp:
        s = dict(xts2_settings)
        if plugins is not None:
            s["xts2.plugins"] = " ".join(plugins)
        s.update(settings)
        wsgi = make_app(s, extra_plugins=list(extra))
        app = XTS2TestApp(wsgi, TEST_KEY, TEST_PASSWORD)
        with app.session() as db:
            set_password(db, wsgi.registry["xts2.hasher"], TEST_PASSWORD)
        app.add_terminal("Test terminal", TEST_KEY, **(terminal or {}))
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.registry["dbengine"].dispose()


@pytest.fixture
def xts2_testapp(xts2_app_factory: Callable[..., XTS2TestApp]) -> XTS2TestApp:
    return xts2_app_factory()


@pytest.fixture
def xts2_plugin() -> Callable[..., Any]:
    """Make a throwaway plugin from plain functions named after hooks."""
    from .hookspecs import hookimpl

    def make(*funcs: Callable[..., Any], **named: Callable[..., Any]) -> Any:
        plugin = types.SimpleNamespace()
        for f in funcs:
            named.setdefault(f.__name__, f)
        for name, f in named.items():
            setattr(plugin, name, hookimpl(f))
        return plugin

    return make


# -- real servers ----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_ini(path: Path, url: str, plugins: list[str] | None = None, threads: int = 8,
              **settings: Any) -> Path:
    lines = ["[app:main]", "use = egg:xts2", f"sqlalchemy.url = {url}",
             "xts2.argon2.time_cost = 1", "xts2.argon2.memory_cost = 64",
             "xts2.argon2.parallelism = 1"]
    if plugins is not None:
        lines.append(f"xts2.plugins = {' '.join(plugins)}")
    lines += [f"{k} = {v}" for k, v in settings.items()]
    lines += ["", "[server:main]", "use = egg:waitress#main", "listen = 127.0.0.1:%(http_port)s",
              f"threads = {threads}", "", "[loggers]", "keys = root", "[handlers]",
              "keys = console", "[formatters]", "keys = generic", "[logger_root]",
              "level = WARN", "handlers = console", "[handler_console]",
              "class = StreamHandler", "args = (sys.stderr,)", "level = NOTSET",
              "formatter = generic", "[formatter_generic]", "format = %(levelname)s %(message)s"]
    path.write_text("\n".join(lines) + "\n")
    return path


class LiveServer:
    """A ``pserve`` process; ``url`` is its base (``http://127.0.0.1:PORT``)."""

    def __init__(self, ini: Path, port: int | None = None, log: Path | None = None) -> None:
        self.ini, self.port = ini, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log or ini.with_suffix(f".{self.port}.log")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> LiveServer:
        pserve = Path(sys.executable).with_name("pserve")
        self._logfile = open(self.log, "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen([str(pserve), str(self.ini), f"http_port={self.port}"],
                                     stdout=self._logfile, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pserve exited: {self.log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(self.url + "/v2", timeout=1).read()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"pserve did not answer in {timeout}s: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "_logfile", None):
            self._logfile.close()

    def get(self, path: str, params: dict[str, Any] | None = None, timeout: float = 30
            ) -> tuple[int, dict[str, Any]]:
        """GET ``/v2/{path}`` as JSON → (HTTP status, body)."""
        q = dict(params or {})
        q.setdefault("format", "json")
        url = f"{self.url}/v2/{path.strip('/')}?{urllib.parse.urlencode(q)}"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")


@pytest.fixture
def xts2_live_server(xts2_database_url: str, tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    servers: list[LiveServer] = []

    def start(plugins: list[str] | None = None, threads: int = 8, **settings: Any) -> LiveServer:
        ini = write_ini(tmp_path / f"server{len(servers)}.ini", xts2_database_url, plugins,
                        threads, **settings)
        server = LiveServer(ini)
        servers.append(server)
        return server.start()

    yield start
    for s in servers:
        s.stop()
