"""The ``xts`` servlet (API.md §9): isadmin, getstats and report."""

from __future__ import annotations

import csv
import importlib.metadata
import io
import logging
from datetime import datetime

import sqlalchemy as sa
from lxml import etree

from xts2_core import hookimpl
from xts2_core.migrate import current_heads


def test_isadmin(core_app):
    assert core_app.call("xts/isadmin", {"password": core_app.admin_password},
                         key=False) == {"version": 2, "servlet": "xts", "command": "isadmin",
                                        "status": "ok", "admin": True}
    assert core_app.call("xts/isadmin", {"password": "nope"}, key=False)["admin"] is False
    root = core_app.xml("xts/isadmin", {"password": core_app.admin_password}, key=False)
    assert etree.tostring(root.find("admin"), with_tail=False) == b"<admin>true</admin>"
    root = core_app.xml("xts/isadmin", {"password": "nope"}, key=False)
    assert root.find("admin").text == "false"
    # the header, as for every password check
    body = core_app.call("xts/isadmin", key=False,
                         headers={"X-XTS2-Password": core_app.admin_password})
    assert body["admin"] is True


def test_isadmin_without_a_password_set(xts2_app_factory):
    app = xts2_app_factory(plugins=[])
    from xts2_core.models import Setting

    with app.session() as s:
        s.delete(s.get(Setting, "admin_password"))
    assert app.call("xts/isadmin", {"password": app.admin_password})["admin"] is False


class ItemTypes:
    @hookimpl
    def register_item_types(self):
        return ["probething"]


def test_getstats(xts2_app_factory, probe_plugin, xts2_database_url):
    app = xts2_app_factory(extra=[("probe", probe_plugin), ("things", ItemTypes())])
    app.call("baskets/newbasket")
    app.call("baskets/newbasket")
    body = app.call("xts/getstats")
    stats = body["stats"]
    assert stats["version"] == importlib.metadata.version("xts2")
    backend = sa.make_url(xts2_database_url).get_backend_name()
    assert stats["database"] == backend
    engine = app.registry["dbengine"]
    assert stats["schema"] == ",".join(sorted(current_heads(engine)))
    assert stats["schema"] != "none"
    datetime.fromisoformat(stats["started"])
    plugins = {p["name"]: p for p in stats["plugin"]}
    installed = {ep.name: ep.dist for ep in importlib.metadata.entry_points(group="xts2")}
    assert set(plugins) == set(installed) | {"probe", "things"}
    for name, dist in installed.items():
        assert plugins[name]["distribution"] == dist.name
        assert plugins[name]["version"] == dist.version
    assert plugins["things"]["itemtypes"] == "probething"
    assert plugins["probe"]["itemtypes"] == ""
    if "money" in plugins:
        assert "payment" in plugins["money"]["itemtypes"].split(",")
    counts = {c["name"]: c["text"] for c in stats["count"]}
    assert counts["terminals"] == 1
    assert counts["baskets"] == 2 and counts["openbaskets"] == 2
    assert counts["items"] == 0
    assert counts["probes"] == 42  # collect_stats of the probe plugin
    # the XML form
    root = app.xml("xts/getstats").find("stats")
    assert root.get("database") == backend
    assert {c.get("name"): c.text for c in root.findall("count")}["probes"] == "42"
    assert {p.get("name") for p in root.findall("plugin")} == set(plugins)


