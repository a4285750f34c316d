"""Test fixtures for XTS2 and its plugins (a pytest plugin, entry point ``pytest11``).

Installed with the core, so a plugin's own tests get them with no conftest::

    def test_donation(xts2_app_factory):
        app = xts2_app_factory(plugins=["donations"])
        basket = app.call("baskets/newbasket")["basket"]
        app.call("baskets/additem", {"basket": basket["id"], "type": "donation",
                                      "item.amount": "5.00"})

Each test gets a fresh database: on SQLite a copy of a migrated template file; on PostgreSQL
(``XTS2_TEST_DATABASE_URL``) a database of this test run, migrated once and emptied before each
test. A URL that is set but unreachable fails the run: it never skips. The template is migrated
with every plugin installed in the environment, so an installed plugin's tables are there whichever
plugins a test's app loads.

Fixtures (docs/testing-plugins.md has examples):

``xts2_app_factory``   ``factory(plugins=None, extra=(), terminal=None, **settings)`` →
                       :class:`XTS2TestApp`, a WebTest app with the test terminal's key and the
                       admin password ready. ``plugins`` names the entry points to load
                       (``None``: all installed, ``[]``: none — the core alone); ``extra`` lists
                       plugin objects to register too (test plugins), bare or as ``(name, plugin)``;
                       ``terminal`` gives the test terminal's season fields (``paymenttypes``);
                       ``settings`` are ini settings (``**{"xts2.basket_expiry": "60"}``).
``xts2_testapp``       ``xts2_app_factory()``: an app with every installed plugin.
``xts2_clock``         the apps' one clock (:class:`~xts2_core.clock.Clock`, real time until moved):
                       ``advance(seconds=0, minutes=…, hours=…, days=…)``, ``set(aware datetime)``
                       (freezes it), ``reset()``, ``now()``. What ``request.now`` answers.
``xts2_plugin``        ``xts2_plugin(func, …, hookname=func, …)`` → a throwaway plugin whose hooks
                       are the given functions (named after the hooks they implement). It records
                       each call in ``plugin.calls`` as ``(hook name, {argument: value})``.
``xts2_live_server``   ``start(plugins=None, threads=8, env=None, **settings)`` → a
                       :class:`LiveServer`: a real ``pserve`` on this test's database, with the
                       same terminal key and admin password ready (stopped after the test; call
                       twice for two processes); ``env`` adds environment variables.
``xts2_mail_server``   ``make(port=None, start=True, **aiosmtpd options)`` → a :class:`MailServer`:
                       a real SMTP server on 127.0.0.1 (``start=False``: its port, nothing
                       listening yet); ``settings()`` sends an app's mail there, ``wait(count)``
                       → the messages once they have arrived.
``xts2_settings``      the settings every test app starts from (database URL, fast argon2, clock).
``xts2_database_url``  this test's fresh, migrated, empty database.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import functools
import inspect
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import types
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import transaction

from .scratchdb import psycopg_url, scratch_postgresql_database

TEST_PASSWORD = "admin-password-for-tests"
TEST_KEY = "test-terminal-key-0001"
DB_ENV = "XTS2_TEST_DATABASE_URL"


class AnswerChecker:
    """Checks JSON answers against the app's own ``GET /v2/openapi.json``: a command's answer
    against its answer schema, an error against the error envelope of its HTTP status.

    Needs ``jsonschema`` (the core's ``testing`` extra installs it); without it nothing is
    checked.
    """

    def __init__(self, registry: Any) -> None:
        self.registry = registry
        self.validators: dict[str, Any] = {}
        self.checked = 0
        self.enabled = True

    def _validator(self, ref: str) -> Any:
        validator = self.validators.get(ref)
        if validator is None:
            from jsonschema import Draft202012Validator
            from referencing import Registry, Resource
            from referencing.jsonschema import DRAFT202012

            from .openapi import document_bytes

            doc = json.loads(document_bytes(self.registry))
            resources = Registry().with_resource(
                "urn:xts2:openapi", Resource(contents=doc, specification=DRAFT202012))
            validator = Draft202012Validator({"$ref": "urn:xts2:openapi" + ref},
                                             registry=resources)
            self.validators[ref] = validator
        return validator

    def ref(self, path: str, status: int) -> str | None:
        """The schema an answer to ``path`` with ``status`` must match, if the document has one."""
        if status >= 400:
            if status in (400, 401, 403, 404, 405, 409, 429, 500):
                return f"#/components/responses/error{status}/content/application~1json/schema"
            return "#/components/schemas/Error"
        parts = path.split("/")
        if status == 200 and len(parts) == 4 and parts[:2] == ["", "v2"]:
            registry = self.registry["xts2.commands"]
            if registry.get(parts[2], parts[3]) is not None:
                return f"#/components/schemas/{parts[2]}.{parts[3]}"
        return None

    def check(self, path: str, response: Any) -> None:
        if response.content_type != "application/json" or not response.body:
            return
        if not path.startswith("/v2") or path == "/v2/openapi.json":
            return
        ref = self.ref(path, response.status_int)
        if ref is None:
            return
        try:
            validator = self._validator(ref)
        except ImportError:  # pragma: no cover (the testing extra installs jsonschema)
            return
        errors = sorted(validator.iter_errors(response.json), key=lambda e: list(e.path))
        self.checked += 1
        if errors:
            lines = [f"  at {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
                     for e in errors[:5]]
            raise AssertionError(
                f"the answer to {path} ({response.status}) does not match its schema {ref} "
                f"in GET /v2/openapi.json:\n" + "\n".join(lines) +
                f"\nanswer: {response.text[:2000]}")


def _checked_testapp(app: Any, checker: AnswerChecker) -> Any:
    """A ``webtest.TestApp`` whose every JSON answer (``get``, ``post``, ``call`` alike) is
    checked against the app's OpenAPI document."""
    import webtest

    class CheckedTestApp(webtest.TestApp):  # type: ignore[misc]
        def do_request(self, req: Any, status: Any = None, expect_errors: Any = None) -> Any:
            response = super().do_request(req, status=status, expect_errors=expect_errors)
            if checker.enabled:
                # A path that is not UTF-8 (a test of the error it gets) names no operation.
                path = req.environ.get("PATH_INFO", "")
                try:
                    path = path.encode("latin-1").decode("utf-8")
                except UnicodeDecodeError:
                    return response
                checker.check(path, response)
            return response

    return CheckedTestApp(app)


class XTS2TestApp:
    """A WebTest app with a terminal key and the admin password ready.

    ``app.call(path, params)`` answers the JSON body; ``app.xml(path, params)`` the lxml root;
    ``app.get``/``post``/``put``/``delete``/``head`` are WebTest's own (any path, full
    control). ``app.load(season)`` loads season data; ``app.clock`` is the clock ``request.now``
    reads; ``app.session()`` is a committed database session for set-up a season file cannot
    express; ``app.statements()`` records the SQL statements run inside a ``with`` block.

    Every JSON answer it receives is checked against the app's own ``GET /v2/openapi.json``
    (:class:`AnswerChecker`): a command's answer must match the answer schema declared next to
    the command, an error the error envelope of its HTTP status, or the test fails saying where.
    ``app.answers.enabled = False`` turns that off for a test that must see a malformed answer.
    """

    def __init__(self, app: Any, terminal_key: str, admin_password: str) -> None:
        self.wsgi = app
        self.answers = AnswerChecker(app.registry)
        self.app = _checked_testapp(app, self.answers)
        self.terminal_key = terminal_key
        self.admin_password = admin_password
        self.registry = app.registry

    @property
    def clock(self) -> Any:
        """The app's clock (the ``xts2_clock`` fixture when the app came from the factory)."""
        return self.registry["xts2.clock"]

    def call(self, path: str, params: dict[str, Any] | None = None, *, status: int | str = 200,
             key: str | bool | None = True, admin: bool = False, fmt: str = "json",
             method: str = "get", headers: dict[str, str] | None = None) -> Any:
        """``call("baskets/newbasket", {...})`` → the JSON answer (for ``fmt="xml"``, ``"csv"``,
        ``"html"`` or ``""``: the WebTest response).

        ``params`` values are sent as strings: ``True``/``False`` as ``true``/``false``, a list as
        the parameter repeated, ``None`` not at all. ``status``: the HTTP status expected (WebTest
        fails the test otherwise; ``"*"`` accepts any). ``key``: ``True`` sends this app's terminal
        key, a string sends that key, ``False``/``None`` none. ``admin``: send the admin password.
        ``method``: ``"get"`` or ``"post"`` (form-encoded).
        """
        p: dict[str, Any] = {}
        for k, v in (params or {}).items():
            if v is None:
                continue
            if isinstance(v, bool):
                v = "true" if v else "false"
            p[k] = [str(x) for x in v] if isinstance(v, list | tuple) else str(v)
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
        """WebTest's ``get`` (no key, password or format added)."""
        return self.app.get(*a, **kw)

    def post(self, *a: Any, **kw: Any) -> Any:
        """WebTest's ``post`` (no key, password or format added)."""
        return self.app.post(*a, **kw)

    def put(self, *a: Any, **kw: Any) -> Any:
        """WebTest's ``put`` (no key, password or format added)."""
        return self.app.put(*a, **kw)

    def delete(self, *a: Any, **kw: Any) -> Any:
        """WebTest's ``delete`` (no key, password or format added)."""
        return self.app.delete(*a, **kw)

    def head(self, *a: Any, **kw: Any) -> Any:
        """WebTest's ``head`` (no key, password or format added)."""
        return self.app.head(*a, **kw)

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
        """Add (or update) a terminal; ``fields`` are its season keys (``paymenttypes``…)."""
        self.load({"terminals": [{"name": name, "key": key, **fields}]})

    def statements(self) -> Any:
        """``with app.statements() as seen: app.call(…)``: the SQL statements the app's
        database runs inside the block, in order (:func:`statements`)."""
        return statements(self.registry["dbengine"])


@contextlib.contextmanager
def statements(engine: Any) -> Iterator[list[str]]:
    """``with statements(engine) as seen: …``: the SQL statements ``engine`` runs inside the
    block, in order, as sent (a list filled as they run). How a test says how many queries a
    command costs, or that it asks no table it need not."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


# -- the database ----------------------------------------------------------------------------

def _all_plugins_manager() -> Any:
    from .plugins import get_plugin_manager

    return get_plugin_manager({})


@pytest.fixture(scope="session")
def _xts2_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from .migrate import upgrade

    url = os.environ.get(DB_ENV)
    pm = _all_plugins_manager()
    if url:
        with contextlib.ExitStack() as stack:
            try:
                test_url = stack.enter_context(
                    scratch_postgresql_database(url, f"xts2_test_{os.getpid()}"))
            except sa.exc.OperationalError as exc:
                pytest.fail(f"{DB_ENV} is set but PostgreSQL cannot be reached: {exc.orig}",
                            pytrace=False)
            engine = sa.create_engine(test_url)
            upgrade(engine, pm)
            with engine.connect() as conn:
                tables = [t for t in sa.inspect(conn).get_table_names() if t != "alembic_version"]
            engine.dispose()
            yield {"kind": "postgresql", "url": test_url, "tables": tables}
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
    """The clock of every app this test builds: real time until a test moves it.

    ``xts2_clock.advance(minutes=16)`` moves it on (baskets expire, performances start);
    ``xts2_clock.set(datetime(2026, 12, 1, 19, 0, tzinfo=UTC))`` freezes it at a moment;
    ``reset()`` returns to real time. ``request.now`` reads it once per request.
    """
    from .clock import Clock

    return Clock()


@pytest.fixture
def xts2_settings(xts2_database_url: str, xts2_clock: Any) -> dict[str, Any]:
    """The settings every app of this test starts from; a test may change them before building
    an app, or pass overrides to the factory."""
    return {
        "sqlalchemy.url": xts2_database_url,
        "xts2.clock": xts2_clock,
        "xts2.argon2.time_cost": "1",
        "xts2.argon2.memory_cost": "64",
        "xts2.argon2.parallelism": "1",
        "xts2.timezone": "Europe/London",
    }


def _named(extra: Any) -> list[tuple[str, Any]]:
    out = []
    for i, entry in enumerate(extra or ()):
        if isinstance(entry, tuple):
            out.append(entry)
        else:
            out.append((f"test-plugin-{i + 1}", entry))
    return out


@pytest.fixture
def xts2_app_factory(xts2_settings: dict[str, Any]) -> Iterator[Callable[..., XTS2TestApp]]:
    """``factory(plugins=None, extra=(), terminal=None, **settings)`` → :class:`XTS2TestApp`.

    Build as many apps as a test needs (they share this test's database and clock)::

        app = xts2_app_factory(plugins=["donations"])                # exactly these plugins
        bare = xts2_app_factory(plugins=[])                          # the core alone
        probe = xts2_app_factory(plugins=[], extra=[my_test_plugin]) # plus a test plugin

    ``plugins``: entry-point names (``None``: every installed plugin). ``extra``: plugin objects
    (modules, :func:`xts2_plugin` results, ``(name, plugin)`` pairs) registered as well.
    ``terminal``: season fields of the test terminal (``{"paymenttypes": ["cash"]}``).
    ``settings``: ini settings for this app (``**{"xts2.basket_expiry": "60"}``).
    The admin password (``app.admin_password``) and the terminal key (``app.terminal_key``) are
    set before the factory returns.
    """
    from .app import make_app
    from .auth import set_password

    apps: list[XTS2TestApp] = []

    def factory(plugins: list[str] | None = None, extra: Any = (),
                terminal: dict[str, Any] | None = None, **settings: Any) -> XTS2TestApp:
        s = dict(xts2_settings)
        if plugins is not None:
            s["xts2.plugins"] = " ".join(plugins)
        s.update(settings)
        wsgi = make_app(s, extra_plugins=_named(extra))
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
    """An app with every installed plugin (``xts2_app_factory()``)."""
    return xts2_app_factory()


def make_plugin(*funcs: Callable[..., Any], **named: Callable[..., Any]) -> Any:
    """A throwaway plugin object whose hooks are ``funcs`` (each named after its hook) and
    ``named`` (``hookname=function``, for lambdas or a second name).

    A function may already carry ``@hookimpl(...)`` options (``tryfirst``, ``wrapper``…); they are
    kept. Each call is recorded in ``plugin.calls`` as ``(hook name, {argument: value})`` — only
    the arguments the function declares, as pluggy passes only those. A name that is not a hook
    fails here, not at start-up.
    """
    from . import hookspecs

    known = {n for n in dir(hookspecs) if hasattr(getattr(hookspecs, n), "xts2_spec")}
    plugin = types.SimpleNamespace(calls=[])
    for f in funcs:
        named.setdefault(f.__name__, f)
    for name, f in named.items():
        if name not in known:
            raise ValueError(f"{name!r} is not an XTS2 hook (hooks: {', '.join(sorted(known))})")
        setattr(plugin, name, _recording(name, f, plugin.calls))
    return plugin


def _recording(hook: str, func: Callable[..., Any], calls: list[Any]) -> Any:
    from .hookspecs import hookimpl

    argnames = list(inspect.signature(func).parameters)
    opts = getattr(func, "xts2_impl", None) or {}

    def record(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        calls.append((hook, {**dict(zip(argnames, args, strict=False)), **kwargs}))

    if inspect.isgeneratorfunction(func):  # a wrapper=True implementation stays a generator
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            record(args, kwargs)
            return (yield from func(*args, **kwargs))
    else:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            record(args, kwargs)
            return func(*args, **kwargs)

    return hookimpl(**{k: v for k, v in opts.items() if v})(wrapper)


@pytest.fixture
def xts2_plugin() -> Callable[..., Any]:
    """Make a throwaway plugin from plain functions named after hooks (see :func:`make_plugin`)::

        def test_refuse_close(xts2_app_factory, xts2_plugin):
            def validate_close_basket(basket):
                raise ItemRejected("not today")

            app = xts2_app_factory(plugins=[], extra=[xts2_plugin(validate_close_basket)])
    """
    return make_plugin


def assert_migrations_match_models(database_url: str, plugin: str) -> None:
    """Assert that ``plugin``'s tables, as its migrations made them, match its models.

    Use it with the ``xts2_database_url`` fixture (a database migrated to heads)::

        def test_schema(xts2_database_url):
            assert_migrations_match_models(xts2_database_url, "donations")
    """
    from .db import get_engine
    from .migrate import schema_diff
    from .plugins import get_plugin_manager

    get_plugin_manager({})  # imports every installed plugin, so its models are on Base
    engine = get_engine({"sqlalchemy.url": database_url})
    try:
        tables = [t for t in sa.inspect(engine).get_table_names() if t.startswith(f"{plugin}_")]
        diff = schema_diff(engine, prefix=f"{plugin}_")
    finally:
        engine.dispose()
    assert tables, f"the migrations made no {plugin}_ tables"
    assert diff == [], f"{plugin}'s migrations and models differ: {diff}"


# -- real servers ----------------------------------------------------------------------------

def eventually(check: Callable[[], Any], timeout: float = 30, what: str = "") -> Any:
    """Poll ``check`` until it answers something true, and return that (fails after ``timeout``
    seconds): for what another process or thread does in its own time (a mail sent, a browser's
    page catching up). In a browser, ``eventually(lambda: page.evaluate(js))`` rather than
    ``page.wait_for_function(js)``: the latter evaluates a string in the page, which a page whose
    Content-Security-Policy forbids ``eval`` refuses whenever the first look is not yet true."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what or check}"
        time.sleep(0.02)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_ini(path: Path, url: str, plugins: list[str] | None = None, threads: int = 8,
              **settings: Any) -> Path:
    """A PasteDeploy ini for ``pserve``: the app on ``url`` with ``plugins``, waitress, logging."""
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
    """A ``pserve`` process; ``url`` is its base (``http://127.0.0.1:PORT``).

    ``get(path, params)`` and ``call(path, params, key=True, admin=False)`` answer
    ``(HTTP status, JSON body)``; ``terminal_key`` and ``admin_password`` are the test terminal's
    key and the admin password (the fixture puts both into the database before the server starts).
    ``kill()`` ends it abruptly (a crash), ``stop()`` politely; ``log`` is its output. ``env``:
    environment variables for the process, over the test's own.
    """

    def __init__(self, ini: Path, port: int | None = None, log: Path | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.ini, self.port = ini, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log or ini.with_suffix(f".{self.port}.log")
        self.env = dict(env or {})
        self.proc: subprocess.Popen[bytes] | None = None
        self.terminal_key = TEST_KEY
        self.admin_password = TEST_PASSWORD

    def start(self, timeout: float = 30) -> LiveServer:
        pserve = Path(sys.executable).with_name("pserve")
        self._logfile = open(self.log, "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen([str(pserve), str(self.ini), f"http_port={self.port}"],
                                     stdout=self._logfile, stderr=subprocess.STDOUT,
                                     env={**os.environ, **self.env})
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

    def call(self, path: str, params: dict[str, Any] | None = None, *, key: bool = True,
             admin: bool = False, timeout: float = 30) -> tuple[int, dict[str, Any]]:
        """Like :meth:`get`, sending the terminal key (``key``) and the admin password (``admin``)."""
        q = {k: v for k, v in (params or {}).items() if v is not None}
        if key:
            q.setdefault("terminalkey", self.terminal_key)
        if admin:
            q.setdefault("password", self.admin_password)
        return self.get(path, q, timeout)


def _ensure_credentials(url: str) -> None:
    """Put the test terminal and the admin password into the database (idempotent)."""
    from sqlalchemy.orm import Session

    from .auth import password_hasher, set_password
    from .season import LoadContext, upsert_terminal
    from .values import utcnow

    engine = sa.create_engine(psycopg_url(url))
    try:
        with Session(engine) as db, db.begin():
            hasher = password_hasher({"xts2.argon2.time_cost": 1, "xts2.argon2.memory_cost": 64,
                                      "xts2.argon2.parallelism": 1})
            set_password(db, hasher, TEST_PASSWORD)
            upsert_terminal(LoadContext(dbsession=db, now=utcnow(), tz=None), "Test terminal",
                            TEST_KEY, None)
    finally:
        engine.dispose()


@pytest.fixture
def xts2_live_server(xts2_database_url: str, tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """``start(plugins=None, threads=8, env=None, **settings)`` → a started :class:`LiveServer`.

    A real ``pserve`` (waitress) on this test's database, for what WebTest cannot show: several
    processes, real concurrency, crashes. Load data first (an ``xts2_app_factory`` app shares the
    database); the test terminal and the admin password are ready. ``env`` adds environment
    variables to the server's (``{"XTS2_DATABASE_URL": …}``); ``settings`` are ini settings.
    Mark such tests ``live``.
    """
    servers: list[LiveServer] = []

    def start(plugins: list[str] | None = None, threads: int = 8,
              env: dict[str, str] | None = None, **settings: Any) -> LiveServer:
        if not servers:
            _ensure_credentials(xts2_database_url)
        ini = write_ini(tmp_path / f"server{len(servers)}.ini", xts2_database_url, plugins,
                        threads, **settings)
        server = LiveServer(ini, env=env)
        servers.append(server)
        return server.start()

    yield start
    for s in servers:
        s.stop()


# -- a real SMTP server ------------------------------------------------------------------------

class MailServer:
    """A real SMTP server (aiosmtpd, the core's ``testing`` extra) on 127.0.0.1: ``port``;
    ``start()``/``stop()`` (a server that is away: not started yet, or stopped);
    ``wait(count, timeout=30)`` → the messages (:class:`email.message.EmailMessage`) once
    ``count`` have arrived; ``messages()`` → those arrived so far; ``envelopes`` → aiosmtpd's
    envelopes (``mail_from``, ``rcpt_tos``); ``refuse`` → recipients answered 550."""

    def __init__(self, port: int | None = None, **options: Any) -> None:
        from aiosmtpd.controller import Controller

        self.port = port or free_port()
        self.envelopes: list[Any] = []
        self.refuse: set[str] = set()
        self._changed = threading.Condition()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)
        self.running = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
        with self._changed:
            self.envelopes.append(envelope)
            self._changed.notify_all()
        return "250 OK"

    def wait(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        """The messages once ``count`` have arrived (fails after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.envelopes) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"{count} mails expected, {len(self.envelopes)} arrived"
                self._changed.wait(left)
            return self.messages()

    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(e.content, policy=email.policy.default)
                for e in list(self.envelopes)]

    def settings(self) -> dict[str, str]:
        """The ini settings that send an app's mail here."""
        return {"mail.host": "127.0.0.1", "mail.port": str(self.port)}

    def start(self) -> MailServer:
        self.controller.start()
        self.running = True
        return self

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False


@pytest.fixture
def xts2_mail_server() -> Iterator[Callable[..., MailServer]]:
    """``make(port=None, start=True, **aiosmtpd options)`` → a :class:`MailServer` (``start=False``:
    its port is chosen and nothing listens there yet); each is stopped after the test."""
    servers: list[MailServer] = []

    def make(port: int | None = None, start: bool = True, **options: Any) -> MailServer:
        server = MailServer(port, **options)
        servers.append(server)
        return server.start() if start else server

    yield make
    for server in servers:
        server.stop()


def pytest_configure(config: pytest.Config) -> None:
    """Declare the markers XTS2's fixtures suggest, so ``--strict-markers`` accepts them."""
    config.addinivalue_line("markers", "live: starts real server processes")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
