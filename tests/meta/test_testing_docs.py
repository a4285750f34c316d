"""Meta-test: the examples of docs/testing-plugins.md pass, as a plugin author would run them.

The blocks marked ```` ```python test ```` are written into an empty folder as one test module
and run by pytest in a subprocess, with the fixtures the installed core provides (no conftest)
and the installed ``donations`` plugin; on PostgreSQL too when ``XTS2_TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "testing-plugins.md"
BLOCK = re.compile(r"^```python test\n(.*?)^```\s*$", re.M | re.S)


def examples() -> str:
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 4, "docs/testing-plugins.md lost its examples"
    imports = [line for b in blocks for line in b.splitlines()
               if line.startswith(("import ", "from "))]
    bodies = ["\n".join(line for line in b.splitlines()
                        if not line.startswith(("import ", "from "))) for b in blocks]
    return "\n".join(dict.fromkeys(imports)) + "\n\n" + "\n\n".join(bodies)


@pytest.mark.slow
def test_the_testing_docs_examples_pass(tmp_path: Path) -> None:
    source = examples()
    tests = re.findall(r"^def (test_\w+)", source, re.M)
    (tmp_path / "test_doc_examples.py").write_text(source, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--strict-markers",
         "-W", "ignore::DeprecationWarning", "test_doc_examples.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert f"{len(tests)} passed" in result.stdout, result.stdout[-2000:]
