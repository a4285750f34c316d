"""Fixtures for the core's tests: a core-only app, a probe plugin, and the CLI in a subprocess.

``probe`` is a throwaway plugin (registered with ``extra=``) whose servlet ``probe`` has commands
that exercise the core from outside, as any plugin would: a rendering sample, an echo of every
parameter type, a state-changing counter, a command that fails with a bug, an admin command, and a
report type.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from pydantic import Field

from xts2_core import (
    Bool,
    Column,
    Command,
    DateTime,
    E,
    Id,
    IdList,
    Int,
    Key,
    Money,
    MoneyParam,
    Name,
    NoParams,
    Params,
    Report,
    ReportType,
    Servlet,
    Text,
    elist,
    emap,
    hookimpl,
)
from xts2_core.models import Setting
from xts2_core.scratchdb import scratch_postgresql_database
from xts2_core.testing import write_ini

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
XTS2 = str(BIN / "xts2")

# -- the probe plugin ---------------------------------------------------------------------------

SUMMER = datetime(2026, 7, 1, 18, 30, tzinfo=UTC)
WINTER = datetime(2026, 12, 1, 19, 30, tzinfo=UTC)


def tree(request: Any, p: Params) -> E:
    return E("tree", {"id": 7, "price": Money(1250), "negative": Money(-850), "winter": WINTER,
                      "summer": SUMMER, "flag": True, "off": False, "name": "Fish & <Chips>",
                      "absent": None}, [
        elist("shows", [E("show", {"id": 1}), E("show", {"id": 2})], {"total": 2}),
        elist("empty", []),
        elist("one", [E("show", {"id": 3})]),
        E("single", {"a": 1}),
        E("many", {"b": 1}, many=True),
        emap("meta", {"email": "a@b.example"}),
        E("note", text="plain"),
        E("count", {"name": "x"}, text=5),
    ])


class Echo(Params):
    id: Id | None = None
    n: Int = Field(5, ge=1, le=10)
    amount: MoneyParam | None = None
    when: DateTime | None = None
    flag: Bool | None = None
    text: Text | None = None
    ids: IdList | None = Field(None, max_length=3)
    key: Key | None = None
    name: Name | None = Field(None, min_length=1, max_length=10)
    big: Int | None = None


def echo(request: Any, p: Echo) -> E:
    return E("echo", {"id": p.id, "n": p.n, "amount": Money(p.amount) if p.amount is not None
                      else None, "when": p.when, "flag": p.flag, "key": p.key, "name": p.name,
                      "ids": ",".join(map(str, p.ids)) if p.ids is not None else None,
                      "big": p.big},
             text=p.text)


def bump(request: Any, p: Params) -> E:
    """Count calls in the database: a state change that must happen once per opid."""
    row = request.dbsession.get(Setting, "probe.counter")
    if row is None:
        row = Setting(key="probe.counter", value="0")
        request.dbsession.add(row)
    row.value = str(int(row.value) + 1)
    return E("counter", {"value": int(row.value)})


class Slow(Params):
    seconds: Int = Field(0, ge=0, le=5)


def slowbump(request: Any, p: Slow) -> E:
    """``bump``, then wait: widens the window in which a second request races this one."""
    answer = bump(request, p)
    request.dbsession.flush()
    time.sleep(p.seconds)
    return answer


def boom(request: Any, p: Params) -> E:
    """A bug after a change: the change must not stay."""
    bump(request, p)
    request.dbsession.flush()
    raise RuntimeError("kaboom: the probe's bug")


def secret(request: Any, p: Params) -> E:
    return E("secret", {"terminal": request.terminal.name if request.terminal else None})


def odd(request: Any, p: Params) -> E:
    """Text no parameter may hold, as if from a season file's escapes or a plugin's source."""
    return E("odd", {"name": "Ham\x0blet\ud800"}, [E("note", text="nul\x00 and \ufffe")])


class ProbeReportParams(Params):
    rows: Int = Field(3, ge=0, le=10)
    first: Text | None = None


def build_report(request: Any, p: ProbeReportParams) -> Report:
    rows = [{"name": f"Row {i}", "count": i, "amount": 1000 * i - 500, "at": WINTER}
            for i in range(1, p.rows + 1)]
    if p.first is not None and rows:
        rows[0]["name"] = p.first
    total = {"name": "Total", "count": sum(r["count"] for r in rows),
             "amount": sum(r["amount"] for r in rows)}
    return Report(
        title="Probe report",
        columns=[Column("name", "Name"), Column("count", "Count", "int"),
                 Column("amount", "Amount", "money"), Column("at", "When", "datetime")],
        rows=rows, total=total, attrs={"rows": p.rows}, chart=("name", "amount"))


class Probe:
    """A test plugin: servlet ``probe`` and report type ``probe``."""

    @hookimpl
    def register_servlets(self) -> list[Servlet]:
        return [Servlet("probe", [
            Command("tree", tree, "public", NoParams),
            Command("echo", echo, "public", Echo),
            Command("bump", bump, "terminal", NoParams, changes_state=True),
            Command("slowbump", slowbump, "terminal", Slow, changes_state=True),
            Command("boom", boom, "terminal", NoParams, changes_state=True),
            Command("cached", tree, "public", NoParams, cache_seconds=30),
            Command("odd", odd, "public", NoParams),
            Command("secret", secret, "admin", NoParams),
        ])]

    @hookimpl
    def register_reports(self) -> list[ReportType]:
        return [ReportType("probe", build_report, ProbeReportParams, "a test report")]

    @hookimpl
    def collect_stats(self, request: Any) -> dict[str, int]:
        return {"probes": 42}


@pytest.fixture
def probe_plugin() -> Probe:
    return Probe()


@pytest.fixture
def make_core_app(xts2_app_factory: Any) -> Any:
    """``make_core_app(**settings)``: the core (no installed plugin) and the probe plugin."""

    def make(**settings: Any) -> Any:
        return xts2_app_factory(plugins=[], extra=[("probe", Probe())], **settings)

    return make


@pytest.fixture
def core_app(make_core_app: Any) -> Any:
    """An app with only the core (no installed plugin) and the probe plugin."""
    return make_core_app()


@pytest.fixture
def probe_counter() -> Any:
    """``probe_counter(app)``: how often ``probe/bump`` changed the database."""

    def read(app: Any) -> int:
        with app.session() as s:
            row = s.get(Setting, "probe.counter")
            return int(row.value) if row is not None else 0

    return read


@pytest.fixture
def read_error() -> Any:
    """``read_error(response)`` → ``{"code", "param", "message"}`` of an XML or JSON error."""

    def read(resp: Any) -> dict[str, Any]:
        if resp.content_type == "application/json":
            body = resp.json
            assert body["status"] == "error" and body["version"] == 2
            return body["error"]
        assert resp.content_type == "application/xml"
        root = etree.fromstring(resp.body)
        assert root.tag == "xts2" and root.get("status") == "error"
        assert root.get("version") == "2"
        (err,) = root
        assert err.tag == "error"
        return {"code": err.get("code"), "param": err.get("param"), "message": err.text}

    return read


# -- the command line ---------------------------------------------------------------------------

@pytest.fixture
def cli_ini(tmp_path: Path, xts2_database_url: str) -> Path:
    """A config file on this test's (migrated, empty) database, core only."""
    return write_ini(tmp_path / "cli.ini", xts2_database_url, plugins=[])


