"""Plugins' folders of files (``register_static_files``, ``xts2_core.StaticFiles``): served at
``/{name}/`` with ETags, ``no-cache`` and a Content-Security-Policy on the pages, ``/`` leading
to the home folder, listed by ``GET /v2``; and the browser client (the ``jsclient`` plugin)
served that way at ``/client/``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from lxml import etree
from webob import Request

from xts2_core import StaticFiles
from xts2_core.plugins import PluginError

HTML = "<!doctype html><title>Site</title><script type=module src=app.js></script>"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A folder to serve, beside a secret file that must never be served."""
    root = tmp_path / "site"
    (root / "js").mkdir(parents=True)
    (root / "index.html").write_text(HTML)
    (root / "whatson.html").write_text("<!doctype html><title>What's on</title>")
    (root / "app.js").write_text("export const x = 1;\n")
    (root / "js" / "more.mjs").write_text("export const y = 2;\n")
    (root / "app.css").write_text("body { margin: 0 }\n")
    (root / "data.json").write_text('{"a": 1}')
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / ".secret").write_text("hidden")
    (root / "js" / ".env").write_text("hidden too")
    (tmp_path / "secret.txt").write_text("outside the folder")
    (root / "outside.txt").symlink_to(tmp_path / "secret.txt")
    return root


@pytest.fixture
def make_app(xts2_app_factory: Any, xts2_plugin: Any) -> Any:
    """``make_app(*files, plugins=[])``: an app whose test plugin ``mine`` serves ``files``."""

    def make(*files: StaticFiles, plugins: list[str] | None = None, **settings: Any) -> Any:
        def register_static_files() -> list[StaticFiles]:
            return list(files)

        return xts2_app_factory(plugins=[] if plugins is None else plugins,
                                extra=[("mine", xts2_plugin(register_static_files))], **settings)

    return make


@pytest.fixture
def app(make_app: Any, site: Path) -> Any:
    return make_app(StaticFiles("site", site, pages={"whatson": "whatson.html"}))


def raw_get(app: Any, path_info: str, **headers: str) -> Any:
    """GET with a PATH_INFO exactly as given (no normalising by the test client)."""
    request = Request.blank("/", headers=headers)
    request.environ["PATH_INFO"] = path_info
    return request.get_response(app.wsgi)


# -- the browser client: the jsclient plugin ----------------------------------------------------

def test_home_leads_to_the_client_when_jsclient_is_installed(xts2_app_factory):
    app = xts2_app_factory(plugins=["jsclient"])
    response = app.get("/", status=302)
    assert response.location.endswith("/client/")
    assert app.get("/client", status=302).location.endswith("/client/")
    # a link's parameters are kept on the way
    assert app.get("/", {"terminal": "1"}, status=302).location.endswith("/client/?terminal=1")
    page = response.follow()
    assert page.status_int == 200 and page.content_type == "text/html"


def test_no_home_without_jsclient(xts2_app_factory):
    app = xts2_app_factory(plugins=[])
    assert app.get("/", status=404).content_type == "application/xml"
    app.get("/client/", status=404)
    assert app.get("/v2", {"format": "json"}).json["files"] == []


