"""Meta-test: every test module has a name of its own. The test folders are not packages, so
pytest imports each module by its basename: a second ``test_mail.py`` in another folder stops the
whole run at collection ("import file mismatch")."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_two_test_modules_share_a_name():
    names = Counter(p.name for top in ("tests", "plugins") for p in (ROOT / top).rglob("test_*.py")
                    if ".venv" not in p.parts)
    assert [name for name, n in names.items() if n > 1] == []
