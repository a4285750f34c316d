"""The guards on GET (API.md §1): no caching, no credentials in logs, idempotent retries."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from xts2_core.models import Operation


def test_no_store_on_every_answer(core_app):
    key = {"terminalkey": core_app.terminal_key}
    answers = [
        core_app.get("/v2"),
        core_app.get("/v2/probe/echo"),
        core_app.get("/v2/probe/echo", {"format": "json"}),
        core_app.get("/v2/probe/bump", key),
        core_app.get("/v2/probe/bump", {**key, "opid": "a"}),
        core_app.get("/v2/probe/bump", {**key, "opid": "a"}),  # a replay
        core_app.post("/v2/probe/bump", key),
        core_app.get("/v2/probe/echo", {"n": "0"}, status=400),
        core_app.get("/v2/probe/bump", status=401),
        core_app.get("/v2/probe/bump", key, headers={"Origin": "https://x.example"}, status=403),
        core_app.get("/v2/nosuch/thing", status=404),
        core_app.get("/nowhere", status=404),
        core_app.app.put("/v2/probe/echo", status=405),
        core_app.get("/v2/probe/boom", key, status=500),
        core_app.get("/v2/xts/report", {"type": "probe", "format": "csv",
                                        "password": core_app.admin_password}),
        core_app.get("/v2/xts/report", {"type": "probe", "format": "html",
                                        "password": core_app.admin_password}),
        core_app.get("/v2/probe/cached", {"format": "yaml"}, status=400),
    ]
    for resp in answers:
        assert resp.headers["Cache-Control"] == "no-store", resp.request.url
    # a public read may allow a short max-age instead
    resp = core_app.get("/v2/probe/cached")
    assert resp.headers["Cache-Control"] == "public, max-age=30"
    assert resp.headers["Vary"] == "Accept"  # a shared cache keeps XML and JSON apart


def test_credentials_never_in_logs(core_app, caplog):
    key, password = core_app.terminal_key, core_app.admin_password
    caplog.set_level(logging.DEBUG)  # everything, SQL statements and their parameters too
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    headers = {"X-XTS2-Key": key, "X-XTS2-Password": password}
    core_app.get("/v2/probe/boom", {"terminalkey": key, "password": password}, status=500,
                 headers=headers)
    core_app.post("/v2/probe/boom", {"terminalkey": key, "password": password}, status=500)
    core_app.get("/v2/probe/secret", headers=headers)
    core_app.get("/v2/probe/secret", {"password": "wrong password!"}, status=401)
    text = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert "internal error on GET /v2/probe/boom?" in text
    assert "terminalkey=***" in text
    assert "kaboom" in text  # the traceback is there, only the secrets are not
    assert "SELECT" in text  # and the SQL with its parameters
    for secret in (key, password, "wrong password!", "wrong+password", "wrong%20password"):
        assert secret not in text


def test_a_plugin_logging_its_request_leaks_nothing(xts2_app_factory, xts2_plugin, caplog):
    from xts2_core import Command, E, NoParams, Servlet

    def chatty(request, p):
        logging.getLogger("chatty").info("params %r headers %r", request.params,
                                         dict(request.headers))
        raise ValueError(f"cannot use {request.params.get('terminalkey')}")

    plugin = xts2_plugin(register_servlets=lambda: [
        Servlet("chatty", [Command("talk", chatty, "terminal", NoParams)])])
    app = xts2_app_factory(plugins=[], extra=[("chatty", plugin)])
    caplog.set_level(logging.INFO)
    app.get("/v2/chatty/talk", {"terminalkey": app.terminal_key}, status=500,
            headers={"X-XTS2-Password": app.admin_password})
    assert "params" in caplog.text and "cannot use" in caplog.text
    assert app.terminal_key not in caplog.text
    assert app.admin_password not in caplog.text
    assert E  # the builder is what a real command would return


# -- opid ------------------------------------------------------------------------------------

def test_same_opid_replays_the_first_answer(core_app, probe_counter):
    first = core_app.get("/v2/probe/bump", {"terminalkey": core_app.terminal_key,
                                             "opid": "sale-1.A_b"})
    again = core_app.get("/v2/probe/bump", {"terminalkey": core_app.terminal_key,
                                             "opid": "sale-1.A_b"})
    assert probe_counter(core_app) == 1
    assert again.body == first.body and again.status_int == first.status_int
    assert again.content_type == first.content_type
    assert again.headers["X-XTS2-Replayed"] == "true"
    assert "X-XTS2-Replayed" not in first.headers
    # a POST retry is the same request
    core_app.post("/v2/probe/bump", {"terminalkey": core_app.terminal_key, "opid": "sale-1.A_b"})
    assert probe_counter(core_app) == 1
    # another opid, or the same opid from another terminal, is another request
    assert core_app.call("probe/bump", {"opid": "sale-2"})["counter"]["value"] == 2
    core_app.add_terminal("Second", "second-terminal-key-01")
    assert core_app.call("probe/bump", {"opid": "sale-1.A_b"},
                         key="second-terminal-key-01")["counter"]["value"] == 3
    # without an opid every request counts
    core_app.call("probe/bump")
    core_app.call("probe/bump")
    assert probe_counter(core_app) == 5


def test_opid_replays_a_new_basket(core_app):
    first = core_app.call("baskets/newbasket", {"opid": "nb-1"})["basket"]
    again = core_app.call("baskets/newbasket", {"opid": "nb-1"})["basket"]
    assert again == first
    assert core_app.call("baskets/getbaskets")["total"] == 1


def test_an_opid_sent_with_another_request_is_refused(core_app):
    # Found by fuzzing: a closebasket that reused the opid of a newbasket got the new basket back
    # as its answer, so the client believed the basket closed.
    basket = core_app.call("baskets/newbasket", {"opid": "op-1"})["basket"]
    refused = core_app.call("baskets/closebasket", {"basket": basket["id"], "opid": "op-1"},
                            status=409)["error"]
    assert refused["code"] == "conflict" and refused["param"] == "opid"
    assert "another request" in refused["message"]
    # other parameters make another request too; the credential's form and the format do not
    core_app.call("baskets/newbasket", {"opid": "op-1", "name": "Ms Hall"}, status=409)
    again = core_app.get("/v2/baskets/newbasket", {"opid": "op-1", "format": "json"},
                         headers={"X-XTS2-Key": core_app.terminal_key})
    assert again.headers["X-XTS2-Replayed"] == "true" and again.json["basket"] == basket
    assert core_app.call("baskets/getbaskets")["total"] == 1
    assert core_app.call("baskets/getbasket", {"basket": basket["id"]})["basket"]["state"] == "open"


def test_a_failed_request_leaves_its_opid_free(core_app, probe_counter):
    core_app.get("/v2/probe/boom", {"terminalkey": core_app.terminal_key, "opid": "x1"},
                 status=500)
    core_app.get("/v2/probe/bump", {"terminalkey": core_app.terminal_key, "opid": "x1",
                                    "password": "wrong"}, status=200)
    assert probe_counter(core_app) == 1


def test_opid_is_ignored_by_reads(core_app):
    assert core_app.call("probe/echo", {"opid": "not an opid!"})["echo"]["n"] == 5


def test_concurrent_requests_with_one_opid_change_once(core_app, probe_counter):
    # The first bump inserts the counter row: without the opid held from the start, a racing
    # twin would fail on that row's key instead of waiting to replay the answer.
    answers: list = []

    def send():
        answers.append(core_app.get("/v2/probe/slowbump", {
            "terminalkey": core_app.terminal_key, "opid": "race", "seconds": "1",
            "format": "json"}))

    threads = [threading.Thread(target=send) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [a.status_int for a in answers] == [200, 200, 200]
    assert {a.body for a in answers} == {answers[0].body}
    assert answers[0].json["counter"] == {"value": 1}
    assert probe_counter(core_app) == 1


def test_expire_keeps_opids_for_24_hours(core_app, xts2_clock, probe_counter, xts2_cli,
                                         tmp_path, xts2_database_url):
    from xts2_core.testing import write_ini

    now = datetime.now(UTC)
    for opid, age in (("old", timedelta(hours=24, minutes=5)), ("young", timedelta(hours=23))):
        xts2_clock.set(now - age)
        core_app.call("probe/bump", {"opid": opid})
    xts2_clock.reset()
    ini = write_ini(tmp_path / "expire.ini", xts2_database_url, plugins=[])
    out = xts2_cli("expire", ini).stdout
    assert "1 old opid record" in out
    with core_app.session() as s:
        assert s.execute(sa.select(Operation.opid)).scalars().all() == ["young"]
    core_app.call("probe/bump", {"opid": "young"})  # still replayed
    assert probe_counter(core_app) == 2
    core_app.call("probe/bump", {"opid": "old"})    # forgotten: a new request
    assert probe_counter(core_app) == 3
