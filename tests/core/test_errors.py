"""Every error row of API.md §2, produced through the real app, in XML and in JSON."""

from __future__ import annotations

import logging

import pytest

FORMATS = ["xml", "json"]


@pytest.fixture
def ask(core_app, read_error):
    """``ask(fmt, path, params, status, method=, headers=, key=, admin=)`` → the error dict."""

    def run(fmt, path, params=None, status=400, *, method="get", headers=None, key=True,
            admin=False, extra_environ=None):
        p = dict(params or {})
        p["format"] = fmt
        if key is True:
            p.setdefault("terminalkey", core_app.terminal_key)
        elif key:
            p["terminalkey"] = key
        if admin:
            p.setdefault("password", core_app.admin_password)
        url = "/v2/" + path
        if method in ("put", "delete", "patch"):
            resp = getattr(core_app.app, method)(url + "?format=" + fmt, status=status,
                                                  headers=headers)
        else:
            resp = getattr(core_app.app, method)(url, p, status=status, headers=headers,
                                                  extra_environ=extra_environ)
        assert resp.headers["Cache-Control"] == "no-store"
        assert resp.content_type == f"application/{fmt}"
        return read_error(resp)

    return run


# -- bad_param -------------------------------------------------------------------------------

BAD_PARAMS = [
    # (path, params, param named)
    ("xts/isadmin", {}, "password"),                                  # missing
    ("xts/report", {"password": "admin-password-for-tests"}, "type"),  # missing
    ("probe/echo", {"id": "abc"}, "id"),                              # malformed
    ("probe/echo", {"id": "1.5"}, "id"),
    ("probe/echo", {"id": "0"}, "id"),                                # out of range
    ("probe/echo", {"id": "-3"}, "id"),
    ("probe/echo", {"id": "9223372036854775808"}, "id"),              # > 2^63-1
    ("probe/echo", {"id": "99999999999999999999"}, "id"),
    ("probe/echo", {"id": "\u0661\u0662"}, "id"),                     # not ASCII digits
    ("probe/echo", {"n": "0"}, "n"),
    ("probe/echo", {"n": "11"}, "n"),
    ("probe/echo", {"n": "five"}, "n"),
    ("probe/echo", {"big": "9223372036854775808"}, "big"),            # no int64: no number
    ("probe/echo", {"amount": "12.345"}, "amount"),                   # money: 3 places
    ("probe/echo", {"amount": "1e3"}, "amount"),                      # exponent
    ("probe/echo", {"amount": "NaN"}, "amount"),
    ("probe/echo", {"amount": "inf"}, "amount"),
    ("probe/echo", {"amount": "Infinity"}, "amount"),
    ("probe/echo", {"amount": "12,50"}, "amount"),
    ("probe/echo", {"amount": ""}, "amount"),
    ("probe/echo", {"when": "yesterday"}, "when"),
    ("probe/echo", {"when": "9999-12-31T23:59:59-05:00"}, "when"),    # beyond datetime's range
    ("probe/echo", {"when": "0001-01-01T00:00:00+05:00"}, "when"),
    ("probe/echo", {"flag": "maybe"}, "flag"),
    ("probe/echo", {"text": "a\x00b"}, "text"),                       # control characters
    ("probe/echo", {"text": "esc\x1b[0m"}, "text"),
    ("probe/echo", {"text": "del\x7f"}, "text"),
    ("probe/echo", {"text": "c1\x85"}, "text"),
    ("probe/echo", {"text": "cr\ronly"}, "text"),
    ("probe/echo", {"ids": "1,2,3,4"}, "ids"),
    ("probe/echo", {"ids": "1,,2"}, "ids"),
    ("probe/echo", {"key": "with space"}, "key"),
    ("probe/echo", {"key": "k" * 65}, "key"),
    ("probe/echo", {"name": "   "}, "name"),
    ("probe/echo", {"name": "x" * 11}, "name"),
    ("baskets/getbasket", {"basket": "x"}, "basket"),
    ("baskets/newbasket", {"opid": "not valid!"}, "opid"),
    ("baskets/newbasket", {"opid": "o" * 65}, "opid"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("path", "params", "param"), BAD_PARAMS)
def test_bad_param(ask, fmt, path, params, param):
    err = ask(fmt, path, params, 400)
    assert err["code"] == "bad_param"
    assert err["param"] == param
    assert f"'{param}'" in err["message"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_repeated_single_value_parameter(core_app, read_error, fmt):
    resp = core_app.get(f"/v2/probe/echo?format={fmt}&id=1&id=2", status=400)
    err = read_error(resp)
    assert err == {"code": "bad_param", "param": "id",
                   "message": "parameter 'id' is given more than once"}
    resp = core_app.get(f"/v2/baskets/newbasket?format={fmt}&terminalkey=a&terminalkey=b",
                        status=400)
    assert read_error(resp)["param"] == "terminalkey"


@pytest.mark.parametrize("fmt", FORMATS)
def test_parameters_not_utf8(core_app, read_error, fmt):
    resp = core_app.get(f"/v2/probe/echo?format={fmt}&text=%FF%FE", status=400)
    assert read_error(resp) == {"code": "bad_param", "param": "text",
                                "message": "parameter 'text' is not valid UTF-8"}


def test_messages_say_what_is_wrong(core_app):
    def message(params, path="probe/echo"):
        return core_app.call(path, params, status=400)["error"]["message"]

    assert message({"n": "0"}) == "parameter 'n' must be at least 1"
    assert message({"name": "x" * 11}) == "parameter 'name' must have at most 10 characters"
    assert message({"name": " "}) == "parameter 'name' must not be empty"
    assert message({"ids": "1,2,3,4"}) == "parameter 'ids' may list at most 3"
    assert message({"password": ""}, "xts/isadmin") == "parameter 'password' must not be empty"
    assert message({}, "xts/isadmin") == "parameter 'password' is required"
    assert message({"flag": "maybe"}) == "parameter 'flag' must be one of 1/0, true/false, yes/no"


def test_good_values_pass(core_app):
    echo = core_app.call("probe/echo", {
        "id": "9223372036854775807", "n": "10", "amount": "12.5", "when": "2026-07-01T19:30",
        "flag": "yes", "text": "tab\tand\nnewline ünïcödé", "ids": "1,2,3", "key": "a-Z_0.9",
        "name": "  Bob  ", "big": "-9223372036854775807"})["echo"]
    assert echo == {"id": 9223372036854775807, "n": 10, "amount": "12.50",
                    "when": "2026-07-01T19:30:00+01:00", "flag": True,
                    "text": "tab\tand\nnewline ünïcödé", "ids": "1,2,3", "key": "a-Z_0.9",
                    "name": "Bob", "big": -9223372036854775807}
    for given, shown in [("12", "12.00"), ("-8.5", "-8.50"), ("0.05", "0.05")]:
        assert core_app.call("probe/echo", {"amount": given})["echo"]["amount"] == shown
    for given, shown in [("2026-12-01T19:30:00Z", "2026-12-01T19:30:00+00:00"),
                         ("2026-07-01T19:30:00+00:00", "2026-07-01T20:30:00+01:00"),
                         ("2026-07-01", "2026-07-01T00:00:00+01:00")]:
        assert core_app.call("probe/echo", {"when": given})["echo"]["when"] == shown
    for given, value in [("1", True), ("0", False), ("TRUE", True), ("no", False)]:
        assert core_app.call("probe/echo", {"flag": given})["echo"]["flag"] is value


# -- unauthorized, forbidden -------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_unauthorized(core_app, ask, fmt):
    assert ask(fmt, "probe/bump", {}, 401, key=False)["code"] == "unauthorized"
    assert ask(fmt, "probe/bump", {}, 401, key="wrong-key-0123456789")["code"] == "unauthorized"
    core_app.add_terminal("Revoked", "revoked-terminal-key-01")
    core_app.call("probe/bump", key="revoked-terminal-key-01")
    from xts2_core.models import Terminal

    with core_app.session() as s:
        s.query(Terminal).filter_by(name="Revoked").one().active = False
    assert ask(fmt, "probe/bump", {}, 401, key="revoked-terminal-key-01")["code"] == "unauthorized"
    # admin commands
    err = ask(fmt, "probe/secret", {}, 401)
    assert err["code"] == "unauthorized" and "password" in err["message"]
    err = ask(fmt, "probe/secret", {"password": "not-the-password"}, 401)
    assert err["code"] == "unauthorized"
    # the header works as well as the parameter
    resp = core_app.get("/v2/probe/secret", {"format": fmt},
                        headers={"X-XTS2-Password": core_app.admin_password,
                                 "X-XTS2-Key": core_app.terminal_key})
    assert resp.status_int == 200 and b"Test terminal" in resp.body


@pytest.mark.parametrize("fmt", FORMATS)
def test_forbidden_cross_site(ask, fmt):
    err = ask(fmt, "probe/bump", {}, 403, headers={"Sec-Fetch-Site": "cross-site"})
    assert err["code"] == "forbidden"
    err = ask(fmt, "probe/bump", {}, 403, headers={"Origin": "https://evil.example"})
    assert err["code"] == "forbidden" and "evil.example" in err["message"]
    err = ask(fmt, "probe/bump", {}, 403, headers={"Origin": "null"})
    assert err["code"] == "forbidden"


def test_allowed_origins_and_same_origin_pass(make_core_app, probe_counter):
    app = make_core_app(**{"xts2.allowed_origins": "https://shop.example  http://kiosk:8080/"})
    for headers in ({"Origin": "https://shop.example"}, {"Origin": "http://kiosk:8080"},
                    {"Origin": "http://localhost"},           # the server's own origin
                    {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "same-site"},
                    {"Sec-Fetch-Site": "none"}):
        app.call("probe/bump", headers=headers)
    assert probe_counter(app) == 6
    # the listed origin's pages may read the answers (CORS), errors too
    resp = app.get("/v2/probe/echo", headers={"Origin": "https://shop.example"})
    assert resp.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "Origin" in resp.headers["Vary"]
    resp = app.get("/v2/probe/echo", {"n": "0"}, headers={"Origin": "http://kiosk:8080"},
                   status=400)
    assert resp.headers["Access-Control-Allow-Origin"] == "http://kiosk:8080"
    resp = app.get("/v2/probe/echo", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in resp.headers
    app.call("probe/bump", headers={"Origin": "https://shop.example.evil"}, status=403)
    app.call("probe/bump", headers={"Origin": "http://kiosk:8081"}, status=403)
    # A listed origin on another site: browsers send Sec-Fetch-Site: cross-site with it.
    app.call("probe/bump", headers={"Origin": "https://shop.example",
                                    "Sec-Fetch-Site": "cross-site"})
    assert probe_counter(app) == 7
    app.call("probe/bump", headers={"Origin": "https://evil.example",
                                    "Sec-Fetch-Site": "cross-site"}, status=403)
    app.call("probe/bump", headers={"Sec-Fetch-Site": "cross-site"}, status=403)
    assert probe_counter(app) == 7
    # Reads are not refused: a venue's web page may show the programme from anywhere.
    app.call("probe/echo", headers={"Sec-Fetch-Site": "cross-site",
                                    "Origin": "https://evil.example"})
    assert probe_counter(app) == 7


@pytest.mark.parametrize("fmt", FORMATS)
def test_not_found_family(core_app, read_error, fmt):
    app = core_app
    resp = app.get("/v2/tickets/getshows", {"format": fmt}, status=404)
    err = read_error(resp)
    assert err["code"] == "unknown_servlet" and "tickets" in err["message"]
    err = read_error(app.get("/v2/xts/nosuchcommand", {"format": fmt}, status=404))
    assert err["code"] == "unknown_command" and "nosuchcommand" in err["message"]
    err = read_error(app.get("/v2/baskets/getbasket", {
        "format": fmt, "basket": "999", "terminalkey": app.terminal_key}, status=404))
    assert err["code"] == "not_found" and err["param"] == "basket"
    err = read_error(app.get("/nowhere", {"format": fmt}, status=404))
    assert err["code"] == "not_found"
    # A path that is not UTF-8 names nothing (Pyramid cannot even match it to a route).
    for path in ("/v2/%ff/x", "/v2/baskets/%ff", "/%ff", "/client/%c3"):
        err = read_error(app.get(path, {"format": fmt}, status=404))
        assert err["code"] == "not_found" and "UTF-8" in err["message"], path


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_method_not_allowed(core_app, read_error, fmt, method):
    for url in ("/v2/probe/echo", "/v2/probe/bump", "/v2", "/v2/nosuch/command"):
        resp = getattr(core_app.app, method)(f"{url}?format={fmt}", status=405)
        assert read_error(resp)["code"] == "method_not_allowed"
        assert resp.headers["Allow"] == "GET, HEAD, POST"
        assert resp.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("fmt", FORMATS)
def test_conflict_409(core_app, ask, fmt):
    basket = core_app.call("baskets/newbasket")["basket"]["id"]
    err = ask(fmt, "baskets/closebasket", {"basket": basket}, 409)
    assert err["code"] == "basket_empty"


@pytest.mark.parametrize("fmt", FORMATS)
def test_rate_limited(core_app, xts2_clock, read_error, fmt):
    here = {"REMOTE_ADDR": "192.0.2.7"}
    elsewhere = {"REMOTE_ADDR": "192.0.2.8"}

    def isadmin(password, status=200, environ=here):
        return core_app.get("/v2/xts/isadmin", {"password": password, "format": fmt},
                            status=status, extra_environ=environ)

    for _ in range(4):
        assert b"false" in isadmin("wrong-password").body
    # a wrong password on an admin command counts too: the fifth failure
    core_app.get("/v2/probe/secret", {"password": "wrong", "format": fmt}, status=401,
                 extra_environ=here)
    for password in ("wrong-password", core_app.admin_password):
        err = read_error(isadmin(password, status=429))
        assert err["code"] == "rate_limited"
    err = read_error(core_app.get("/v2/probe/secret", {"format": fmt}, status=429,
                                  headers={"X-XTS2-Password": core_app.admin_password},
                                  extra_environ=here))
    assert err["code"] == "rate_limited"
    # another address is not affected; commands without a password neither
    assert b"true" in isadmin(core_app.admin_password, environ=elsewhere).body
    core_app.get("/v2/probe/echo", extra_environ=here)
    # the block lasts a minute
    xts2_clock.advance(59)
    isadmin(core_app.admin_password, status=429)
    xts2_clock.advance(2)
    assert b"true" in isadmin(core_app.admin_password).body


def test_failures_spread_over_more_than_a_minute_are_not_limited(core_app, xts2_clock):
    for _ in range(8):
        core_app.call("xts/isadmin", {"password": "wrong-password"})
        xts2_clock.advance(15)
    assert core_app.call("xts/isadmin", {"password": core_app.admin_password})["admin"] is True


@pytest.mark.parametrize("fmt", FORMATS)
def test_internal_error(core_app, read_error, probe_counter, caplog, fmt):
    caplog.set_level(logging.ERROR)
    resp = core_app.get("/v2/probe/boom", {"format": fmt, "terminalkey": core_app.terminal_key},
                        status=500)
    assert resp.headers["Cache-Control"] == "no-store"
    err = read_error(resp)
    assert err["code"] == "internal" and err["param"] is None
    assert b"Traceback" not in resp.body and b"kaboom" not in resp.body
    assert b"dispatch.py" not in resp.body
    # the traceback is in the log
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "/v2/probe/boom" in record.getMessage()
    assert "Traceback" in caplog.text and "kaboom: the probe's bug" in caplog.text
    # and the change made before the bug did not stay
    assert probe_counter(core_app) == 0
