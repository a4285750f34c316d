"""URL dispatch: ``/v2`` and ``/v2/{servlet}/{command}`` → one view → the command registry.

The view resolves the command, enforces its access level and the GET guards (cross-site refusal,
``opid`` replay), parses its parameters, runs it in the request's transaction and renders its
elements as XML or JSON. The exception views turn every :class:`~xts2_core.errors.XTSError` into
the error envelope and every other exception into ``internal`` (logged with its traceback, never
sent). Database conflicts are left to pyramid_retry, which replays the whole request.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
from typing import Any
from urllib.parse import unquote, unquote_to_bytes, urlsplit

import sqlalchemy as sa
from pyramid.config import Configurator
from pyramid.exceptions import URLDecodeError
from pyramid.response import Response
from pyramid.tweens import INGRESS
from pyramid_retry import is_error_retryable, mark_error_retryable
from webob.acceptparse import create_accept_header

from .auth import authorize
from .db import begin_write, is_transient
from .errors import (
    BadParam,
    Conflict,
    Forbidden,
    Internal,
    MethodNotAllowed,
    NotFound,
    XTSError,
)
from .models import Operation
from .params import DECODED, KEY_RE, parse_params, request_params
from .render import E, dump_json, elist, render_json, render_xml
from .servlets import Command, CommandRegistry

log = logging.getLogger(__name__)

XML = "application/xml; charset=utf-8"
JSON = "application/json; charset=utf-8"
METHODS = ("GET", "HEAD", "POST")


def wants(request: Any) -> str:
    """The answer format: the ``format`` parameter, else JSON if the Accept header prefers it.

    Never raises (the error views call it too): parameters that are not valid UTF-8 are left for
    :func:`check_decodable` to report, and a repeated ``format`` answers in XML.
    """
    try:
        values = request_params(request).getall("format")
    except ValueError:  # not UTF-8 (UnicodeDecodeError), or a body that is not a form
        values = []
    if len(values) > 1:
        return "xml"
    if values:
        return values[0].strip().lower()
    header = request.environ.get("HTTP_ACCEPT")
    if header is None:
        return "xml"
    # Clients send the same few headers again and again: each is parsed once (a long one, which
    # no browser or client library sends, is parsed every time rather than kept).
    return _accepted(header) if len(header) <= 256 else _accepted.__wrapped__(header)


@functools.lru_cache(maxsize=256)
def _accepted(header: str) -> str:
    """JSON if the ``Accept`` header prefers it to XML, else XML."""
    offers = create_accept_header(header).acceptable_offers(["application/xml",
                                                              "application/json"])
    return "json" if offers and offers[0][0] == "application/json" else "xml"


def check_decodable(request: Any) -> None:
    """Parameters arrive as UTF-8; anything else is ``bad_param`` naming the parameter. A body
    that cannot be read as a form at all is ``bad_param`` too, naming none.

    (WebOb raises ``UnicodeDecodeError`` when the query string is not UTF-8.)
    """
    try:
        request.__dict__[DECODED] = request.params  # decoded once (see request_params)
    except UnicodeDecodeError:
        name = "?"
        for pair in request.environ.get("QUERY_STRING", "").split("&"):
            key, _, value = pair.partition("=")
            try:
                unquote_to_bytes(key.replace("+", " ")).decode("utf-8")
                unquote_to_bytes(value.replace("+", " ")).decode("utf-8")
            except UnicodeDecodeError:
                name = unquote(key.replace("+", " "), errors="replace")
                break
        raise BadParam(name, f"parameter '{name}' is not valid UTF-8") from None
    except ValueError as exc:  # a body WebOb cannot read as a form (multipart, no boundary)
        raise BadParam(None, f"the request body cannot be read as a form: {exc}") from None


def render(request: Any, payload: list[E], status: str = "ok", http_status: int = 200,
           fmt: str | None = None) -> Response:
    fmt = fmt or request.environ.get("xts2.format") or wants(request)
    md = request.matchdict or {}
    envelope = {"version": 2, "servlet": md.get("servlet"), "command": md.get("command"),
                "status": status}
    tz = request.registry["xts2.tz"]
    if fmt == "json":
        body, ctype = render_json(envelope, payload, tz), JSON
    else:
        body, ctype = render_xml(envelope, payload, tz), XML
    response = Response(body=body, status=http_status, content_type=ctype.split(";")[0],
                        charset="utf-8")
    return response


def _payload(result: Any) -> list[E]:
    if result is None:
        return []
    if isinstance(result, E):
        return [result]
    return list(result)


def _check_origin(request: Any) -> None:
    """Refuse a browser's cross-site request to a command that changes state.

    Browsers send ``Sec-Fetch-Site`` and, on cross-origin requests, ``Origin``; scripts and the
    box-office client (same origin) send neither or their own origin. Other origins must be
    listed in the setting ``xts2.allowed_origins``; a listed origin passes even from another
    site (its browser then says ``Sec-Fetch-Site: cross-site``).
    """
    origin = request.headers.get("Origin")
    origin = origin.strip().rstrip("/").lower() if origin is not None else None
    allowed = request.registry["xts2.allowed_origins"]
    if origin is not None and origin in allowed:
        return
    if request.headers.get("Sec-Fetch-Site", "").strip().lower() == "cross-site":
        raise Forbidden("cross-site requests may not change state")
    if origin is not None and origin != request.host_url.lower():
        raise Forbidden(f"origin {urlsplit(origin).netloc or origin} may not change state here "
                        "(see the setting xts2.allowed_origins)")


def _opid(request: Any) -> str | None:
    values = request_params(request).getall("opid")
    if not values:
        return None
    if len(values) > 1:
        raise BadParam("opid", "parameter 'opid' is given more than once")
    if not KEY_RE.match(values[0]):
        raise BadParam("opid", "parameter 'opid' must be 1 to 64 of A-Z a-z 0-9 _ . -")
    return values[0]


def _has_credential(request: Any) -> bool:
    """Whether the request carries a terminal key or the admin password (in any form): its answer
    is for that caller alone, never for a shared cache."""
    headers, params = request.headers, request_params(request)
    return ("X-XTS2-Key" in headers or "X-XTS2-Password" in headers
            or "terminalkey" in params or "password" in params)


def public_max_age(settings: dict[str, Any]) -> int:
    """The setting ``xts2.public_max_age``: seconds a shared cache may keep a public read made
    without a credential (0, the default: ``no-store`` like every other answer)."""
    raw = str(settings.get("xts2.public_max_age") or "0").strip()
    if not raw.isdigit() or int(raw) > 3600:
        raise ValueError(f"xts2.public_max_age must be a whole number of seconds from 0 to 3600, "
                         f"not {raw!r}")
    return int(raw)


def _operation_terminal(request: Any) -> int:
    return request.terminal.id if request.terminal is not None else 0


def dispatch_view(request: Any) -> Response:
    if request.method not in METHODS:
        raise MethodNotAllowed(f"method {request.method} is not allowed; use GET or POST")
    # Parameters that are not UTF-8 never get here: the outermost tween answered bad_param.
    registry: CommandRegistry = request.registry["xts2.commands"]
    servlet, name = request.matchdict["servlet"], request.matchdict["command"]
    commands = registry.servlets.get(servlet)
    if commands is None:
        raise NotFound(f"no servlet {servlet!r} is installed", code="unknown_servlet")
    command: Command | None = commands.get(name)
    if command is None:
        raise NotFound(f"servlet {servlet!r} has no command {name!r}", code="unknown_command")

    fmt = wants(request)
    params = request_params(request)
    if len(params.getall("format")) > 1:
        raise BadParam("format", "parameter 'format' is given more than once")
    if fmt not in ("xml", "json") + command.formats:
        allowed = ", ".join(("xml", "json") + command.formats)
        request.environ["xts2.format"] = "xml"
        raise BadParam("format", f"parameter 'format' must be one of {allowed}")
    request.environ["xts2.format"] = fmt if fmt in ("xml", "json") else "xml"

    if command.changes_state:
        _check_origin(request)
        # Before authorize: its credential lookup is the transaction's first query, and on
        # SQLite a writer must begin IMMEDIATE from its first read (see begin_write).
        begin_write(request.dbsession)
    authorize(request, command.access)
    request.environ["xts2.access"] = command.access
    op: Operation | None = None
    if command.changes_state:
        opid = _opid(request)
        if opid is not None:
            op = _reserve(request, opid, fingerprint(request, servlet, name))
            if op.status:
                response = Response(body=op.body, status=op.status, content_type=op.content_type,
                                    charset="utf-8")
                response.headers["X-XTS2-Replayed"] = "true"
                return response

    parsed = parse_params(command.params, params, context={"tz": request.tz, "now": request.now})
    result = command.func(request, parsed)
    response = (result if isinstance(result, Response)
                else render(request, _payload(result), fmt=fmt))
    max_age = command.cache_seconds or request.registry["xts2.public_max_age"]
    if (max_age and command.access == "public" and not command.changes_state
            and not _has_credential(request)):
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
        # The format may come from the Accept header; with origins listed, the CORS header
        # depends on Origin too, so a shared cache must not hand one origin's copy to another.
        response.vary = (("Accept", "Origin") if request.registry["xts2.allowed_origins"]
                         else ("Accept",))
    if op is not None:
        op.status, op.content_type, op.body = (response.status_code, response.content_type,
                                               response.body)
    return response


#: Parameters a retry may send differently (the credential's form, the answer's format).
_UNFINGERPRINTED = frozenset(("opid", "terminalkey", "password", "format"))


def fingerprint(request: Any, servlet: str, command: str) -> str:
    """What a request with an opid asks for: the command and a digest of its parameters, so an
    opid sent again with a different request is told apart from a retry of the first."""
    params = sorted((name, value) for name, value in request_params(request).items()
                    if name not in _UNFINGERPRINTED)
    asked = [f"{servlet}/{command}", params]
    return hashlib.sha256(json.dumps(asked).encode()).hexdigest()


def _reserve(request: Any, opid: str, print_: str) -> Operation:
    """The terminal's record of ``opid``: its first answer (``status`` set), or a new row.

    An opid already used for another request (another command, other parameters) is refused
    with ``conflict``: answering the first request's answer would tell the client that this one
    was done.

    The new row is written at once, before the command runs, and holds the key until this
    request's transaction ends: a concurrent request with the same opid waits on it (PostgreSQL;
    SQLite runs one writer at a time anyway), then fails the unique key and is retried whole by
    pyramid_retry, when it finds the answer to replay. If this request fails, its row goes with
    its transaction, and the opid is free again: nothing was changed.
    """
    key = (_operation_terminal(request), opid)
    op = request.dbsession.get(Operation, key)
    if op is not None:
        if op.fingerprint is not None and op.fingerprint != print_:
            raise Conflict(f"opid {opid!r} was used for another request; a retry repeats the "
                           "request exactly, and a new request takes a new opid", param="opid")
        return op
    op = Operation(terminal_id=key[0], opid=opid, created=request.now, status=0,
                   content_type="", body=b"", fingerprint=print_)
    request.dbsession.add(op)
    try:
        request.dbsession.flush()
    except sa.exc.IntegrityError as exc:
        mark_error_retryable(exc)
        raise
    return op


def index_view(request: Any) -> Response:
    """``GET /v2``: the installed servlets and their commands, the static folders plugins serve,
    and the report types ``xts/report`` makes (so a client offers only what is installed)."""
    if request.method not in METHODS:
        raise MethodNotAllowed(f"method {request.method} is not allowed; use GET or POST")
    if len(request_params(request).getall("format")) > 1:
        raise BadParam("format", "parameter 'format' is given more than once")
    if wants(request) not in ("xml", "json"):
        raise BadParam("format", "parameter 'format' must be one of xml, json")
    registry: CommandRegistry = request.registry["xts2.commands"]
    servlets = [
        E("servlet", {"name": sname},
          [E("command", {"name": cname, "access": cmd.access,
                         "changesstate": cmd.changes_state}, many=True)
           for cname, cmd in sorted(commands.items())], many=True, lists=("command",))
        for sname, commands in sorted(registry.servlets.items())
    ]
    folders = []
    for name, folder in sorted(request.registry["xts2.static"].items()):
        url = request.route_path(f"xts2.static.{name}", subpath=())
        panel = url + folder.files.panel if folder.files.panel else None
        folders.append(E("directory", {"name": name, "url": url, "plugin": folder.plugin,
                                       "panel": panel}, many=True))
    reports = [E("report", {"type": name, "title": rtype.title}, many=True)
               for name, rtype in sorted(request.registry["xts2.reports"].items())]
    links = [E("openapi", {"href": "/v2/openapi.json"}), E("docs", {"href": "/v2/docs"})]
    return render(request, [elist("servlets", servlets), elist("files", folders),
                            elist("reports", reports), *links])


# -- errors ----------------------------------------------------------------------------------

def _error_response(request: Any, exc: XTSError) -> Response:
    fmt = request.environ.get("xts2.format") or wants(request)
    md = request.matchdict or {}
    envelope = {"version": 2, "servlet": md.get("servlet"), "command": md.get("command"),
                "status": "error"}
    if fmt == "json":
        obj: dict[str, Any] = {k: v for k, v in envelope.items() if v is not None}
        obj["error"] = {"code": exc.code, "message": exc.message, "param": exc.param}
        body, ctype = dump_json(obj), JSON
    else:
        err = E("error", {"code": exc.code, "param": exc.param}, text=exc.message)
        body, ctype = render_xml(envelope, [err], request.registry["xts2.tz"]), XML
    response = Response(body=body, status=exc.status, content_type=ctype.split(";")[0],
                        charset="utf-8")
    if exc.status == 405:
        response.headers["Allow"] = ", ".join(METHODS)
    return response


def xts_error_view(exc: XTSError, request: Any) -> Response:
    return _error_response(request, exc)


def internal_error_view(exc: Exception, request: Any) -> Response:
    """Anything that is not an ``XTSError``: a database conflict worth retrying, or a bug."""
    if is_transient(exc):
        mark_error_retryable(exc)
    if is_error_retryable(request, exc):
        # pyramid_retry throws this answer away and runs the whole request again.
        return Response(status=503)
    if is_transient(exc):
        log.warning("gave up after retries on %s %s: %s", request.method, request.path_qs, exc)
        return _error_response(request, Conflict(
            "the server is busy with the same data; try again", code="conflict"))
    log.error("internal error on %s %s", request.method, request.path_qs, exc_info=exc)
    return _error_response(request, Internal("internal error; the server log has the details"))


def undecodable_path_view(exc: Exception, request: Any) -> Response:
    """A path that is not UTF-8 names nothing here: ``not_found`` (Pyramid raises
    ``URLDecodeError`` while matching routes, before any view)."""
    return _error_response(request, NotFound("no such path: it is not valid UTF-8; the API is "
                                             "at /v2"))


def not_found_view(request: Any) -> Response:
    return _error_response(request, NotFound(f"no such path {request.path}; the API is at /v2"))


def _headers_tween_factory(handler: Any, registry: Any) -> Any:
    """Headers of every answer: ``no-store`` unless a command allowed caching, and CORS for the
    origins in ``xts2.allowed_origins`` (their pages may read the answers)."""
    allowed = registry["xts2.allowed_origins"]

    def tween(request: Any) -> Response:
        response = handler(request)
        response.headers.setdefault("Cache-Control", "no-store")
        origin = (request.headers.get("Origin") or "").strip().rstrip("/").lower()
        if origin and origin in allowed:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.vary = tuple(dict.fromkeys([*(response.vary or ()), "Origin"]))
        return response

    return tween


_COMMAND_PATH = re.compile(r"^/v2/([^/]+)/([^/]+)$")


def _decodable_tween_factory(handler: Any, registry: Any) -> Any:
    """Parameters that are not UTF-8 answer ``bad_param`` before anything else reads them.

    The dispatch view checks this too, but a tween between it and the client may read the
    parameters first: development.ini's debug toolbar does, and answered a plain-text 500. This
    tween is the outermost (``under=INGRESS``), so every configuration answers the same envelope.
    """

    def tween(request: Any) -> Response:
        try:
            check_decodable(request)
        except BadParam as exc:
            m = _COMMAND_PATH.match(request.path_info)
            if m is not None:  # the envelope names the servlet and command, as the view's does
                request.matchdict = {"servlet": m[1], "command": m[2]}
            response = _error_response(request, exc)
            response.headers["Cache-Control"] = "no-store"
            return response
        return handler(request)

    return tween


def build_registry(pm: Any) -> CommandRegistry:
    from .hookcalls import collect_by_plugin

    registry = CommandRegistry()
    for plugin, servlets in collect_by_plugin(pm, "register_servlets"):
        for servlet in servlets:
            registry.add(servlet, plugin)
    return registry


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    config.registry["xts2.commands"] = build_registry(config.registry["xts2.pm"])
    config.registry["xts2.public_max_age"] = public_max_age(settings)
    config.registry["xts2.allowed_origins"] = {
        o.rstrip("/").lower() for o in (settings.get("xts2.allowed_origins") or "").split() if o}
    config.add_route("xts2.index", "/v2")
    config.add_route("xts2.index_slash", "/v2/")
    config.add_route("xts2.command", "/v2/{servlet}/{command}")
    config.add_view(index_view, route_name="xts2.index")
    config.add_view(index_view, route_name="xts2.index_slash")
    config.add_view(dispatch_view, route_name="xts2.command")
    config.add_exception_view(xts_error_view, context=XTSError)
    config.add_exception_view(undecodable_path_view, context=URLDecodeError)
    config.add_exception_view(internal_error_view, context=Exception)
    config.add_notfound_view(not_found_view)
    config.add_tween("xts2_core.dispatch._headers_tween_factory")
    config.add_tween("xts2_core.dispatch._decodable_tween_factory", under=INGRESS)
