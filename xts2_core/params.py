"""Declarative parameter schemas: a command's parameters are a pydantic model of these types.

Values arrive as strings; each type below parses them strictly by API.md §3 and pydantic applies
the ranges (``Field(ge=1, le=50)``). :func:`parse_params` reads a request's parameters into a
model, refusing a repeated parameter and ignoring unknown ones, and turns the first validation
error into :class:`~xts2_core.errors.BadParam` naming the parameter::

    class GetProgramme(Params):
        from_: DateTime | None = Field(None, alias="from")
        days: Int = Field(14, ge=1, le=366)
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, ValidationInfo

from .errors import BadParam
from .values import MAX_ID, format_money, parse_bool, parse_datetime, parse_money

_INT_RE = re.compile(r"^[+-]?[0-9]{1,19}$")
_ID_RE = re.compile(r"^[0-9]{1,19}$")
#: Control characters (Unicode Cc) but tab and newline; a CR of a CRLF newline is dropped first.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: What XML 1.0 cannot carry beyond control characters (text is rendered as XML too).
_NOT_XML_RE = re.compile(r"[\ud800-\udfff\ufffe\uffff]")
KEY_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class Params(BaseModel):
    """Base of every parameter schema. Unknown parameters are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=False)


class NoParams(Params):
    pass


def _as_int(v: Any) -> Any:
    if isinstance(v, str):
        if not _INT_RE.match(v.strip()):
            raise ValueError("must be a whole number")
        v = int(v)
    if isinstance(v, int) and not -MAX_ID <= v <= MAX_ID:
        raise ValueError("must be a whole number between -(2^63-1) and 2^63-1")
    return v


def _as_id(v: Any) -> Any:
    if isinstance(v, str):
        s = v.strip()
        if not _ID_RE.match(s):
            raise ValueError("must be a positive whole number")
        v = int(s)
    if isinstance(v, int) and not isinstance(v, bool) and not 1 <= v <= MAX_ID:
        raise ValueError("must be a positive whole number up to 2^63-1")
    return v


def _as_id_list(v: Any) -> Any:
    if isinstance(v, str):
        parts = [p for p in v.split(",")]
        return [_as_id(p) for p in parts]
    return v


def _as_bool(v: Any) -> Any:
    return parse_bool(v) if isinstance(v, str) else v


def _as_money(v: Any) -> Any:
    return parse_money(v) if isinstance(v, str) else v


def _as_datetime(v: Any, info: ValidationInfo) -> Any:
    if isinstance(v, str):
        tz = (info.context or {}).get("tz")
        if tz is None:
            from datetime import UTC

            tz = UTC
        return parse_datetime(v, tz)
    return v


def _as_text(v: Any) -> Any:
    if isinstance(v, str):
        v = v.replace("\r\n", "\n")  # a browser form's newline
        if _CONTROL_RE.search(v):
            raise ValueError("must not contain control characters other than tab and newline")
        if _NOT_XML_RE.search(v):
            raise ValueError("must not contain U+FFFE, U+FFFF or surrogates (not valid in XML)")
    return v


def _as_name(v: Any) -> Any:
    v = _as_text(v)
    return v.strip() if isinstance(v, str) else v


def _as_key(v: Any) -> Any:
    if isinstance(v, str) and not KEY_RE.match(v):
        raise ValueError("must be 1 to 64 of A-Z a-z 0-9 _ . -")
    return v


def _as_words(v: Any) -> Any:
    if isinstance(v, str):
        return [w.strip() for w in v.split(",") if w.strip()]
    return v


class _Wire:
    """How a parameter type reads in JSON Schema (``GET /v2/openapi.json``): what the client
    sends, which for some types is not what pydantic sees after parsing (money is an ``int`` of
    minor units here, a decimal string on the wire).

    ``defaults`` fills in keys that the field's own constraints (``Field(ge=…)``) did not set;
    ``money`` turns the integer schema into the decimal string the parameter accepts, its bounds
    (minor units) into decimal strings under ``x-xts2-minimum`` and the like.
    """

    def __init__(self, money: bool = False, **defaults: Any) -> None:
        self.money = money
        self.defaults = defaults

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = dict(handler(core_schema))
        if self.money:
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                if key in schema:
                    schema[f"x-xts2-{key}"] = format_money(schema.pop(key))
            schema.update(type="string", pattern=MONEY_PATTERN, format="decimal")
        for key, value in self.defaults.items():
            schema.setdefault(key, value)
        return schema


#: Money as a parameter accepts: ``12``, ``12.5``, ``12.50`` (signed), never an exponent.
MONEY_PATTERN = r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$"
_NOT_TEXT = "\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\ufffe\\uffff"
#: White space that ``str.strip`` removes and text may hold.
_SPACE = " \\t\\n\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
#: Text as a parameter accepts: no control characters but tab and newline, nothing XML can't carry.
TEXT_PATTERN = f"^[^{_NOT_TEXT}]*$"
#: A name: text with something besides white space (it is trimmed, and never empty).
NAME_PATTERN = f"^[^{_NOT_TEXT}]*[^{_NOT_TEXT}{_SPACE}][^{_NOT_TEXT}]*$"

