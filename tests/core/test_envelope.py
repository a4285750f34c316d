"""The envelope and its two renderings (API.md §1–2): what a client reads."""

from __future__ import annotations

from lxml import etree


def test_xml_envelope_and_attribute_values(core_app):
    resp = core_app.get("/v2/probe/tree")
    assert resp.status_int == 200
    assert resp.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert resp.body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = etree.fromstring(resp.body)
    assert root.tag == "xts2"
    assert dict(root.attrib) == {"version": "2", "servlet": "probe", "command": "tree",
                                 "status": "ok"}
    t = root.find("tree")
    assert t.get("id") == "7"
    assert t.get("price") == "12.50"
    assert t.get("negative") == "-8.50"
    assert t.get("winter") == "2026-12-01T19:30:00+00:00"
    assert t.get("summer") == "2026-07-01T19:30:00+01:00"  # venue time, Europe/London in July
    assert t.get("flag") == "true" and t.get("off") == "false"
    assert t.get("name") == "Fish & <Chips>"
    assert "absent" not in t.attrib
    assert [s.get("id") for s in t.find("shows")] == ["1", "2"]
    assert t.find("shows").get("total") == "2"
    assert len(t.find("empty")) == 0
    assert t.find("meta/entry").get("key") == "email"
    assert t.find("meta/entry").text == "a@b.example"
    assert t.find("note").text == "plain"
    assert t.find("count").get("name") == "x" and t.find("count").text == "5"


def test_json_mirrors_xml(core_app):
    resp = core_app.get("/v2/probe/tree", {"format": "json"})
    assert resp.content_type == "application/json"  # UTF-8 by definition (RFC 8259)
    body = resp.json
    assert {k: body[k] for k in ("version", "servlet", "command", "status")} == {
        "version": 2, "servlet": "probe", "command": "tree", "status": "ok"}
    assert body["tree"] == {
        "id": 7,                                   # integers are numbers
        "price": "12.50", "negative": "-8.50",     # money is a string
        "winter": "2026-12-01T19:30:00+00:00",     # datetimes are strings
        "summer": "2026-07-01T19:30:00+01:00",
        "flag": True, "off": False,                # booleans true/false
        "name": "Fish & <Chips>",
        "shows": [{"id": 1}, {"id": 2}],           # a container of repeated elements: a list
        "total": 2,                                # ...its own attributes beside it
        "empty": [],
        "one": [{"id": 3}],                        # a list even with one element
        "single": {"a": 1},                        # a single child: an object under its name
        "many": [{"b": 1}],
        "meta": {"email": "a@b.example"},
        "note": "plain",
        "count": {"name": "x", "text": 5},
    }


def test_accept_header_selects_json_without_format(core_app):
    body = core_app.get("/v2/probe/tree", headers={"Accept": "application/json"}).json
    assert body["tree"]["id"] == 7
    # A browser's Accept (XML preferred, anything else at less) stays XML.
    resp = core_app.get("/v2/probe/tree", headers={
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert resp.content_type == "application/xml"
    # format wins over Accept, both ways.
    resp = core_app.get("/v2/probe/tree", {"format": "xml"},
                        headers={"Accept": "application/json"})
    assert resp.content_type == "application/xml"
    resp = core_app.get("/v2/probe/tree", {"format": "JSON"})
    assert resp.content_type == "application/json"


def test_bad_format_is_bad_param(core_app):
    for value in ("yaml", "csv", "html", ""):
        resp = core_app.get("/v2/probe/tree", {"format": value}, status=400)
        root = etree.fromstring(resp.body)
        assert root.get("status") == "error"
        assert root.find("error").get("code") == "bad_param"
        assert root.find("error").get("param") == "format"
    resp = core_app.get("/v2/probe/tree?format=json&format=json", status=400)
    assert b'param="format"' in resp.body
    resp = core_app.get("/v2", {"format": "yaml"}, status=400)
    assert b'param="format"' in resp.body


def test_error_envelope_xml_and_json(core_app):
    resp = core_app.get("/v2/probe/echo", {"n": "11"}, status=400)
    assert resp.headers["Content-Type"] == "application/xml; charset=utf-8"
    root = etree.fromstring(resp.body)
    assert dict(root.attrib) == {"version": "2", "servlet": "probe", "command": "echo",
                                 "status": "error"}
    (err,) = root
    assert err.tag == "error"
    assert err.get("code") == "bad_param" and err.get("param") == "n"
    assert err.text == "parameter 'n' must be at most 10"

    body = core_app.get("/v2/probe/echo", {"n": "11", "format": "json"}, status=400).json
    assert body == {"version": 2, "servlet": "probe", "command": "echo", "status": "error",
                    "error": {"code": "bad_param", "param": "n",
                              "message": "parameter 'n' must be at most 10"}}
    body = core_app.get("/v2/probe/echo", {"n": "11"}, status=400,
                        headers={"Accept": "application/json"}).json
    assert body["error"]["code"] == "bad_param"


def test_index_lists_servlets_and_commands(core_app):
    root = etree.fromstring(core_app.get("/v2").body)
    servlets = {s.get("name"): {c.get("name"): c.get("access") for c in s}
                for s in root.find("servlets")}
    assert sorted(servlets) == ["baskets", "probe", "xts"]
    assert servlets["xts"] == {"getstats": "terminal", "getterminal": "terminal",
                               "getterminals": "admin", "health": "public", "isadmin": "public",
                               "report": "admin"}
    assert servlets["baskets"]["openbasket"] == "admin"
    assert servlets["baskets"]["newbasket"] == "terminal"
    body = core_app.get("/v2/", {"format": "json"}).json
    probe = next(s for s in body["servlets"] if s["name"] == "probe")
    assert {"name": "bump", "access": "terminal", "changesstate": True} in probe["command"]


def test_get_head_and_post_answer_alike(core_app):
    get = core_app.get("/v2/probe/echo", {"n": "3", "text": "hi"})
    post = core_app.post("/v2/probe/echo", {"n": "3", "text": "hi"})
    assert get.body == post.body
    assert b'n="3"' in get.body
    head = core_app.app.head("/v2/probe/echo?n=3")
    assert head.status_int == 200 and head.body == b""
    assert head.headers["Content-Type"] == "application/xml; charset=utf-8"
    # a command that changes state answers POST too
    assert core_app.call("probe/bump", method="post")["counter"] == {"value": 1}


def test_unknown_parameters_are_ignored(core_app):
    body = core_app.call("probe/echo", {"n": "4", "colour": "blue", "N": "99", "item.x": "1"})
    assert body["echo"]["n"] == 4


def test_post_form_with_crlf_text(core_app):
    # A browser form sends a textarea's newlines as CRLF; it is text, not a control character.
    body = core_app.call("probe/echo", {"text": "line 1\r\nline 2\tend"}, method="post")
    assert body["echo"] == {"n": 5, "text": "line 1\nline 2\tend"}


def test_text_xml_cannot_carry_still_renders(core_app):
    root = etree.fromstring(core_app.get("/v2/probe/odd").body)
    assert root.find("odd").get("name") == "Ham\ufffdlet\ufffd"
    assert root.find("odd/note").text == "nul\ufffd and \ufffd"
    body = core_app.get("/v2/probe/odd", {"format": "json"})
    assert body.status_int == 200 and body.json["odd"]["note"] == "nul\x00 and \ufffe"
