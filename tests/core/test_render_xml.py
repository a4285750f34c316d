"""render_xml writes its answers directly; they must be byte for byte what lxml (libxml2's
serializer, ``pretty_print``) wrote before: the reference below is that earlier renderer, and
random trees of every value type, awkward characters included, must render alike."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from xts2_core import E, elist
from xts2_core.render import emap, render_xml
from xts2_core.values import Money, format_datetime

_NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _ref_text(value: Any, tz: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value, tz)
    text = str(value)
    return _NOT_XML_RE.sub("\ufffd", text) if _NOT_XML_RE.search(text) else text


def _ref_node(e: E, parent: Any, tz: Any) -> None:
    node = etree.SubElement(parent, e.tag)
    for k, v in e.attrs.items():
        if v is not None:
            node.set(k, _ref_text(v, tz))
    if e.text is not None:
        node.text = _ref_text(e.text, tz)
    for c in e.children:
        _ref_node(c, node, tz)


def reference_xml(envelope: dict[str, Any], payload: list[E], tz: Any) -> bytes:
    root = etree.Element("xts2")
    for k, v in envelope.items():
        if v is not None:
            root.set(k, _ref_text(v, tz))
    for e in payload:
        _ref_node(e, root, tz)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


LONDON = ZoneInfo("Europe/London")
_CHARS = ["a", "Z", "0", " ", "&", "<", ">", '"', "'", "\n", "\r", "\t", "\x00", "\x01", "\x0b",
          "\x1f", "\x7f", "\x85", "é", "€", "\u2028", "\ud800", "\udfff", "\ufffd", "\ufffe",
          "\uffff", "😀", "]]>", "&amp;", "&#10;"]
_TAGS = ["show", "performance", "a", "b-c", "d_e", "f.g"]
_KEYS = ["id", "name", "start", "x", "y-z"]


def _string(rng: random.Random) -> str:
    return "".join(rng.choice(_CHARS) for _ in range(rng.randrange(0, 8)))


def _value(rng: random.Random) -> Any:
    kind = rng.randrange(10)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.randrange(-10**12, 10**12)
    if kind == 3:
        return Money(rng.randrange(-100000, 100000))
    if kind == 4:
        naive = datetime(2026, 3, 29, 0, 30) + timedelta(minutes=30 * rng.randrange(6))
        return rng.choice([naive, naive.replace(tzinfo=UTC),
                           naive.replace(tzinfo=timezone(timedelta(hours=1))),
                           naive.replace(tzinfo=LONDON)])
    if kind == 5:
        return rng.choice([1.5, -0.25, 1e20])
    return _string(rng)


def _tree(rng: random.Random, depth: int) -> E:
    attrs = {k: _value(rng) for k in rng.sample(_KEYS, rng.randrange(len(_KEYS) + 1))}
    children = [_tree(rng, depth - 1) for _ in range(rng.randrange(4))] if depth else []
    text = rng.choice([None, None, "", _value(rng)])
    shape = rng.randrange(4)
    if shape == 0:
        return elist(rng.choice(_TAGS), children, attrs)
    if shape == 1 and not children:
        return emap(rng.choice(_TAGS), {k: _value(rng) for k in rng.sample(_KEYS, 2)}, attrs)
    return E(rng.choice(_TAGS), attrs, children, text=text)


@pytest.mark.parametrize("seed", range(300))
def test_render_xml_is_what_lxml_wrote(seed: int) -> None:
    rng = random.Random(seed)
    envelope = {"version": 2, "servlet": _string(rng) or "s", "command": rng.choice([None, "c"]),
                "status": "ok"}
    payload = [_tree(rng, rng.randrange(4)) for _ in range(rng.randrange(3))]
    assert render_xml(envelope, payload, LONDON) == reference_xml(envelope, payload, LONDON)


def test_render_xml_of_nothing_and_of_text_with_children() -> None:
    for payload in ([], [E("a", text="")], [E("a", {"k": 1}, [E("b")], text="")],
                    [E("a", children=[E("b", children=[E("c", text="t")])])]):
        envelope = {"version": 2, "status": "ok"}
        assert render_xml(envelope, payload, UTC) == reference_xml(envelope, payload, UTC)


def test_render_xml_refuses_a_name_that_is_not_xml() -> None:
    for payload in ([E("bad tag")], [E("a", {"bad key": 1})], [E("a", children=[E("<b>")])]):
        with pytest.raises(ValueError):
            render_xml({"version": 2}, payload, UTC)