#: A whole number (ranges with ``Field(ge=, le=)``).
Int = Annotated[int, BeforeValidator(_as_int), _Wire(minimum=-MAX_ID, maximum=MAX_ID)]
#: An object id: 1 … 2^63−1.
Id = Annotated[int, BeforeValidator(_as_id), _Wire(minimum=1, maximum=MAX_ID)]
#: Comma-separated ids (``performance=1,2,3``); bound the count with ``Field(max_length=)``.
IdList = Annotated[list[Id], BeforeValidator(_as_id_list)]
#: ``1/0``, ``true/false``, ``yes/no``.
Bool = Annotated[bool, BeforeValidator(_as_bool)]
#: Money in minor units, from ``12``, ``12.5`` or ``12.50``.
MoneyParam = Annotated[int, BeforeValidator(_as_money), _Wire(money=True)]
#: A datetime parameter's year is 1000 to 8999 (``values.MIN_YEAR``, ``MAX_YEAR``); the
#: document's ``format: date-time`` alone would allow any.
YEAR_PATTERN = r"^\s*[1-8][0-9]{3}-"
#: ISO 8601; venue local time without an offset. Parsed to aware UTC.
DateTime = Annotated[datetime, BeforeValidator(_as_datetime), _Wire(pattern=YEAR_PATTERN)]
#: UTF-8 text without control characters other than tab and newline.
Text = Annotated[str, BeforeValidator(_as_text), _Wire(pattern=TEXT_PATTERN)]
#: Text trimmed of surrounding white space (bound with ``Field(min_length=, max_length=)``).
Name = Annotated[str, BeforeValidator(_as_name), _Wire(pattern=NAME_PATTERN)]
#: 1–64 of ``A-Za-z0-9_.-`` (metadata keys, opids).
Key = Annotated[str, BeforeValidator(_as_key), _Wire(pattern=KEY_RE.pattern)]
#: A comma-separated list of words (``contains=ticket,cafe``).
Words = Annotated[list[str], BeforeValidator(_as_words)]

#: The schema key that marks a parameter whose values are names known only once the plugins are
#: installed; ``GET /v2/openapi.json`` replaces it with the enumeration of those names.
NAMES_KEY = "x-xts2-names"
#: The name of an installed item type (``additem?type=``).
ItemTypeName = Annotated[str, BeforeValidator(_as_key),
                         _Wire(pattern=KEY_RE.pattern, **{NAMES_KEY: "item-types"})]
#: Comma-separated names of installed item types (``contains=ticket,cafe``).
ItemTypeNames = Annotated[list[str], BeforeValidator(_as_words),
                          _Wire(**{NAMES_KEY: "item-types"})]
#: The name of an installed report type (``xts/report?type=``).
ReportTypeName = Annotated[str, BeforeValidator(_as_text),
                           _Wire(pattern=TEXT_PATTERN, **{NAMES_KEY: "report-types"})]


_MESSAGES = {
    "missing": "is required",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "string_too_short": "must have at least {min_length} characters",
    "string_too_long": "must have at most {max_length} characters",
    "too_short": "must list at least {min_length}",
    "too_long": "may list at most {max_length}",
    "string_pattern_mismatch": "is not one of the allowed values",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
}


def _is_list(annotation: Any) -> bool:
    """Whether a field's type is a list (``IdList``, ``Words``, optional or not)."""
    if get_origin(annotation) is list:
        return True
    return any(_is_list(a) for a in get_args(annotation))


def _describe(err: dict[str, Any], is_list: bool = False) -> str:
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    if kind in ("too_short", "too_long") and not is_list:
        kind = "string_" + kind  # a length bound on text, not on a list
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "must not be empty"
    template = _MESSAGES.get(kind)
    if template is not None:
        try:
            return template.format(**ctx)
        except (KeyError, IndexError):
            pass
    msg = str(err.get("msg") or "is not valid").removeprefix("Value error, ")
    return msg[0].lower() + msg[1:]


#: The request attribute where the outermost tween keeps the parameters it decoded.
DECODED = "xts2_params"


def request_params(request: Any) -> Any:
    """``request.params``, decoded once a request: WebOb makes a new view of the query and the
    form at every ``request.params``; the outermost tween (:mod:`xts2_core.dispatch`) checks
    that they are UTF-8 and keeps that view on the request for the dispatcher, the credential
    look-up and the commands."""
    params = request.__dict__.get(DECODED)
    return request.params if params is None else params


def parse_params(schema: type[Params], params: Any, *, prefix: str = "",
                 context: dict[str, Any] | None = None) -> Params:
    """Read ``prefix + name`` of every field of ``schema`` from a multidict into the model.

    :raises BadParam: naming the first parameter at fault (with its prefix, ``item.quantity``).
    """
    data: dict[str, Any] = {}
    for name, field in schema.model_fields.items():
        key = field.alias or name
        values = params.getall(prefix + key) if hasattr(params, "getall") else (
            [params[prefix + key]] if prefix + key in params else [])
        if len(values) > 1:
            raise BadParam(prefix + key, f"parameter '{prefix + key}' is given more than once")
        if values:
            data[key] = values[0]
    try:
        return schema.model_validate(data, context=context)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err.get("loc") or ("",)
        param = prefix + str(loc[0])
        field = next((f for n, f in schema.model_fields.items() if (f.alias or n) == loc[0]),
                     None)
        is_list = field is not None and _is_list(field.annotation)
        raise BadParam(param, f"parameter '{param}' {_describe(err, is_list)}") from None
