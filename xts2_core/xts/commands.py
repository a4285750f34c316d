"""The ``xts`` servlet (API.md §9)."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from pydantic import ConfigDict, Field

from ..answers import Answer, DateTimeText
from ..auth import check_password
from ..dispatch import wants
from ..errors import BadParam
from ..models import Basket, BasketItem, Terminal
from ..params import Params, ReportTypeName, Text, parse_params, request_params
from ..plugins import call_by_plugin, plugin_infos
from ..render import E, elist
from ..reports import render_csv, render_html, report_element
from ..servlets import answers

log = logging.getLogger(__name__)


class IsAdminAnswer(Answer):
    admin: bool


class TerminalOut(Answer):
    """``<terminal id name expiry timezone>`` and what plugins add (``describe_terminal``: money's
    ``paymenttypes``), so its keys are open."""

    model_config = ConfigDict(extra="allow")
    id: int
    name: str
    expiry: int
    timezone: str


class TerminalAnswer(Answer):
    terminal: TerminalOut


class TerminalsLine(Answer):
    id: int
    name: str
    active: bool
    expiry: int | None = None


class TerminalsAnswer(Answer):
    terminals: list[TerminalsLine]


class PluginOut(Answer):
    name: str
    distribution: str
    version: str
    itemtypes: str


class CountOut(Answer):
    name: str
    text: int


class StatsOut(Answer):
    version: str
    database: str
    schema_: str = Field(alias="schema")
    started: DateTimeText
    plugin: list[PluginOut]
    count: list[CountOut]


class StatsAnswer(Answer):
    stats: StatsOut


class ReportOut(Answer):
    """``<report type title …>``: the report type's own attributes, then its rows (keys: its
    columns) and its total row."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    row: list[dict[str, Any]]
    total: dict[str, Any] | None = None


class ReportAnswer(Answer):
    report: ReportOut


class IsAdmin(Params):
    password: Text | None = Field(None, min_length=1, description="The password to check (or "
                                  "the X-XTS2-Password header).")


@answers(IsAdminAnswer)
def isadmin(request: Any, p: IsAdmin) -> E:
    """``<admin>true</admin>`` if the password (parameter or header) is the admin password."""
    password = p.password or request.headers.get("X-XTS2-Password")
    if not password:
        raise BadParam("password", "parameter 'password' is required")
    return E("admin", text=check_password(request, password))


def _schema(request: Any) -> str:
    """The database's Alembic revisions (one head per plugin branch), comma-separated."""
    from alembic.runtime.migration import MigrationContext  # only here: not at every start-up

    context = MigrationContext.configure(request.dbsession.connection())
    return ",".join(sorted(context.get_current_heads())) or "none"


def _plugin_counts(request: Any, core: set[str], results: list[tuple[str, Any]]
                   ) -> dict[str, int]:
    """The plugins' counts. A name the core uses, or more than one plugin, is given as
    ``plugin.name`` for each plugin that uses it (logged once per app): never replaced."""
    users: dict[str, list[str]] = {}
    for plugin, result in results:
        for name in result or {}:
            users.setdefault(name, []).append(plugin)
    warned = request.registry.setdefault("xts2.stats.clashes", set())
    out: dict[str, int] = {}
    for plugin, result in results:
        for name, value in (result or {}).items():
            if name not in core and len(users[name]) == 1:
                out[name] = value
                continue
            qualified = f"{plugin}.{name}"
            if (plugin, name) not in warned:
                warned.add((plugin, name))
                other = ("the core uses" if name in core else "plugin " + " and ".join(
                    repr(u) for u in users[name] if u != plugin) + " uses too")
                log.warning("collect_stats: plugin %r counts %r, a name %s; it is given as %r",
                            plugin, name, other, qualified)
            out[qualified] = value
    return out


@answers(StatsAnswer)
def getstats(request: Any, p: Params) -> E:
    """The server's version, database, schema, plugins and counts (``collect_stats``)."""
    pm = request.registry["xts2.pm"]
    infos = plugin_infos(pm)
    types: dict[str, list[str]] = {}
    for item_type, owner in request.registry["xts2.item_types"].items():
        types.setdefault(owner, []).append(item_type)
    db = request.dbsession
    now = request.now
    counts: dict[str, int] = {
        "terminals": db.scalar(sa.select(sa.func.count()).select_from(Terminal)
                               .where(Terminal.active.is_(True))),
        "baskets": db.scalar(sa.select(sa.func.count()).select_from(Basket)
                             .where(Basket.not_expired(now))),
        "openbaskets": db.scalar(sa.select(sa.func.count()).select_from(Basket)
                                 .where(Basket.live(now))),
        "items": db.scalar(sa.select(sa.func.count()).select_from(BasketItem).join(Basket)
                           .where(Basket.not_expired(now))),
    }
    counts.update(_plugin_counts(request, set(counts),
                                 call_by_plugin(pm, "collect_stats", request=request)))
    children = [
        E("plugin", {"name": i.name, "distribution": i.distribution, "version": i.version,
                     "itemtypes": ",".join(sorted(types.get(i.name, [])))}, many=True)
        for i in infos.values()
    ]
    children += [E("count", {"name": k}, text=int(v or 0), many=True)
                 for k, v in sorted(counts.items())]
    return E("stats", {
        "version": pm.xts2_core_version, "database": db.get_bind().dialect.name,
        "schema": _schema(request), "started": request.registry["xts2.started"],
    }, children, lists=("plugin", "count"))


@answers(TerminalAnswer)
def getterminal(request: Any, p: Params) -> E:
    """``<terminal id name expiry timezone>``: the calling terminal, its baskets' default expiry
    (seconds), the venue's time zone, and what plugins add (``describe_terminal``)."""
    terminal = request.terminal
    expiry = terminal.expiry or request.registry["xts2.basket_expiry"]
    children = [e for _, elements in call_by_plugin(request.registry["xts2.pm"],
                                                     "describe_terminal", request=request,
                                                     terminal=terminal)
                for e in elements or ()]
    return E("terminal", {"id": terminal.id, "name": terminal.name, "expiry": expiry,
                          "timezone": request.tz.key}, children)


@answers(TerminalsAnswer)
def getterminals(request: Any, p: Params) -> E:
    """``<terminals><terminal id name active expiry/>…</terminals>`` (admin): every terminal, revoked
    ones too, by name, so a cash-up can pick another till's takings."""
    terminals = request.dbsession.scalars(sa.select(Terminal).order_by(Terminal.name, Terminal.id))
    return elist("terminals", [
        E("terminal", {"id": t.id, "name": t.name, "active": t.active, "expiry": t.expiry},
          many=True)
        for t in terminals])


class ReportParams(Params):
    type: ReportTypeName = Field(description="The report type; its parameters are the ones its "
                                 "schema lists (x-xts2-report-types).")


@answers(ReportAnswer)
def report(request: Any, p: ReportParams) -> Any:
    """A report of a registered type, as XML/JSON (``<report>``), CSV or an HTML page."""
    types = request.registry["xts2.reports"]
    rtype = types.get(p.type)
    if rtype is None:
        raise BadParam("type", f"unknown report type {p.type!r}; installed: "
                       f"{', '.join(sorted(types)) or 'none'}")
    params = parse_params(rtype.params, request_params(request),
                          context={"tz": request.tz, "now": request.now})
    result = rtype.build(request, params)
    fmt = wants(request)
    if fmt == "csv":
        return render_csv(result, request.tz)
    if fmt == "html":
        return render_html(result, request.tz, request.now)
    return report_element(p.type, result)
