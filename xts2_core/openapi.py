"""``GET /v2/openapi.json``: the OpenAPI 3.1 description of what this app has installed.

Generated from the registries that start-up filled (the command registry, the item types, report
types and ``getbaskets`` filters of the installed plugins), never written by hand: every
parameter schema is pydantic's JSON Schema of the ``Params`` model that parses it (the parameter
types of :mod:`xts2_core.params` say how they read on the wire), and every answer schema is the
one declared next to its command (:attr:`xts2_core.Command.answer`; a permissive object when a
plugin declares none). ``xts2 openapi CONFIG`` prints the same document.

Every command is a ``GET`` operation and a ``POST`` one (form-encoded, the same parameters);
``additem`` lists the ``item.*`` parameters of every installed item type (and the extension
``x-xts2-item-types`` gives each type's own schema), ``xts/report`` the parameters of every
report type (``x-xts2-report-types``).
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from pyramid.config import Configurator
from pyramid.response import Response

from .answers import AbsentNotNull, answer_schemas
from .errors import BadParam, MethodNotAllowed
from .params import KEY_RE, NAMES_KEY, Params
from .servlets import Command, CommandRegistry
from .values import format_money

OPENAPI_PATH = "/v2/openapi.json"
#: How long a client may keep the document (it changes only when the server restarts).
CACHE_SECONDS = 300

#: Every error code a client can see, by HTTP status (API.md §2).
ERROR_CODES: dict[int, list[str]] = {
    400: ["bad_param"],
    401: ["unauthorized"],
    403: ["forbidden"],
    404: ["unknown_servlet", "unknown_command", "not_found"],
    405: ["method_not_allowed"],
    409: ["basket_closed", "basket_open", "basket_expired", "basket_not_balanced",
          "basket_empty", "item_rejected", "conflict"],
    429: ["rate_limited"],
    500: ["internal"],
}
_ERROR_WHEN = {
    400: "A parameter is missing, malformed or out of range (`param` names it).",
    401: "The command needs a credential that is missing or wrong.",
    403: "The credential is valid but may not do this (or a cross-site request to change state).",
    404: "No such servlet, command or object (`param` names the id parameter).",
    405: "Not GET, HEAD or POST.",
    409: "The request is well formed but the state does not allow it.",
    429: "Too many failed password checks from this address.",
    500: "A bug; never for any input a client can send. No stack trace in the body.",
}

SECURITY_SCHEMES = {
    "terminalKey": {"type": "apiKey", "in": "header", "name": "X-XTS2-Key",
                    "description": "A terminal key (`xts2 terminal add`)."},
    "terminalKeyParam": {"type": "apiKey", "in": "query", "name": "terminalkey",
                         "description": "A terminal key, as a parameter."},
    "adminPassword": {"type": "apiKey", "in": "header", "name": "X-XTS2-Password",
                      "description": "The admin password (`xts2 setpassword`); a terminal key "
                                     "sent alongside is recorded as the terminal."},
    "adminPasswordParam": {"type": "apiKey", "in": "query", "name": "password",
                           "description": "The admin password, as a parameter."},
}
SECURITY = {
    "public": [],
    "terminal": [{"terminalKey": []}, {"terminalKeyParam": []}],
    "admin": [{"adminPassword": []}, {"adminPasswordParam": []}],
}

#: What a command that declares no answer schema answers: some object (a plugin's command).
PERMISSIVE = {"type": "object", "additionalProperties": True}


@functools.cache
def params_schema(model: type[Params]) -> dict[str, Any]:
    """The JSON Schema of a ``Params`` model: an object whose properties are its parameters
    (by their names on the wire), without titles. Cached per model: a model's schema never
    changes, and test suites build many apps."""
    schema = model.model_json_schema(by_alias=True, schema_generator=AbsentNotNull,
                                     ref_template="#/components/schemas/{model}")
    if "$defs" in schema:
        raise ValueError(f"{model.__name__}: a parameter schema has only flat parameters")
    props = {name: _standard({k: v for k, v in prop.items() if k != "title"})
             for name, prop in schema.get("properties", {}).items()}
    out: dict[str, Any] = {"type": "object", "properties": props}
    if schema.get("required"):
        out["required"] = list(schema["required"])
    return out


#: Bounds that pydantic leaves under their own names when it cannot place them in the schema
#: (on an optional parameter: ``Int | None = Field(None, ge=30)``), as JSON Schema names them.
_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _standard(prop: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema with its bounds under their JSON Schema names (decimal strings under
    ``x-xts2-…`` for money, whose schema is a string), replacing the type's own wider ones."""
    for key, name in _BOUNDS.items():
        if key in prop:
            value = prop.pop(key)
            if prop.get("format") == "decimal":
                prop[f"x-xts2-{name}"] = format_money(value)
            else:
                prop[name] = value
    return prop


