"""The core's ``xts`` servlet, registered through the same hooks as any plugin."""

from __future__ import annotations

from ..hookspecs import hookimpl
from ..params import NoParams
from ..servlets import Command, Servlet
from . import commands as c
from .health import health


@hookimpl
def register_servlets() -> list[Servlet]:
    return [Servlet("xts", [
        Command("health", health, "public", NoParams),
        Command("isadmin", c.isadmin, "public", c.IsAdmin),
        Command("getstats", c.getstats, "terminal", NoParams),
        Command("getterminal", c.getterminal, "terminal", NoParams),
        Command("getterminals", c.getterminals, "admin", NoParams),
        Command("report", c.report, "admin", c.ReportParams, formats=("csv", "html")),
    ])]
