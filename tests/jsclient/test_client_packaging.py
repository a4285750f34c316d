"""The client is its own distribution: its wheel carries every file it serves, so a venue that
installs it from a wheel (not from this checkout) gets the whole client."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "xts2_jsclient"


def test_the_wheel_carries_every_static_file(tmp_path: Path):
    src = tmp_path / "xts2_jsclient"
    shutil.copytree(CLIENT, src, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                          tmp_path / "dist", src], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    (wheel,) = (tmp_path / "dist").glob("xts2_jsclient-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    served = {f"xts2_jsclient/{p.relative_to(CLIENT).as_posix()}"
              for p in (CLIENT / "static").rglob("*") if p.is_file()}
    assert served and served <= names, sorted(served - names)
    assert "xts2_jsclient/plugin.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "jsclient = xts2_jsclient.plugin" in zipfile.ZipFile(wheel).read(entry_points).decode()
