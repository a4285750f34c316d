"""Every shipped configuration answers parameters that are not UTF-8 with ``bad_param``.

development.ini includes the debug toolbar, whose tween reads the parameters before the core's
dispatch view checks them; it used to answer a plain-text 500. The apps are built from the
shipped ini files as ``pserve`` builds them, on this test's database.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import webtest
from lxml import etree
from pyramid.paster import get_appsettings

from xts2_core.app import make_app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["development.ini", "production.ini"])
def shipped_app(request, xts2_database_url):
    settings = dict(get_appsettings(str(ROOT / request.param)))
    settings["sqlalchemy.url"] = xts2_database_url
    wsgi = make_app(settings)
    # From the machine itself: the debug toolbar of development.ini is active for 127.0.0.1.
    yield webtest.TestApp(wsgi, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    wsgi.registry["dbengine"].dispose()


def test_development_ini_has_the_debug_toolbar():
    assert "pyramid_debugtoolbar" in get_appsettings(str(ROOT / "development.ini"))[
        "pyramid.includes"]


@pytest.mark.parametrize("path, servlet", [
    ("/v2/tickets/getshows?current=%FF", "tickets"),
    ("/v2/baskets/newbasket?terminalkey=%FF%FE", "baskets"),
    ("/v2?current=%FF", None),
    ("/v2/openapi.json?current=%FF", None),
])
def test_a_query_string_that_is_not_utf8_is_bad_param(shipped_app, path, servlet):
    resp = shipped_app.get(path, status=400)
    assert resp.content_type == "application/xml"
    root = etree.fromstring(resp.body)
    assert (root.get("status"), root.get("servlet")) == ("error", servlet)
    error = root.find("error")
    param = path.split("?")[1].split("=")[0]
    assert (error.get("code"), error.get("param")) == ("bad_param", param)
    assert error.text == f"parameter '{param}' is not valid UTF-8"
    assert resp.headers["Cache-Control"] == "no-store"


def test_json_when_the_accept_header_asks(shipped_app):
    resp = shipped_app.get("/v2/tickets/getshows?current=%FF",
                           headers={"Accept": "application/json"}, status=400)
    assert resp.json["error"] == {"code": "bad_param", "param": "current",
                                  "message": "parameter 'current' is not valid UTF-8"}


def test_a_form_body_that_cannot_be_read_is_bad_param(shipped_app):
    # multipart/form-data without a boundary: WebOb cannot parse it (a plain-text 500 before).
    resp = shipped_app.post("/v2/tickets/getshows", "current=1",
                            headers={"Content-Type": "multipart/form-data",
                                     "Accept": "application/json"}, status=400)
    assert resp.json["error"]["code"] == "bad_param" and resp.json["error"]["param"] is None
    assert "cannot be read as a form" in resp.json["error"]["message"]


def test_production_never_offers_the_test_payment_service(xts2_database_url):
    """The test payment service takes no money: production.ini refuses it, development.ini (for
    the demo) offers it; production's shop cookie goes over HTTPS only."""
    offered = {}
    for ini in ("development.ini", "production.ini"):
        settings = dict(get_appsettings(str(ROOT / ini)))
        settings["sqlalchemy.url"] = xts2_database_url
        wsgi = make_app(settings)
        offered[ini] = sorted(wsgi.registry["xts2.payment_methods"])
        if ini == "production.ini":
            assert wsgi.registry["shop.settings"].secure_cookie is True
        wsgi.registry["dbengine"].dispose()
    assert "testpay" in offered["development.ini"]
    assert "testpay" not in offered["production.ini"]
    assert "boxoffice" in offered["production.ini"]