def query_parameters(schema: dict[str, Any], prefix: str = "",
                     required: bool = True) -> list[dict[str, Any]]:
    """OpenAPI query parameters from an object schema (``prefix``: ``item.``)."""
    out = []
    needed = set(schema.get("required", ())) if required else set()
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        param: dict[str, Any] = {"name": prefix + name, "in": "query",
                                 "required": name in needed}
        if "description" in prop:
            param["description"] = prop.pop("description")
        param["schema"] = prop
        if prop.get("type") == "array":  # performance=1,2,3
            param.update(style="form", explode=False)
        out.append(param)
    return out


def _merge_variants(variants: list[tuple[str, str, dict[str, Any]]], prefix: str,
                    what: str) -> list[dict[str, Any]]:
    """The parameters of several alternatives (item types, report types) as one list: a name
    that more than one uses takes any of their schemas, and its description says which."""
    by_name: dict[str, list[tuple[str, dict[str, Any], bool]]] = {}
    for variant, _title, schema in variants:
        needed = set(schema.get("required", ()))
        for name, prop in schema["properties"].items():
            by_name.setdefault(name, []).append((variant, prop, name in needed))
    out = []
    for name, uses in by_name.items():
        lines = []
        schemas = []
        for variant, prop, needed in uses:
            prop = dict(prop)
            text = prop.pop("description", "")
            lines.append(f"{what} `{variant}`{' (required)' if needed else ''}: {text}".strip())
            if prop not in schemas:
                schemas.append(prop)
        schema = schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
        param: dict[str, Any] = {"name": prefix + name, "in": "query", "required": False,
                                 "description": "\n\n".join(lines), "schema": schema}
        if schema.get("type") == "array":
            param.update(style="form", explode=False)
        out.append(param)
    return out


def _error_schema() -> dict[str, Any]:
    codes = [c for status in sorted(ERROR_CODES) for c in ERROR_CODES[status]]
    return {
        "type": "object",
        "description": "The error envelope. The HTTP status of each code: " + "; ".join(
            f"{status}: {', '.join(ERROR_CODES[status])}" for status in sorted(ERROR_CODES)),
        "required": ["version", "status", "error"],
        "properties": {
            "version": {"const": 2},
            "servlet": {"type": "string"},
            "command": {"type": "string"},
            "status": {"const": "error"},
            "error": {
                "type": "object",
                "required": ["code", "message", "param"],
                "additionalProperties": False,
                "properties": {
                    "code": {"enum": codes},
                    "message": {"type": "string"},
                    "param": {"type": ["string", "null"],
                              "description": "The parameter at fault, when there is one."},
                },
            },
        },
    }


def _error_responses() -> dict[str, Any]:
    out = {}
    for status, codes in ERROR_CODES.items():
        out[f"error{status}"] = {
            "description": _ERROR_WHEN[status],
            "content": {
                "application/xml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"allOf": [
                    {"$ref": "#/components/schemas/Error"},
                    {"properties": {"error": {"properties": {"code": {"enum": codes}}}}},
                ]}},
            },
        }
    return out