def test_the_client_page(xts2_app_factory):
    app = xts2_app_factory(plugins=["jsclient"])
    page = app.get("/client/")
    assert page.content_type == "text/html" and page.charset == "utf-8"
    assert page.body == (Path(__file__).resolve().parents[2] / "xts2_jsclient" / "static"
                         / "index.html").read_bytes()
    csp = dict(part.strip().split(" ", 1) for part in
               page.headers["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'" and "unsafe-inline" not in csp["script-src"]
    assert "unsafe-eval" not in csp["script-src"]
    assert csp["default-src"] == "'self'" and csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-cache"
    assert page.etag
    # nothing on the page that the policy blocks: no inline script or style, no handler
    # attribute; and everything it loads is served
    doc = lxml.html.document_fromstring(page.body)
    scripts = doc.findall(".//script")
    assert scripts and all(s.get("src") and not (s.text or "").strip() for s in scripts)
    assert doc.findall(".//style") == []
    assert not [(e.tag, a) for e in doc.iter() if isinstance(e.tag, str)
                for a in e.attrib if a.startswith("on") or a == "style"]
    loaded = [s.get("src") for s in scripts] + [
        link.get("href") for link in doc.findall(".//link") if link.get("rel") != "icon"]
    assert len(loaded) > 2
    for url in loaded:
        assert app.get(f"/client/{url}").status_int == 200, url
    # again with its ETag: 304, no body
    again = app.get("/client/", headers={"If-None-Match": f'"{page.etag}"'}, status=304)
    assert again.body == b"" and again.etag == page.etag


def test_the_client_scripts(xts2_app_factory):
    app = xts2_app_factory(plugins=["jsclient"])
    script = app.get("/client/js/main.js")
    assert script.content_type == "text/javascript" and script.charset == "utf-8"
    assert script.headers["X-Content-Type-Options"] == "nosniff"
    assert script.headers["Cache-Control"] == "no-cache"
    assert "Content-Security-Policy" not in script.headers  # pages only
    assert app.get("/client/app.css").content_type == "text/css"
    assert app.get("/client/vendor/preact-htm.js").content_type == "text/javascript"


def test_v2_lists_the_folders(xts2_app_factory, make_app, site):
    app = xts2_app_factory(plugins=["jsclient"])
    assert app.get("/v2", {"format": "json"}).json["files"] == [
        {"name": "client", "url": "/client/", "plugin": "jsclient"}]
    app = make_app(StaticFiles("site", site), StaticFiles("another", site), plugins=["jsclient"])
    body = app.get("/v2", {"format": "json"}).json
    assert body["files"] == [{"name": "another", "url": "/another/", "plugin": "mine"},
                             {"name": "client", "url": "/client/", "plugin": "jsclient"},
                             {"name": "site", "url": "/site/", "plugin": "mine"}]
    # still there (and jsclient's own servlet: jsclient/getsettings for the public pages)
    assert [s["name"] for s in body["servlets"]] == ["baskets", "jsclient", "xts"]
    root = etree.fromstring(app.get("/v2").body)
    assert [dict(d.attrib) for d in root.find("files")] == body["files"]
    assert [d.tag for d in root.find("files")] == ["directory"] * 3


# -- a plugin's folder ----------------------------------------------------------------------------

def test_index_and_files(app, site):
    page = app.get("/site/")
    assert page.body == (site / "index.html").read_bytes()
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert app.get("/site", status=302).location.endswith("/site/")
    types = {"app.js": "text/javascript", "js/more.mjs": "text/javascript",
             "app.css": "text/css", "data.json": "application/json", "logo.png": "image/png",
             "whatson.html": "text/html"}
    for name, ctype in types.items():
        response = app.get(f"/site/{name}")
        assert response.content_type == ctype, name
        assert response.body == (site / name).read_bytes()
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.etag
    assert app.get("/site/logo.png").charset is None  # no charset on binary files


def test_a_page_by_name(app, site):
    page = app.get("/site/whatson")
    assert page.body == (site / "whatson.html").read_bytes()
    assert page.content_type == "text/html" and "Content-Security-Policy" in page.headers
    app.get("/site/whatson/", status=200)
    app.get("/site/nowhere", status=404)


def test_head(app, site):
    response = app.head("/site/app.js")
    assert response.body == b"" and response.etag == app.get("/site/app.js").etag
    assert int(response.headers["Content-Length"]) == (site / "app.js").stat().st_size


def test_etag_and_304(app):
    first = app.get("/site/app.js")
    assert app.get("/site/app.js").etag == first.etag  # stable
    assert app.get("/site/app.css").etag != first.etag  # per content
    again = app.get("/site/app.js", headers={"If-None-Match": f'"{first.etag}"'}, status=304)
    assert again.body == b"" and again.headers["Cache-Control"] == "no-cache"
    app.get("/site/app.js", headers={"If-None-Match": '"something-else"'}, status=200)
    app.head("/site/app.js", headers={"If-None-Match": f'"{first.etag}"'}, status=304)


def test_a_changed_file_is_served_new(app, site):
    first = app.get("/site/app.js")
    (site / "app.js").write_text("export const x = 2;\n")  # the same size
    second = app.get("/site/app.js")
    assert second.text == "export const x = 2;\n" and second.etag != first.etag
    app.get("/site/app.js", headers={"If-None-Match": f'"{first.etag}"'}, status=200)
    app.get("/site/app.js", headers={"If-None-Match": f'"{second.etag}"'}, status=304)


def test_a_change_that_keeps_the_modification_time_and_size_is_seen(app, site):
    """A file rewritten within the file system's timestamp granularity keeps its modification
    time (simulated here by putting it back): the content is still served new."""
    path = site / "app.js"
    old = os.stat(path)
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns - 10_000_000_000))  # settled: cached
    before = os.stat(path)
    first = app.get("/site/app.js")
    assert app.get("/site/app.js").etag == first.etag
    path.write_text("export const x = 9;\n")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size
    second = app.get("/site/app.js")
    assert second.text == "export const x = 9;\n" and second.etag != first.etag


