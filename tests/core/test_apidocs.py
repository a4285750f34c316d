"""``GET /v2/docs``: the API reference page, Swagger UI vendored and pinned, a strict CSP."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "xts2_core" / "apidocs_files"


@pytest.fixture
def app(xts2_app_factory):
    return xts2_app_factory(plugins=[])


def test_the_page_loads_only_this_server_s_files_under_a_strict_csp(app):
    resp = app.get("/v2/docs")
    assert resp.content_type == "text/html"
    csp = dict(part.strip().split(" ", 1)
               for part in resp.headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["connect-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
    assert not any("unsafe" in v for v in csp.values())
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", resp.text, re.S)
    assert scripts and all('src="docs-assets/' in attrs and body == "" for attrs, body in scripts)
    assert "http" not in resp.text  # nothing from elsewhere
    for ref in re.findall(r'(?:src|href)="(docs-assets/[^"]+)"', resp.text):
        asset = app.get("/v2/" + ref)
        assert asset.headers["Content-Security-Policy"] == resp.headers["Content-Security-Policy"]
    assert resp.headers["Cache-Control"] == "public, max-age=300"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_the_initialiser_reads_this_server_s_document_and_no_outside_validator(app):
    js = app.get("/v2/docs-assets/apidocs.js")
    assert js.content_type == "text/javascript"
    assert 'url: "openapi.json"' in js.text and "validatorUrl: null" in js.text


def test_the_vendored_swagger_ui_is_the_pinned_one(app):
    pinned = dict(reversed(line.split()[1:3]) for line in
                  (STATIC / "swagger-ui" / "VERSION").read_text().splitlines()
                  if line.startswith("sha256 "))
    assert sorted(pinned) == ["swagger-ui-bundle.js", "swagger-ui.css"]
    for name, digest in pinned.items():
        served = app.get(f"/v2/docs-assets/{name}").body
        assert hashlib.sha256(served).hexdigest() == digest
        assert served == (STATIC / "swagger-ui" / name).read_bytes()
    assert "Apache License" in app.get("/v2/docs-assets/LICENSE").text


def test_other_files_and_methods_are_refused(app):
    assert app.get("/v2/docs-assets/VERSION", status=404).content_type == "application/xml"
    assert app.get("/v2/docs-assets/..%2Fapidocs.py", status=404)
    resp = app.post("/v2/docs", {"format": "json"}, status=405)
    assert resp.json["error"]["code"] == "method_not_allowed"


def test_get_v2_links_the_page(app):
    assert app.get("/v2", {"format": "json"}).json["docs"] == {"href": "/v2/docs"}