ENVELOPE = {
    "type": "object",
    "description": "Every answer's envelope; the command's payload elements are keys beside "
                   "these.",
    "required": ["version", "servlet", "command", "status"],
    "properties": {"version": {"const": 2}, "servlet": {"type": "string"},
                   "command": {"type": "string"}, "status": {"const": "ok"}},
}


def _envelope(payload: dict[str, Any]) -> dict[str, Any]:
    """The whole JSON answer: the envelope's keys and the payload's in one object (an ``allOf``
    would let a payload that allows no other keys refuse the envelope's)."""
    if payload.get("type") == "object" and "properties" in payload:
        return {**payload,
                "properties": {**ENVELOPE["properties"], **payload["properties"]},
                "required": [*ENVELOPE["required"], *payload.get("required", [])]}
    return {"allOf": [{"$ref": "#/components/schemas/Envelope"}, payload]}


def _schema_name(servlet: str, command: str) -> str:
    return f"{servlet}.{command}"


def _format_param(command: Command) -> dict[str, Any]:
    formats = ["xml", "json", *command.formats]
    return {"name": "format", "in": "query", "required": False,
            "description": "The answer's format; default XML, or JSON when the Accept header "
                           "prefers application/json.",
            "schema": {"type": "string", "enum": formats, "default": "xml"}}


OPID = {"name": "opid", "in": "query", "required": False,
        "description": "Idempotency key made by the client, unique per terminal: a request "
                       "whose terminal and opid were seen before changes nothing and answers "
                       "the first answer again.",
        "schema": {"type": "string", "pattern": KEY_RE.pattern}}


def _operation(servlet: str, name: str, command: Command, params: list[dict[str, Any]],
               method: str, extra: dict[str, Any]) -> dict[str, Any]:
    doc = (command.func.__doc__ or "").strip()
    summary = doc.split("\n\n")[0].replace("\n", " ") if doc else f"{servlet}/{name}"
    content: dict[str, Any] = {
        "application/xml": {"schema": {"type": "string",
                                       "description": "The same content as XML (the default)."}},
        "application/json": {"schema": {"$ref": f"#/components/schemas/"
                                                 f"{_schema_name(servlet, name)}"}},
    }
    for fmt, ctype in (("csv", "text/csv"), ("html", "text/html"), ("pdf", "application/pdf")):
        if fmt in command.formats:
            content[ctype] = {"schema": {"type": "string"}}
    responses: dict[str, Any] = {"200": {"description": "The answer (XML unless JSON is asked "
                                                        "for).", "content": content}}
    for status in sorted(ERROR_CODES):
        responses[str(status)] = {"$ref": f"#/components/responses/error{status}"}
    op: dict[str, Any] = {
        "operationId": f"{servlet}_{name}" + ("_post" if method == "post" else ""),
        "summary": summary[:200],
        "tags": [servlet],
        "security": SECURITY[command.access],
        "x-xts2-access": command.access,
        "x-xts2-changes-state": command.changes_state,
        "responses": responses,
    }
    if method == "get":
        op["parameters"] = params
    else:
        props = {p["name"]: {**p["schema"], **({"description": p["description"]}
                                              if "description" in p else {})} for p in params}
        body: dict[str, Any] = {"type": "object", "properties": props}
        required = [p["name"] for p in params if p.get("required")]
        if required:
            body["required"] = required
        encoding = {p["name"]: {"style": "form", "explode": False} for p in params
                    if p["schema"].get("type") == "array"}
        media: dict[str, Any] = {"schema": body}
        if encoding:
            media["encoding"] = encoding
        op["requestBody"] = {"required": bool(required),
                             "content": {"application/x-www-form-urlencoded": media}}
    op.update(extra)
    return op


def item_type_schema(itype: Any) -> dict[str, Any]:
    """An item type's own schema: its ``item.*`` parameters without the prefix, title and
    description (a permissive object for a type registered as a bare name)."""
    if not itype.declared:
        schema: dict[str, Any] = {"type": "object", "additionalProperties": True}
    else:
        schema = dict(params_schema(itype.params))
    schema["title"] = itype.title
    if itype.description:
        schema["description"] = itype.description
    return schema


