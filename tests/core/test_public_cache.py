"""``xts2.public_max_age``: a public read made without any credential may be kept by a shared cache
for a few seconds (the crowd reading what's on); anything with a key or password stays no-store."""

from __future__ import annotations

import pytest


@pytest.fixture
def app(xts2_app_factory):
    return xts2_app_factory(plugins=["tickets", "cafe"], **{"xts2.public_max_age": "5"})


def test_a_public_read_without_credentials_may_be_cached(app):
    resp = app.get("/v2/tickets/getprogramme", status=200)
    assert resp.headers["Cache-Control"] == "public, max-age=5"
    assert "Accept" in resp.headers["Vary"]
    resp = app.get("/v2/cafe/getstock", {"format": "json"}, status=200)
    assert resp.headers["Cache-Control"] == "public, max-age=5"


@pytest.mark.parametrize("how", [
    {"headers": {"X-XTS2-Key": "test-terminal-key-0001"}},
    {"params": {"terminalkey": "test-terminal-key-0001"}},
    {"headers": {"X-XTS2-Password": "anything"}},
    {"params": {"password": "anything"}},
])
def test_any_credential_keeps_no_store(app, how):
    resp = app.get("/v2/tickets/getprogramme", how.get("params", {}),
                   headers=how.get("headers"), status=200)
    assert resp.headers["Cache-Control"] == "no-store"


def test_commands_needing_a_credential_errors_and_changes_stay_no_store(app):
    assert app.call("baskets/getbaskets", fmt="xml").headers["Cache-Control"] == "no-store"
    resp = app.get("/v2/tickets/getshow", {"show": "999"}, status=404)
    assert resp.headers["Cache-Control"] == "no-store"
    resp = app.get("/v2/baskets/newbasket", status=401)
    assert resp.headers["Cache-Control"] == "no-store"


def test_with_listed_origins_a_cached_answer_varies_by_origin(xts2_app_factory):
    app = xts2_app_factory(plugins=["tickets"], **{"xts2.public_max_age": "5",
                                                   "xts2.allowed_origins": "https://venue.example"})
    for origin in ("https://venue.example", None):
        headers = {"Origin": origin} if origin else {}
        resp = app.get("/v2/tickets/getprogramme", headers=headers)
        assert resp.headers["Cache-Control"] == "public, max-age=5"
        assert {v.strip() for v in resp.headers["Vary"].split(",")} == {"Accept", "Origin"}
    resp = app.get("/v2/tickets/getprogramme", headers={"Origin": "https://venue.example"})
    assert resp.headers["Access-Control-Allow-Origin"] == "https://venue.example"


def test_off_by_default(xts2_app_factory):
    app = xts2_app_factory(plugins=["tickets"])
    assert app.get("/v2/tickets/getprogramme").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("bad", ["-1", "five", "3601", "1.5"])
def test_a_bad_setting_stops_start_up(xts2_app_factory, bad):
    with pytest.raises(ValueError, match="xts2.public_max_age"):
        xts2_app_factory(plugins=[], **{"xts2.public_max_age": bad})
