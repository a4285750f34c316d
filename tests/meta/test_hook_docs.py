"""Meta-test: the plugin author's guide (docs/plugins.md) documents every hook and every export.

* each hookspec has a heading in the guide's hook reference that is its exact signature
  (``#### `validate_add_item(request, basket, item_type, params)` ``), and no heading documents
  a hook that does not exist;
* each hook's section says when it is called, and shows an example implementing it;
* each hookspec's docstring (the reference in the code) says when it is called and has a
  ``:param:`` line for every argument;
* every name ``xts2_core`` exports is in the guide's table of exports, and every ``from xts2_core
  import …`` in the docs names something it exports; every Python block of the docs compiles.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

import xts2_core
from xts2_core import hookspecs

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "plugins.md"
DOCS = [GUIDE, ROOT / "docs" / "testing-plugins.md"]

SPECS = {name: func for name, func in vars(hookspecs).items()
         if callable(func) and hasattr(func, "xts2_spec")}
HEADING = re.compile(r"^#### `(\w+)\((.*)\)`\s*$", re.M)
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```\s*$", re.M | re.S)


def signature(func) -> str:
    return f"{func.__name__}({', '.join(inspect.signature(func).parameters)})"


def reference() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index("\n## Hook reference")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def sections() -> dict[str, tuple[str, str]]:
    """``{hook name: (heading signature, section text)}`` from the hook reference."""
    text = reference()
    found = list(HEADING.finditer(text))
    out = {}
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        out[m.group(1)] = (f"{m.group(1)}({m.group(2)})", text[m.end():end])
    return out


def test_the_hook_reference_is_found() -> None:
    assert len(sections()) >= 17


@pytest.mark.parametrize("hook", sorted(SPECS))
def test_hook_is_documented_with_its_signature(hook: str) -> None:
    documented = sections()
    assert hook in documented, f"docs/plugins.md has no heading for the hook {hook}"
    heading, body = documented[hook]
    assert heading == signature(SPECS[hook]), "the heading must be the hook's exact signature"
    assert "Called" in body, f"the section of {hook} does not say when it is called"
    examples = [code for lang, code in FENCE.findall(body) if lang == "python"]
    assert any(re.search(rf"^def {hook}\(", code, re.M) for code in examples), \
        f"the section of {hook} has no example implementing it"


def test_no_heading_documents_a_hook_that_does_not_exist() -> None:
    assert sorted(set(sections()) - set(SPECS)) == []


@pytest.mark.parametrize("hook", sorted(SPECS))
def test_hookspec_docstring_is_a_reference(hook: str) -> None:
    func = SPECS[hook]
    doc = inspect.getdoc(func) or ""
    assert "Called" in doc, f"the docstring of {hook} does not say when it is called"
    for arg in inspect.signature(func).parameters:
        assert f":param {arg}:" in doc, f"the docstring of {hook} does not describe {arg}"
    returns = inspect.signature(func).return_annotation
    if returns not in ("None", None):
        assert ":return:" in doc, f"the docstring of {hook} does not say what to return"


def test_every_export_is_in_the_guide() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    table = text[text.index("## What `xts2_core` exports"):]
    missing = [name for name in xts2_core.__all__ if f"`{name}`" not in table]
    assert missing == [], (f"xts2_core exports {missing}, which docs/plugins.md's table of "
                           "exports does not list: add them with a line on what they are for")


def code_blocks() -> list[tuple[str, int, str]]:
    out = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            if m.group(1) == "python":
                out.append((path.name, text[:m.start()].count("\n") + 1, m.group(2)))
    return out


@pytest.mark.parametrize("where, line, code", code_blocks(),
                         ids=[f"{n}:{line}" for n, line, _ in code_blocks()])
def test_python_blocks_compile_and_import_only_exports(where: str, line: int, code: str) -> None:
    tree = ast.parse(code, filename=f"{where}:{line}")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("xts2_core"):
            # A plugin's tests may also use the core's pytest plugin and its helpers.
            assert node.module in ("xts2_core", "xts2_core.testing"), \
                f"{where}:{line} imports {node.module}: plugins import from xts2_core only"
            module = importlib.import_module(node.module)
            public = getattr(module, "__all__", None) or [n for n in dir(module)
                                                          if not n.startswith("_")]
            names = [a.name for a in node.names]
            assert set(names) <= set(public), \
                f"{where}:{line} imports {sorted(set(names) - set(public))}"
