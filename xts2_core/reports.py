"""Report types (``xts/report``) and their four renderings: XML, JSON, CSV and HTML.

A plugin registers :class:`ReportType` objects with ``register_reports``; its ``build`` returns a
:class:`Report` of typed rows, and the core renders it. The HTML form is a printable page: a
heading, a bar chart of one column (inline SVG, no scripts) and the table with its total row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from pyramid.config import Configurator
from pyramid.response import Response

from .hookcalls import PluginError, merge_named
from .params import NoParams, Params
from .render import E
from .values import Money, format_datetime, format_money


@dataclass(frozen=True)
class Column:
    """A report column. ``kind``: ``text``, ``int``, ``money`` (minor units), ``datetime`` or
    ``bool`` (``true``/``false`` in every format)."""

    name: str
    label: str
    kind: str = "text"


@dataclass
class Report:
    """What a report type's ``build`` returns.

    :param title: heading for people ("Takings 1 Dec 2026").
    :param columns: the :class:`Column` list, in order.
    :param rows: one dict per row, keyed by column name (money in minor units).
    :param total: the total row (same keys; leave out what does not add up), or ``None``.
    :param attrs: extra attributes of ``<report>`` (the period, the performance…).
    :param chart: ``(label column, value column)`` to draw in the HTML form, or ``None``. The
        label may be a tuple of columns, joined with " · " (``(("terminalname", "paymenttypename"),
        "amount")``).
    """

    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    total: dict[str, Any] | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    chart: tuple[str | tuple[str, ...], str] | None = None


#: Parameters of ``xts/report`` itself, which a report type's own parameters may not reuse.
REPORT_COMMAND_PARAMS = ("type", "format", "password", "terminalkey", "opid")


@dataclass(frozen=True)
class ReportType:
    """A report type: ``xts/report?type=<name>`` plus the parameters of ``params``.

    Declared like an item type: the ``params`` schema (a :class:`~xts2_core.Params`, each field
    described with ``Field(description=…)``) is parsed by the core before ``build`` runs and
    published in ``GET /v2/openapi.json`` with the ``title`` and ``description``.

    :param name: the ``type`` parameter (``takings``).
    :param build: ``build(request, params) -> Report``.
    :param params: the report's parameters.
    :param description: one or two sentences for people.
    :param title: a short name for people ("Takings"); default: the name, capitalised.
    """

    name: str
    build: Callable[[Any, Any], Report]
    params: type[Params] = NoParams
    description: str = ""
    title: str = ""

    def __post_init__(self) -> None:
        if not (isinstance(self.params, type) and issubclass(self.params, Params)):
            raise TypeError(f"report type {self.name!r}: params must be a Params subclass, "
                            f"not {self.params!r}")
        if not self.title:
            object.__setattr__(self, "title", self.name.replace("_", " ").capitalize())


def _typed(col: Column, value: Any) -> Any:
    if value is None:
        return None
    if col.kind == "money":
        return Money(value)
    if col.kind == "bool":
        return bool(value)
    return value


def report_element(name: str, report: Report) -> E:
    def row(tag: str, values: dict[str, Any]) -> E:
        return E(tag, {c.name: _typed(c, values.get(c.name)) for c in report.columns},
                 many=(tag == "row"))

    children = [row("row", r) for r in report.rows]
    if report.total is not None:
        children.append(row("total", report.total))
    return E("report", {"type": name, "title": report.title, **report.attrs}, children,
             lists=("row",))


def _cell(col: Column, value: Any, tz: Any) -> str:
    if value is None:
        return ""
    if col.kind == "money":
        return format_money(value)
    if col.kind == "bool" or isinstance(value, bool):
        return "true" if value else "false"  # as in XML and JSON, not Python's True/False
    if isinstance(value, datetime):
        return format_datetime(value, tz)
    return str(value)


def _csv_cell(col: Column, value: Any, tz: Any) -> str:
    """A cell as text; text that a spreadsheet would run as a formula gets a leading ``'``."""
    text = _cell(col, value, tz)
    if col.kind == "text" and text.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + text
    return text