def test_a_new_file_and_a_removed_one(app, site):
    app.get("/site/late.js", status=404)
    (site / "late.js").write_text("late")
    assert app.get("/site/late.js").text == "late"
    (site / "late.js").unlink()
    app.get("/site/late.js", status=404)


@pytest.mark.parametrize("path", [
    "/site/../secret.txt", "/site/%2e%2e/secret.txt", "/site/%2E%2E/%2E%2E/secret.txt",
    "/site/..%2fsecret.txt", "/site/..%2Fsecret.txt", "/site/js/..%2f..%2fsecret.txt",
    "/site/%252e%252e/secret.txt", "/site/..%5csecret.txt", "/site/outside.txt",
    "/site/.secret", "/site/js/.env", "/site/%2esecret", "/site/js", "/site/js/",
    "/site/missing.js", "/site/app.js%00", "/site/app.js%00.png", "/site/app%0a.js",
    "/site/index.html/x",
])
def test_nothing_outside_the_folder_hidden_or_missing(app, path):
    response = app.get(path, status=404)
    assert response.content_type == "application/xml"
    assert b"outside the folder" not in response.body and b"hidden" not in response.body


@pytest.mark.parametrize("path_info", [
    "/site/../secret.txt", "/site/js/../../secret.txt", "/site/.secret", "/site/a\x00b.js",
    "/site/..\\secret.txt", "/site/%2e%2e/secret.txt",
])
def test_raw_paths_a_server_may_pass_on(app, path_info):
    """What a WSGI server passes as PATH_INFO when it decodes (or not) what the client sent."""
    response = raw_get(app, path_info)
    assert response.status_int == 404
    assert b"outside the folder" not in response.body and b"hidden" not in response.body


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_only_get_and_head(app, method):
    response = getattr(app, method)("/site/", status=405)
    assert response.headers["Allow"] == "GET, HEAD"
    assert b"method_not_allowed" in response.body
    getattr(app, method)("/site/app.js", status=405)


def test_post_to_home_and_bare_name(xts2_app_factory):
    app = xts2_app_factory(plugins=["jsclient"])
    assert app.post("/", status=405).headers["Allow"] == "GET, HEAD"
    app.post("/client", status=405)
    app.post("/client/", status=405)


def test_the_api_is_untouched(app):
    body = app.call("xts/getterminal")
    assert body["status"] == "ok"
    assert app.call("xts/getterminal", fmt="xml").headers["Cache-Control"] == "no-store"
    assert app.post("/v2/xts/getterminal", {"terminalkey": app.terminal_key}).status_int == 200