def build_document(registry: Any) -> dict[str, Any]:
    """The OpenAPI document of an app, from its registry (what start-up collected)."""
    from .plugins import plugin_infos

    commands: CommandRegistry = registry["xts2.commands"]
    pm = registry["xts2.pm"]
    item_types = registry["xts2.item_type_specs"]
    owners = registry["xts2.item_types"]
    reports = registry["xts2.reports"]
    schemas: dict[str, Any] = {
        "Envelope": ENVELOPE,
        "Error": _error_schema(),
    }
    item_ext = {}
    for name in sorted(item_types):
        schemas[f"ItemType.{name}"] = item_type_schema(item_types[name])
        item_ext[name] = {"$ref": f"#/components/schemas/ItemType.{name}",
                          "plugin": owners[name]}
    report_ext = {}
    for name in sorted(reports):
        rtype = reports[name]
        schemas[f"ReportType.{name}"] = {**params_schema(rtype.params), "title": rtype.title,
                                         **({"description": rtype.description}
                                            if rtype.description else {})}
        report_ext[name] = {"$ref": f"#/components/schemas/ReportType.{name}"}

    models = {_schema_name(servlet, name): command.answer
              for servlet, named in commands.servlets.items() for name, command in named.items()
              if isinstance(command.answer, type)}
    answers, definitions = answer_schemas(models, "Answer.")
    schemas.update(definitions)
    names = {"item-types": sorted(item_types), "report-types": sorted(reports)}
    paths: dict[str, Any] = {}
    for servlet in sorted(commands.servlets):
        for name, command in sorted(commands.servlets[servlet].items()):
            params = query_parameters(params_schema(command.params))
            extra: dict[str, Any] = {}
            if (servlet, name) == ("baskets", "additem"):
                params += _merge_variants(
                    [(n, item_types[n].title, params_schema(item_types[n].params))
                     for n in sorted(item_types) if item_types[n].declared], "item.",
                    "item type")
                extra["x-xts2-item-types"] = item_ext
            elif (servlet, name) == ("xts", "report"):
                params += _merge_variants(
                    [(n, reports[n].title, params_schema(reports[n].params))
                     for n in sorted(reports)], "", "report type")
                extra["x-xts2-report-types"] = report_ext
            elif (servlet, name) == ("baskets", "getbaskets"):
                params += query_parameters(params_schema(registry["xts2.basket_filter_params"]))
            params = [_enumerated(p, names) for p in params]
            params.append(_format_param(command))
            if command.changes_state:
                params.append(OPID)
            key = _schema_name(servlet, name)
            answer = answers.get(key) or command.answer or PERMISSIVE
            if "$ref" in answer:  # a model: its own schema, inline
                answer = schemas[answer["$ref"].rsplit("/", 1)[1]]
            schemas[key] = _envelope(answer)
            paths[f"/v2/{servlet}/{name}"] = {
                method: _operation(servlet, name, command, params, method, extra)
                for method in ("get", "post")}
    index = {"summary": "The installed servlets and their commands.", "tags": ["index"],
             "security": [],
             "responses": {"200": {"description": "`<servlets>`, and links to this document.",
                                   "content": {"application/xml": {"schema": {"type": "string"}},
                                               "application/json": {"schema": PERMISSIVE}}},
                           "400": {"$ref": "#/components/responses/error400"}}}
    index_format = {"type": "string", "enum": ["xml", "json"]}
    _link(paths)
    paths["/v2"] = {  # like a command: GET, or POST with the same parameter in a form
        "get": {"operationId": "index", **index, "parameters": [
            {"name": "format", "in": "query", "required": False, "schema": index_format}]},
        "post": {"operationId": "index_post", **index, "requestBody": {
            "required": False, "content": {"application/x-www-form-urlencoded": {"schema": {
                "type": "object", "properties": {"format": index_format}}}}}}}
    paths[OPENAPI_PATH] = {"get": {
        "operationId": "openapi", "summary": "This document.", "tags": ["index"],
        "security": [],
        "responses": {"200": {"description": "The OpenAPI 3.1 document of what is installed.",
                              "content": {"application/json": {"schema": {"type": "object"}}}}}}}
    infos = plugin_infos(pm)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "XTS2",
            "version": pm.xts2_core_version,
            "description": (
                "The box-office API of this server: only the servlets, commands, item types "
                "and report types of its installed plugins. Every command answers GET (and "
                "POST, form-encoded) with XML by default, JSON with `format=json`. See "
                "docs/api.md."),
        },
        "x-xts2-plugins": [{"name": i.name, "distribution": i.distribution,
                            "version": i.version} for i in infos.values()],
        "x-xts2-item-types": item_ext,
        "x-xts2-report-types": report_ext,
        "paths": paths,
        "components": {"schemas": schemas, "responses": _error_responses(),
                       "securitySchemes": SECURITY_SCHEMES},
    }