def test_getstats_a_count_name_used_twice(xts2_app_factory, xts2_plugin, caplog):
    """The core's counts keep their names; a plugin's count that clashes with the core's or with
    another plugin's is given under ``plugin.name`` (every one of them), and a warning says so
    once. Nothing is silently replaced."""
    alpha = xts2_plugin(collect_stats=lambda: {"baskets": 7, "shared": 2, "widgets": 1})
    beta = xts2_plugin(collect_stats=lambda: {"shared": 3, "gadgets": 4})
    app = xts2_app_factory(plugins=[], extra=[("alpha", alpha), ("beta", beta)])
    app.call("baskets/newbasket")
    caplog.set_level(logging.WARNING, logger="xts2_core")
    for _ in range(2):
        counts = {c["name"]: c["text"] for c in app.call("xts/getstats")["stats"]["count"]}
        assert counts["baskets"] == 1  # the core's
        assert (counts["alpha.baskets"], counts["alpha.shared"], counts["beta.shared"]) == (7, 2, 3)
        assert (counts["widgets"], counts["gadgets"]) == (1, 4)
        assert "shared" not in counts
    warnings = sorted(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert warnings == [
        "collect_stats: plugin 'alpha' counts 'baskets', a name the core uses; "
        "it is given as 'alpha.baskets'",
        "collect_stats: plugin 'alpha' counts 'shared', a name plugin 'beta' uses too; "
        "it is given as 'alpha.shared'",
        "collect_stats: plugin 'beta' counts 'shared', a name plugin 'alpha' uses too; "
        "it is given as 'beta.shared'",
    ]


def test_getstats_core_only(core_app, xts2_app_factory):
    app = xts2_app_factory(plugins=[])
    stats = app.call("xts/getstats")["stats"]
    assert stats["plugin"] == []  # a list, even when empty
    assert {c["name"] for c in stats["count"]} >= {"terminals", "baskets", "items"}
    app.call("xts/getstats", key=False, status=401)


def test_report_xml_and_json(core_app):
    root = core_app.xml("xts/report", {"type": "probe"}, admin=True)
    report = root.find("report")
    assert report.get("type") == "probe" and report.get("title") == "Probe report"
    rows = report.findall("row")
    assert [(r.get("name"), r.get("count"), r.get("amount")) for r in rows] == [
        ("Row 1", "1", "5.00"), ("Row 2", "2", "15.00"), ("Row 3", "3", "25.00")]
    assert rows[0].get("at") == "2026-12-01T19:30:00+00:00"
    assert report.find("total").get("amount") == "45.00"
    assert report.find("total").get("count") == "6"

    body = core_app.call("xts/report", {"type": "probe", "rows": "1"}, admin=True)
    assert body["report"] == {
        "type": "probe", "title": "Probe report", "rows": 1,
        "row": [{"name": "Row 1", "count": 1, "amount": "5.00",
                 "at": "2026-12-01T19:30:00+00:00"}],
        "total": {"name": "Total", "count": 1, "amount": "5.00"}}
    empty = core_app.call("xts/report", {"type": "probe", "rows": "0"}, admin=True)
    assert empty["report"]["row"] == []


def test_report_csv(core_app):
    resp = core_app.get("/v2/xts/report", {"type": "probe", "format": "csv",
                                           "password": core_app.admin_password})
    assert resp.content_type == "text/csv"
    assert resp.charset == "utf-8"
    rows = list(csv.reader(io.StringIO(resp.text)))
    assert rows == [["name", "count", "amount", "at"],
                    ["Row 1", "1", "5.00", "2026-12-01T19:30:00+00:00"],
                    ["Row 2", "2", "15.00", "2026-12-01T19:30:00+00:00"],
                    ["Row 3", "3", "25.00", "2026-12-01T19:30:00+00:00"]]


def test_report_html_has_a_table_and_a_chart(core_app):
    resp = core_app.get("/v2/xts/report", {"type": "probe", "format": "html",
                                           "password": core_app.admin_password})
    assert resp.content_type == "text/html"
    page = etree.fromstring(resp.body, etree.HTMLParser())
    assert page.findtext(".//h1") == "Probe report"
    table = page.find(".//table")
    assert [th.text for th in table.findall("thead/tr/th")] == ["Name", "Count", "Amount", "When"]
    assert [[td.text for td in tr] for tr in table.findall("tbody/tr")][1] == [
        "Row 2", "2", "15.00", "2026-12-01T19:30:00+00:00"]
    assert [th.text for th in table.findall("tfoot/tr/th")][:3] == ["Total", "6", "45.00"]
    svg = page.find(".//svg")
    assert svg is not None
    widths = [int(r.get("width")) for r in svg.iter("rect")]
    assert len(widths) == 3 and widths[0] < widths[1] < widths[2]
    assert b"<script" not in resp.body


def test_report_errors(core_app, read_error):
    err = read_error(core_app.get("/v2/xts/report", {"type": "nosuch",
                                                     "password": core_app.admin_password},
                                  status=400))
    assert err["code"] == "bad_param" and err["param"] == "type"
    assert "nosuch" in err["message"] and "installed: probe" in err["message"]
    err = read_error(core_app.get("/v2/xts/report", {"type": "probe", "rows": "11",
                                                     "format": "csv",
                                                     "password": core_app.admin_password},
                                  status=400))
    assert err["param"] == "rows"
    err = read_error(core_app.get("/v2/xts/report", {"type": "probe", "format": "pdf",
                                                     "password": core_app.admin_password},
                                  status=400))
    assert err["param"] == "format" and "csv" in err["message"]
    err = read_error(core_app.get("/v2/xts/report", {"type": "probe", "format": "csv"},
                                  status=401))
    assert err["code"] == "unauthorized"


def test_report_csv_defuses_formulas(core_app):
    resp = core_app.get("/v2/xts/report", {"type": "probe", "format": "csv", "rows": "2",
                                           "first": '=HYPERLINK("http://evil.example")',
                                           "password": core_app.admin_password})
    rows = list(csv.reader(io.StringIO(resp.text)))
    assert rows[1][0] == "'=HYPERLINK(\"http://evil.example\")"
    assert rows[2][0] == "Row 2"
    # numbers are numbers, negative too; only text is defused
    resp = core_app.get("/v2/xts/report", {"type": "probe", "format": "csv", "rows": "1",
                                           "first": "-5", "password": core_app.admin_password})
    assert list(csv.reader(io.StringIO(resp.text)))[1][:3] == ["'-5", "1", "5.00"]


def test_report_bool_columns_read_true_and_false_in_every_format(xts2_app_factory, xts2_plugin):
    """A ``bool`` column is true/false in XML, JSON, CSV and HTML (never Python's True/False),
    also when the rows carry 1/0 or None."""
    from xts2_core import Column, Report, ReportType

    def build(request, p):
        return Report("Flags", [Column("name", "Name"), Column("paid", "Paid", "bool")],
                      [{"name": "a", "paid": True}, {"name": "b", "paid": False},
                       {"name": "c", "paid": 1}, {"name": "d", "paid": 0},
                       {"name": "e", "paid": None}], attrs={"complete": False})

    plugin = xts2_plugin(register_reports=lambda: [ReportType("flags", build)])
    app = xts2_app_factory(plugins=[], extra=[("flags", plugin)])
    expected = ["true", "false", "true", "false", ""]
    root = app.xml("xts/report", {"type": "flags"}, admin=True)
    assert [r.get("paid", "") for r in root.findall("report/row")] == expected
    body = app.call("xts/report", {"type": "flags"}, admin=True)["report"]
    assert [r.get("paid") for r in body["row"]] == [True, False, True, False, None]
    csv_text = app.call("xts/report", {"type": "flags"}, admin=True, fmt="csv").text
    assert [r[1] for r in csv.reader(io.StringIO(csv_text))][1:] == expected
    html = app.call("xts/report", {"type": "flags"}, admin=True, fmt="html").body
    page = etree.fromstring(html, etree.HTMLParser())
    assert [tr[1].text or "" for tr in page.findall(".//tbody/tr")] == expected
    assert "complete: false" in page.findtext(".//p[@class='meta']")