@pytest.fixture
def xts2_cli() -> Any:
    """``xts2_cli("initdb", ini, input=…, env=…)`` runs the ``xts2`` script → CompletedProcess."""

    def run(*args: Any, input: str | None = None, env: dict[str, str] | None = None,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if k != "XTS2_DATABASE_URL"}
        full_env.update(env or {})
        proc = subprocess.run([XTS2, *map(str, args)], input=input, capture_output=True,
                              text=True, env=full_env, timeout=120)
        if check and proc.returncode != 0:
            raise AssertionError(f"xts2 {' '.join(map(str, args))} failed ({proc.returncode}):\n"
                                 f"{proc.stdout}\n{proc.stderr}")
        return proc

    return run


def pg_admin_url() -> str | None:
    """The PostgreSQL server CI asked for (``XTS2_TEST_DATABASE_URL``), or None."""
    return os.environ.get("XTS2_TEST_DATABASE_URL")


@pytest.fixture
def empty_pg_database() -> Any:
    """An empty PostgreSQL database of this test (created and dropped here) → its URL."""
    url = pg_admin_url()
    if not url:
        pytest.skip("XTS2_TEST_DATABASE_URL is not set (PostgreSQL tests run when it is)")
    with scratch_postgresql_database(url, "xts2_core_empty") as scratch:
        yield scratch