#: Where a basket's lifecycle continues (OpenAPI links, which tools such as Schemathesis follow
#: to test a sale in order): a new basket's id goes to every command that takes ``basket``, an
#: added item's ids to every command that takes ``item``.
_LINK_SOURCES = {"/v2/baskets/newbasket": {"basket": "$response.body#/basket/id"},
                 "/v2/baskets/additem": {"basket": "$response.body#/basket/id",
                                         "item": "$response.body#/item/id"}}


def _link(paths: dict[str, Any]) -> None:
    """Add the links of :data:`_LINK_SOURCES` to their GET operations' answers (JSON)."""
    for source, values in _LINK_SOURCES.items():
        if source not in paths:
            continue
        links = {}
        for path, ops in sorted(paths.items()):
            required = {p["name"] for p in ops["get"]["parameters"] if p["required"]}
            ids = required & {"basket", "item"}
            if path != source and ids and ids <= values.keys():
                links[ops["get"]["operationId"]] = {"operationId": ops["get"]["operationId"],
                                                    "parameters": {n: values[n] for n in ids}}
        if links:
            paths[source]["get"]["responses"]["200"]["links"] = links


def _enumerated(param: dict[str, Any], names: dict[str, list[str]]) -> dict[str, Any]:
    """A parameter whose values are names known once the plugins are installed (marked with
    :data:`~xts2_core.params.NAMES_KEY`: item types, report types) as an enumeration of the
    installed ones; any other parameter as it is."""
    schema = param["schema"]
    kind = schema.get(NAMES_KEY)
    if kind is None:
        return param
    schema = {k: v for k, v in schema.items() if k not in (NAMES_KEY, "pattern")}
    enum = {"type": "string", "enum": names[kind]}
    if schema.get("type") == "array":
        schema["items"] = enum
    else:
        schema.update(enum)
    return {**param, "schema": schema}


def document_bytes(registry: Any) -> bytes:
    """The document as the view sends it, built once per app."""
    body = registry.get("xts2.openapi.body")
    if body is None:
        body = json.dumps(build_document(registry), indent=1, sort_keys=False).encode()
        registry["xts2.openapi.body"] = body
    return body


def openapi_view(request: Any) -> Response:
    """``GET /v2/openapi.json``: public, cacheable, the same for every client."""
    if request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed(f"method {request.method} is not allowed; use GET")
    try:
        request.GET  # noqa: B018 (parameters are ignored, but must decode)
    except UnicodeDecodeError:
        raise BadParam("?", "the query string is not valid UTF-8") from None
    body = document_bytes(request.registry)
    response = Response(body=body, content_type="application/json", charset="utf-8")
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response.etag = hashlib.sha256(body).hexdigest()[:32]
    response.conditional_response = True
    return response


def includeme(config: Configurator) -> None:
    config.add_route("xts2.openapi", OPENAPI_PATH)
    config.add_view(openapi_view, route_name="xts2.openapi")
