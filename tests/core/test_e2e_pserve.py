"""End to end: a real ``pserve`` serving the core over HTTP (API.md §10: ``pserve CONFIG http_port=N``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from xts2_core.testing import free_port

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]


def http(method: str, url: str, data: bytes | None = None, headers: dict | None = None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_pserve_serves_the_core(xts2_live_server, xts2_app_factory):
    setup = xts2_app_factory(plugins=[])  # the terminal and the password, in the same database
    server = xts2_live_server(plugins=[])
    status, headers, body = http("GET", server.url + "/v2?format=json")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert [s["name"] for s in json.loads(body)["servlets"]] == ["baskets", "xts"]

    status, body = server.get("baskets/newbasket", {"terminalkey": setup.terminal_key})
    assert status == 200 and body["basket"]["state"] == "open"
    basket = body["basket"]["id"]
    status, headers, raw = http("POST", server.url + "/v2/baskets/getbasket",
                                f"basket={basket}&terminalkey={setup.terminal_key}".encode(),
                                {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and headers["Content-Type"] == "application/xml; charset=utf-8"
    assert f'<basket id="{basket}"'.encode() in raw

    status, body = server.get("baskets/closebasket", {"basket": basket,
                                                      "terminalkey": setup.terminal_key})
    assert status == 409 and body["error"]["code"] == "basket_empty"
    status, body = server.get("tickets/getshows")
    assert status == 404 and body["error"]["code"] == "unknown_servlet"
    status, headers, _ = http("PUT", server.url + "/v2/xts/isadmin")
    assert status == 405 and headers["Allow"] == "GET, HEAD, POST"
    status, headers, raw = http("HEAD", server.url + "/v2/xts/isadmin?password=x")
    assert status == 200 and raw == b""
    status, body = server.get("xts/isadmin", {"password": setup.admin_password})
    assert body["admin"] is True


def test_development_ini_with_the_database_from_the_environment(tmp_path, xts2_database_url,
                                                                xts2_app_factory):
    """The shipped development.ini, served as its comment says, on XTS2_DATABASE_URL."""
    setup = xts2_app_factory(plugins=[])
    text = (ROOT / "development.ini").read_text()
    try:
        import pyramid_debugtoolbar  # noqa: F401
    except ImportError:  # a development extra; without it the ini's include cannot load
        text = "\n".join(line for line in text.splitlines()
                         if not line.startswith(("pyramid.includes", "debugtoolbar.")))
    ini = tmp_path / "development.ini"
    ini.write_text(text)
    port = free_port()
    env = {**os.environ, "XTS2_DATABASE_URL": xts2_database_url}
    log = (tmp_path / "pserve.log").open("wb")
    proc = subprocess.Popen([str(Path(sys.executable).with_name("pserve")), str(ini),
                             f"http_port={port}"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://localhost:{port}"
        for _ in range(300):
            assert proc.poll() is None, (tmp_path / "pserve.log").read_text()[-3000:]
            try:
                status, _, body = http("GET", url + "/v2?format=json")
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("pserve did not answer")
        assert status == 200
        names = [s["name"] for s in json.loads(body)["servlets"]]
        assert {"baskets", "xts"} <= set(names)
        # the terminal made in the test database works: the URL from the environment won
        status, _, body = http("GET", url + f"/v2/xts/getstats?format=json&terminalkey="
                                            f"{setup.terminal_key}")
        assert status == 200, body
        assert not (tmp_path / "var").exists()  # the ini's own SQLite file was never made
        # The browser client's pages are the client's alone: no debug toolbar injected into
        # them (its inline scripts would break the page's Content-Security-Policy anyway).
        status, headers, body = http("GET", url + "/client/")
        assert status == 200 and b"<script type=\"module\" src=\"js/main.js\">" in body
        assert b"_debug_toolbar" not in body and b"pDebug" not in body
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


def test_pserve_refuses_a_database_without_tables(tmp_path):
    from xts2_core.testing import write_ini

    ini = write_ini(tmp_path / "empty.ini", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    proc = subprocess.run([str(Path(sys.executable).with_name("pserve")), str(ini),
                           f"http_port={free_port()}"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode != 0
    assert "has no XTS2 tables yet: run  xts2 initdb CONFIG  first" in proc.stderr