def render_csv(report: Report, tz: Any) -> Response:
    """A header row of column names, then one row per report row (no total row)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.name for c in report.columns])
    for r in report.rows:
        writer.writerow([_csv_cell(c, r.get(c.name), tz) for c in report.columns])
    resp = Response(body=out.getvalue().encode("utf-8"), content_type="text/csv",
                    charset="utf-8")
    return resp


def _chart(report: Report, tz: Any) -> str:
    if not report.chart or not report.rows:
        return ""
    label_names, value_name = report.chart
    if isinstance(label_names, str):
        label_names = (label_names,)
    cols = {c.name: c for c in report.columns}
    label_cols, value_col = [cols[n] for n in label_names], cols[value_name]
    values = [int(r.get(value_name) or 0) for r in report.rows]  # ints (money: minor units)
    top = max([abs(v) for v in values] + [1])
    bar_h, gap, label_w, width = 22, 6, 260, 420
    height = len(values) * (bar_h + gap) + gap
    by = " and ".join(c.label for c in label_cols)
    parts = [f'<svg class="chart" role="img" aria-label="{escape(value_col.label)} by '
             f'{escape(by)}" width="{label_w + width + 90}" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg">']
    for i, (r, v) in enumerate(zip(report.rows, values, strict=True)):
        y = gap + i * (bar_h + gap)
        w = width * abs(v) // top
        label = escape(" · ".join(_cell(c, r.get(c.name), tz) for c in label_cols)[:40])
        shown = escape(_cell(value_col, r.get(value_name), tz))
        colour = "#2b6cb0" if v >= 0 else "#c53030"
        parts.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{label}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" '
                     f'fill="{colour}"/>')
        parts.append(f'<text x="{label_w + w + 6}" y="{y + 15}">{shown}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: Report, tz: Any, generated: datetime) -> Response:
    head = "".join(f"<th>{escape(c.label)}</th>" for c in report.columns)

    def tr(values: dict[str, Any], tag: str = "td") -> str:
        cells = []
        for c in report.columns:
            cls = ' class="num"' if c.kind in ("int", "money") else ""
            cells.append(f"<{tag}{cls}>{escape(_cell(c, values.get(c.name), tz))}</{tag}>")
        return "<tr>" + "".join(cells) + "</tr>"

    body = "".join(tr(r) for r in report.rows)
    foot = f"<tfoot>{tr(report.total, 'th')}</tfoot>" if report.total is not None else ""
    meta = " · ".join(f"{escape(k)}: {escape(_cell(Column(k, k), v, tz))}"
                      for k, v in report.attrs.items() if v is not None)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(report.title)}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #111; }}
table {{ border-collapse: collapse; margin-top: 1em; min-width: 40em; }}
th, td {{ border-bottom: 1px solid #ccc; padding: .3em .8em; text-align: left; }}
.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
tfoot th {{ border-top: 2px solid #111; }}
.meta {{ color: #555; }} .chart text {{ font: 12px system-ui, sans-serif; }}
@media print {{ body {{ margin: 0; }} }}
</style></head><body>
<h1>{escape(report.title)}</h1>
<p class="meta">{meta}{' · ' if meta else ''}printed {escape(format_datetime(generated, tz))}</p>
{_chart(report, tz)}
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>{foot}</table>
</body></html>
"""
    return Response(body=page.encode("utf-8"), content_type="text/html", charset="utf-8")


def includeme(config: Configurator) -> None:
    reports = merge_named(config.registry["xts2.pm"], "register_reports",
                          settings=config.get_settings())
    for rtype in reports.values():
        for name, f in rtype.params.model_fields.items():
            if (f.alias or name) in REPORT_COMMAND_PARAMS:
                raise PluginError(f"report type {rtype.name!r}: its parameter "
                                  f"{f.alias or name!r} clashes with a parameter of xts/report")
    config.registry["xts2.reports"] = reports