def test_only_embeddable_pages_may_be_framed_and_only_by_their_origins(make_app, site):
    app = make_app(StaticFiles("site", site, pages={"whatson": "whatson.html"},
                               embeddable={"whatson": ("https://venue.example",
                                                       "http://localhost:8000")}))
    csp = app.get("/site/whatson").headers["Content-Security-Policy"]
    assert csp.endswith("; frame-ancestors https://venue.example http://localhost:8000")
    for path in ("/site/", "/site/whatson.html"):
        csp = app.get(path).headers["Content-Security-Policy"]
        assert csp.endswith("; frame-ancestors 'none'"), path


@pytest.mark.parametrize("embeddable", [{"nosuchpage": ("https://venue.example",)},
                                        {"whatson": ("venue.example",)},
                                        {"whatson": ("https://venue.example/path",)},
                                        {"whatson": ("https://a.example; script-src *",)}])
def test_bad_embeddable_is_a_value_error(site, embeddable):
    with pytest.raises(ValueError, match="embeddable"):
        StaticFiles("site", site, pages={"whatson": "whatson.html"}, embeddable=embeddable)


def test_a_panel_is_listed_and_must_exist(make_app, site):
    (site / "panel.js").write_text("export default {};\n")
    app = make_app(StaticFiles("site", site, panel="panel.js"))
    (folder,) = app.get("/v2", {"format": "json"}).json["files"]
    assert folder["panel"] == "/site/panel.js"
    assert app.get("/site/panel.js").content_type == "text/javascript"
    with pytest.raises(PluginError, match="no nopanel.js"):
        make_app(StaticFiles("site", site, panel="nopanel.js"))


def test_another_index(make_app, site):
    app = make_app(StaticFiles("site", site, index="whatson.html", home=True))
    assert app.get("/site/").body == (site / "whatson.html").read_bytes()
    assert app.get("/", status=302).location.endswith("/site/")


# -- start-up --------------------------------------------------------------------------------------

def test_a_name_served_twice_stops_start_up(xts2_app_factory, make_app, site):
    with pytest.raises(PluginError, match=r"'client' is registered by both") as caught:
        make_app(StaticFiles("client", site), plugins=["jsclient"])
    assert "'jsclient'" in str(caught.value) and "'mine'" in str(caught.value)


def test_two_homes_stop_start_up(make_app, site):
    with pytest.raises(PluginError, match="home") as caught:
        make_app(StaticFiles("site", site, home=True), plugins=["jsclient"])
    assert "'client' of plugin 'jsclient'" in str(caught.value)
    assert "'site' of plugin 'mine'" in str(caught.value)
    with pytest.raises(PluginError, match="'one' of plugin 'mine'.*'two' of plugin 'mine'"):
        make_app(StaticFiles("one", site, home=True), StaticFiles("two", site, home=True))


def test_a_folder_without_its_index_stops_start_up(make_app, site, tmp_path):
    with pytest.raises(PluginError, match=r"'mine'.*/nothing/.*has no index\.html"):
        make_app(StaticFiles("nothing", tmp_path / "empty"))
    with pytest.raises(PluginError, match=r"has no start\.html"):
        make_app(StaticFiles("site", site, index="start.html"))


def test_a_missing_page_stops_start_up(make_app, site):
    with pytest.raises(PluginError, match=r"has no gone\.html"):
        make_app(StaticFiles("site", site, pages={"gone": "gone.html"}))


@pytest.mark.parametrize("name", ["v2", "Client", "", "1client", "my-client", "a/b", "x" * 65])
def test_a_bad_name(name, site):
    with pytest.raises(ValueError, match="lower case"):
        StaticFiles(name, site)


@pytest.mark.parametrize("page", ["What", "a/b", "", "-x", ".x"])
def test_a_bad_page_name(page, site):
    with pytest.raises(ValueError, match="page names"):
        StaticFiles("site", site, pages={page: "whatson.html"})
