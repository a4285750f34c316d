"""Answer schemas cannot drift: the test client checks every JSON answer against the app's own
``GET /v2/openapi.json``, so the whole suite is a contract test."""

from __future__ import annotations

import pytest

from xts2_core import Answer, Command, Conflict, E, NoParams, Servlet, XTSError, answers


class PongAnswer(Answer):
    pong: int


def _app(xts2_app_factory, xts2_plugin, func, answer=None):
    servlets = [Servlet("probe", [Command("ping", func, "public", NoParams, answer=answer)])]
    return xts2_app_factory(plugins=[], extra=[("probe", xts2_plugin(
        register_servlets=lambda: servlets))])


def test_an_answer_that_matches_its_schema_passes(xts2_app_factory, xts2_plugin):
    app = _app(xts2_app_factory, xts2_plugin, lambda request, p: E("pong", text=1), PongAnswer)
    assert app.call("probe/ping", key=False)["pong"] == 1
    assert app.answers.checked == 1


@pytest.mark.parametrize("element", [
    E("pong", text="one"),                  # a string where the schema says int
    E("pang", text=1),                      # an undeclared key, and pong missing
])
def test_an_answer_that_drifts_fails_the_test(xts2_app_factory, xts2_plugin, element):
    app = _app(xts2_app_factory, xts2_plugin, lambda request, p: element, PongAnswer)
    with pytest.raises(AssertionError, match="does not match its schema"):
        app.call("probe/ping", key=False)
    with pytest.raises(AssertionError, match="does not match its schema"):
        app.get("/v2/probe/ping", {"format": "json"})  # WebTest's own calls are checked too
    app.answers.enabled = False
    app.call("probe/ping", key=False)


def test_the_decorator_declares_the_answer_too(xts2_app_factory, xts2_plugin):
    @answers(PongAnswer)
    def ping(request, p):
        return E("pong", text="one")

    app = _app(xts2_app_factory, xts2_plugin, ping)
    assert app.registry["xts2.commands"].get("probe", "ping").answer is PongAnswer
    with pytest.raises(AssertionError, match="pong: 'one' is not of type 'integer'"):
        app.call("probe/ping", key=False)


def test_a_command_without_a_schema_answers_any_object(xts2_app_factory, xts2_plugin):
    app = _app(xts2_app_factory, xts2_plugin, lambda request, p: E("anything", {"at": "all"}))
    assert app.call("probe/ping", key=False)["anything"] == {"at": "all"}
    doc = app.get("/v2/openapi.json").json
    assert doc["components"]["schemas"]["probe.ping"]["allOf"][1] == {
        "type": "object", "additionalProperties": True}


def test_errors_are_checked_against_the_codes_of_their_status(xts2_app_factory, xts2_plugin):
    def refuse(request, p):
        raise Conflict("no", code="basket_closed")

    app = _app(xts2_app_factory, xts2_plugin, refuse)
    assert app.call("probe/ping", key=False, status=409)["error"]["code"] == "basket_closed"

    def odd(request, p):
        raise XTSError("odd", code="not_a_code")

    app = _app(xts2_app_factory, xts2_plugin, odd)
    with pytest.raises(AssertionError, match="error/code: 'not_a_code' is not one of"):
        app.call("probe/ping", key=False, status=500)


def test_every_shipped_command_declares_its_answer(xts2_testapp):
    registry = xts2_testapp.registry["xts2.commands"]
    undeclared = [f"{s}/{c}" for s, commands in registry.servlets.items()
                  for c, command in commands.items() if command.answer is None]
    assert undeclared == []
