"""Calling an API command in-process: :func:`call_command`, for a client that runs in the server
(the shop), and for a payment method confirming a payment.

The command runs exactly as it would over HTTP — the same access check, parameter parsing
(``bad_param`` naming the parameter), provider hooks, audit entries and ``opid`` record — in the
calling request's transaction, as the terminal the caller names. What it answers is the JSON
payload a client would read (``{"basket": {…}}``); what it refuses is raised as the same
:class:`~xts2_core.errors.XTSError` the client would see as an error envelope. Nothing goes
through HTTP, and nothing of a provider is imported. A read asked for a format it renders itself
(``{"format": "pdf"}`` to a command with ``formats=("pdf",)``) gives back its Pyramid
``Response``.

A command that changes state runs inside a savepoint: when it refuses, what it had written is
undone and the caller's own work in the transaction stands, so a page can say why and go on.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from typing import Any

from pyramid.response import Response
from webob.multidict import MultiDict

from .db import begin_write
from .errors import BadParam, Forbidden, NotFound, Unauthorized
from .models import Terminal
from .params import DECODED, KEY_RE, parse_params
from .render import E, payload_json, render_json

_MISSING = object()


def _wire(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def call_command(request: Any, path: str, params: dict[str, Any] | None = None, *,
                 terminal: Terminal | None = None, opid: str | None = None
                 ) -> dict[str, Any] | Response:
    """Run the command ``path`` (``"baskets/additem"``) for ``request``, as ``terminal``.

    :param request: the current request; the command runs in its transaction, with its clock.
    :param path: ``servlet/command``.
    :param params: the command's parameters as a client would send them (values are turned into
        text: ``{"basket": 5, "item.quantity": 2}``); ``None`` values are left out.
    :param terminal: the terminal the command runs as (``request.terminal`` inside it); a
        ``terminal`` command without one is ``unauthorized``. Admin commands cannot be called
        in-process (``forbidden``): the password is a person's.
    :param opid: the command's ``opid``: a second call with the same terminal and ``opid``
        changes nothing and answers the first answer again, as over HTTP.
    :return: the answer's JSON payload (the keys beside ``status``, ``servlet``, ``command``);
        for a command that does not change state and answers a ``Response`` (a format of its own,
        ``params={"format": "pdf"}``), that ``Response``. A command that changes state must
        answer elements.
    :raises XTSError: what a client would get as an error envelope.
    """
    servlet, _, name = path.partition("/")
    command = request.registry["xts2.commands"].get(servlet, name)
    if command is None:
        raise NotFound(f"no command {path!r} is installed", code="unknown_command")
    if command.access == "admin":
        raise Forbidden(f"{path} needs the admin password; it cannot be called in-process")
    if command.access == "terminal" and terminal is None:
        raise Unauthorized(f"{path} needs a terminal")
    given = MultiDict((k, _wire(v)) for k, v in (params or {}).items() if v is not None)
    if opid is not None:
        if not KEY_RE.match(opid):
            raise BadParam("opid", "parameter 'opid' must be 1 to 64 of A-Z a-z 0-9 _ . -")
        given["opid"] = opid
    saved = {key: request.__dict__.get(key, _MISSING) for key in (DECODED, "terminal", "is_admin")}
    saved_access = request.environ.get("xts2.access", _MISSING)
    request.__dict__.update({DECODED: given, "terminal": terminal, "is_admin": False})
    request.environ["xts2.access"] = command.access
    try:
        if not command.changes_state:
            return _run(request, command, given)
        begin_write(request.dbsession)
        with request.dbsession.begin_nested() if request.dbsession.in_transaction() \
                else nullcontext():
            return _run_recorded(request, command, given, servlet, name, opid)
    finally:
        for key, value in saved.items():
            if value is _MISSING:
                request.__dict__.pop(key, None)
            else:
                request.__dict__[key] = value
        if saved_access is _MISSING:
            request.environ.pop("xts2.access", None)
        else:
            request.environ["xts2.access"] = saved_access


def _run(request: Any, command: Any, given: MultiDict) -> dict[str, Any] | Response:
    result = _execute(request, command, given)
    if isinstance(result, Response):
        return result
    return payload_json(_elements(result), request.tz)


def _elements(result: Any) -> list[E]:
    if result is None:
        return []
    if isinstance(result, E):
        return [result]
    if isinstance(result, list | tuple):
        return list(result)
    raise TypeError(f"an in-process call answers elements, not {type(result).__name__}")


def _run_recorded(request: Any, command: Any, given: MultiDict, servlet: str, name: str,
                  opid: str | None) -> dict[str, Any]:
    from .dispatch import _reserve, fingerprint

    op = None
    if opid is not None:
        op = _reserve(request, opid, fingerprint(request, servlet, name))
        if op.status:
            answer = json.loads(op.body) if op.content_type.endswith("json") else {}
            for key in ("status", "servlet", "command", "version"):
                answer.pop(key, None)
            return answer
    payload = _elements(_execute(request, command, given))
    if op is not None:
        envelope = {"version": 2, "servlet": servlet, "command": name, "status": "ok"}
        op.status, op.content_type = 200, "application/json"
        op.body = render_json(envelope, payload, request.tz)
    return payload_json(payload, request.tz)


def _execute(request: Any, command: Any, given: MultiDict) -> Any:
    parsed = parse_params(command.params, given, context={"tz": request.tz, "now": request.now})
    return command.func(request, parsed)
