"""Report types and ``getbaskets`` filters declare their parameters like item types do."""

from __future__ import annotations

import pytest

from xts2_core import Field, Int, NoParams, Params, Report, ReportType, Text
from xts2_core.plugins import PluginError


class Clashing(Params):
    kind: Text = Field(alias="type", description="clashes with xts/report's own type")


def test_a_report_parameter_named_like_one_of_report_s_own_stops_startup(xts2_app_factory,
                                                                         xts2_plugin):
    plugin = xts2_plugin(register_reports=lambda: [
        ReportType("clash", lambda request, p: Report("Clash", [], []), Clashing)])
    with pytest.raises(PluginError, match="'type' clashes with a parameter of xts/report"):
        xts2_app_factory(plugins=[], extra=[("clash", plugin)])


def test_report_type_checks_its_declaration():
    with pytest.raises(TypeError, match="params must be a Params subclass"):
        ReportType("odd", lambda request, p: None, dict)  # type: ignore[arg-type]
    assert ReportType("cash_up", lambda request, p: None).title == "Cash up"
    assert ReportType("x", lambda request, p: None, NoParams, "", "Ex").title == "Ex"


class Ranged(Params):
    top: Int = Field(ge=1, le=5, description="at most five")


def test_a_report_s_declared_parameters_are_parsed_by_the_core(xts2_app_factory, xts2_plugin):
    seen = []

    def build(request, p):
        seen.append(p)
        return Report("Ranged", [], [])

    plugin = xts2_plugin(register_reports=lambda: [ReportType("ranged", build, Ranged)])
    app = xts2_app_factory(plugins=[], extra=[("ranged", plugin)])
    error = app.call("xts/report", {"type": "ranged", "top": "6"}, admin=True,
                     status=400)["error"]
    assert (error["code"], error["param"]) == ("bad_param", "top")
    app.call("xts/report", {"type": "ranged", "top": "5"}, admin=True)
    assert seen == [Ranged(top=5)]
