"""One element builder, two renderings: XML and JSON by the rule of API.md §2.

Commands return :class:`E` trees; they never build XML strings or touch the response. JSON mirrors
XML: attributes become keys, a ``list`` element (``<shows><show/>…</shows>``) becomes a list under
its name (its own attributes, if any, move up beside it), a ``map`` element becomes an object of
its entries' ``key`` → text, a single child is an object under its tag, and an element marked
``many`` is always a list under its tag even when there is one; a tag named in an element's
``lists`` is a list in it even when there are none (``"row": []``). An element that has only text is
that value; text beside attributes is under ``"text"``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any

from lxml import etree

from .values import Money, format_datetime


class E:
    """An element: ``E("show", {"id": 1, "name": "Hamlet"}, [children], text=None)``.

    Attribute values keep their Python type (``int``, ``bool``, :class:`Money`, ``datetime``,
    ``str``); ``None`` values are left out, so optional attributes need no ``if``.
    """

    __slots__ = ("tag", "attrs", "children", "text", "kind", "many", "lists")

    def __init__(
        self,
        tag: str,
        attrs: dict[str, Any] | None = None,
        children: Iterable[E] | None = None,
        text: Any = None,
        *,
        kind: str | None = None,
        many: bool = False,
        lists: Iterable[str] = (),
    ):
        self.tag = tag
        self.attrs = attrs or {}
        self.children = list(children) if children is not None else []
        self.text = text
        self.kind = kind
        self.many = many
        #: child tags that JSON shows as a list even when there are none (``<row/>…`` of a report)
        self.lists = tuple(lists)

    def append(self, child: E) -> E:
        self.children.append(child)
        return child

    def find(self, tag: str) -> E | None:
        return next((c for c in self.children if c.tag == tag), None)

    def __repr__(self) -> str:
        return f"E({self.tag!r}, {self.attrs!r}, {len(self.children)} children)"


def elist(tag: str, children: Iterable[E], attrs: dict[str, Any] | None = None) -> E:
    """A container of repeated elements; a list under ``tag`` in JSON."""
    return E(tag, attrs, children, kind="list")


def emap(tag: str, entries: dict[str, Any], attrs: dict[str, Any] | None = None,
         entry: str = "entry") -> E:
    """``<tag><entry key="k">v</entry>…</tag>``; an object ``{"k": v}`` in JSON."""
    return E(tag, attrs, [E(entry, {"key": k}, text=v) for k, v in entries.items()], kind="map")


# -- XML -------------------------------------------------------------------------------------

#: Characters XML 1.0 cannot carry. Parameters refuse them, but data may come from elsewhere (a
#: season file's escapes, a plugin's own source); an answer must render all the same.
_NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


_NOT_XML = _NOT_XML_RE.search


def _carriable(text: str) -> str:
    """``text`` with the characters XML cannot carry replaced by U+FFFD."""
    return _NOT_XML_RE.sub("\ufffd", text) if _NOT_XML(text) else text

#: What an attribute value (or, less ``"``, ``\n`` and ``\t``, a text) must escape, or XML cannot
#: carry: when a value has none of these it is written as it is.
_ATTR_SPECIAL = re.compile('[\x00-\x1f&<>"\ud800-\udfff\ufffe\uffff]').search
_TEXT_SPECIAL = re.compile("[\x00-\x08\x0b-\x1f&<>\ud800-\udfff\ufffe\uffff]").search
#: libxml2's escapes (the serializer lxml used to write these answers, byte for byte).
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                               "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def _xml_text(value: Any, tz: tzinfo) -> str:
    """The text of a value, characters XML cannot carry replaced by U+FFFD (not yet escaped)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value, tz)
    return _carriable(str(value))


def _escape_text(text: str) -> str:
    if _TEXT_SPECIAL(text) is None:
        return text
    return _carriable(text).translate(_TEXT_ESCAPES)


#: Tag and attribute names already checked to be XML names (they come from code, so few).
_NAMES: set[str] = set()


def _check_names(tag: str, names: Any) -> None:
    """Refuse a name that is not an XML name, as lxml did (``ValueError``)."""
    etree.Element(tag, {name: "" for name in names})
    if len(_NAMES) < 10_000:
        _NAMES.add(tag)
        _NAMES.update(names)


