"""What a shop page does not handle itself is still a page of the shop, never the API's error
envelope: a refusal of the API, a database kept busy past the retries, a bug. Nothing changes."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from shopkit import all_baskets, words

from xts2_core import Conflict
from xts2_shop import views


def test_a_refusal_the_page_did_not_expect(shop, customer, monkeypatch):
    def refuse(*args, **kwargs):
        raise Conflict("the programme is being changed; look again in a minute")

    monkeypatch.setattr(views, "call_command", refuse)
    page = customer().get("/shop/", status=409)
    assert page.content_type == "text/html"
    assert "the programme is being changed; look again in a minute" in words(page)


def test_a_database_busy_past_the_retries(shop, customer, monkeypatch, caplog):
    caplog.set_level(logging.WARNING, logger="xts2_core.dispatch")
    tries = []

    def busy(*args, **kwargs):
        tries.append(1)
        raise sa.exc.OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

    monkeypatch.setattr(views, "call_command", busy)
    page = customer().get("/shop/", status=409)
    assert page.content_type == "text/html"
    assert "Please try again" in words(page) and "Nothing was changed" in words(page)
    assert len(tries) == 5  # pyramid_retry ran it again each time, then gave up
    assert "gave up after retries on GET /shop/" in caplog.text


def test_a_bug_is_a_page_that_says_sorry(shop, customer, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug's own words")

    monkeypatch.setattr(views, "call_command", broken)
    c = customer()
    perf = shop.ids.perfs[("Hamlet", "2026-12-05T19:30")]
    page = c.get(f"/shop/performance/{perf}", status=500)
    assert page.content_type == "text/html"
    assert "Sorry, something went wrong" in words(page)
    assert "a bug's own words" not in page.text  # the log has it, not the customer
    assert "a bug's own words" in caplog.text
    assert all_baskets(shop) == []


def test_the_api_keeps_its_own_errors(shop):
    answer = shop.call("baskets/getbasket", {"basket": 987654}, status=404)
    assert answer["error"]["code"] == "not_found"