def render_xml(envelope_attrs: dict[str, Any], payload: list[E], tz: tzinfo) -> bytes:
    """The XML answer, written directly as libxml2 (through lxml) wrote it with ``pretty_print``:
    two-space indents, ``<tag/>`` when empty, and no indents inside an element that has text.
    Each datetime is formatted once per answer (a programme or a basket repeats its starts)."""
    dates: dict[datetime, str] = {}
    out: list[str] = []
    write = out.append
    names = _NAMES

    def attrs(e: E) -> str:
        parts = []
        for k, v in e.attrs.items():
            kind = type(v)
            if kind is int:
                parts.append(f' {k}="{v}"')
            elif kind is str:
                if _ATTR_SPECIAL(v) is not None:
                    v = _carriable(v).translate(_ATTR_ESCAPES)
                parts.append(f' {k}="{v}"')
            elif kind is datetime:
                # equal datetimes (one instant, or one naive time) format alike in ``tz``
                text = dates.get(v)
                if text is None:
                    text = dates[v] = format_datetime(v, tz)
                parts.append(f' {k}="{text}"')
            elif kind is bool:
                parts.append(f' {k}="true"' if v else f' {k}="false"')
            elif kind is Money:
                parts.append(f' {k}="{v}"')
            elif v is not None:
                text = _xml_text(v, tz)
                if _ATTR_SPECIAL(text) is not None:
                    text = text.translate(_ATTR_ESCAPES)
                parts.append(f' {k}="{text}"')
        return "".join(parts)

    def inline(e: E) -> None:
        if not names.issuperset(e.attrs) or e.tag not in names:
            _check_names(e.tag, e.attrs)
        if e.text is None and not e.children:
            write(f"<{e.tag}{attrs(e)}/>")
            return
        write(f"<{e.tag}{attrs(e)}>")
        if e.text is not None:
            write(_escape_text(_xml_text(e.text, tz)))
        for c in e.children:
            inline(c)
        write(f"</{e.tag}>")

    def block(e: E, indent: str) -> None:
        if e.text is not None:
            write(indent)
            inline(e)
            write("\n")
            return
        if not names.issuperset(e.attrs) or e.tag not in names:
            _check_names(e.tag, e.attrs)
        if not e.children:
            write(f"{indent}<{e.tag}{attrs(e)}/>\n")
            return
        write(f"{indent}<{e.tag}{attrs(e)}>\n")
        inner = indent + "  "
        for c in e.children:
            block(c, inner)
        write(f"{indent}</{e.tag}>\n")

    write("<?xml version='1.0' encoding='utf-8'?>\n")
    block(E("xts2", envelope_attrs, payload), "")
    return "".join(out).encode("utf-8")


# -- JSON ------------------------------------------------------------------------------------

def _json_scalar(value: Any, tz: tzinfo) -> Any:
    if isinstance(value, Money):
        return str(value)
    if isinstance(value, datetime):
        return format_datetime(value, tz)
    return value


def _json_value(e: E, tz: tzinfo) -> Any:
    if e.kind == "list":
        return [_json_value(c, tz) for c in e.children]
    if e.kind == "map":
        return {c.attrs["key"]: _json_scalar(c.text, tz) for c in e.children}
    if not e.attrs and not e.children and not e.lists:
        return _json_scalar(e.text, tz)
    obj = {k: _json_scalar(v, tz) for k, v in e.attrs.items() if v is not None}
    if e.text is not None:
        obj["text"] = _json_scalar(e.text, tz)
    _json_children(obj, e.children, tz)
    for tag in e.lists:
        value = obj.setdefault(tag, [])
        if not isinstance(value, list):
            obj[tag] = [value]
    return obj


def _json_children(obj: dict[str, Any], children: list[E], tz: tzinfo) -> None:
    seen: dict[str, int] = {}
    for c in children:
        seen[c.tag] = seen.get(c.tag, 0) + 1
    for c in children:
        value = _json_value(c, tz)
        if c.many or seen[c.tag] > 1:
            obj.setdefault(c.tag, []).append(value)
            continue
        obj[c.tag] = value
        if c.kind is not None:
            for k, v in c.attrs.items():
                if v is not None:
                    obj.setdefault(k, _json_scalar(v, tz))


def render_json(envelope_attrs: dict[str, Any], payload: list[E], tz: tzinfo) -> bytes:
    obj = {k: _json_scalar(v, tz) for k, v in envelope_attrs.items() if v is not None}
    _json_children(obj, payload, tz)
    return dump_json(obj)


def dump_json(obj: Any) -> bytes:
    """Compact UTF-8 JSON (a stray surrogate becomes ``?`` rather than a failed answer)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")


def payload_json(payload: list[E], tz: tzinfo) -> dict[str, Any]:
    """The JSON object of a payload alone (for reports and tests)."""
    obj: dict[str, Any] = {}
    _json_children(obj, payload, tz)
    return obj
