"""The core is its own distribution (DESIGN.md "The house"): its wheel, installed alone into a fresh
virtual environment, makes a database and serves ``/v2`` with only ``baskets`` and ``xts``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from xts2_core.testing import free_port, write_ini

pytestmark = [pytest.mark.slow, pytest.mark.live]

ROOT = Path(__file__).resolve().parents[2]


def run(*args: object, cwd: Path | None = None, timeout: float = 300) -> str:
    env = {k: v for k, v in os.environ.items()
           if k not in ("XTS2_DATABASE_URL", "PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def test_core_wheel_installs_and_serves_alone(tmp_path: Path):
    # Build from a copy of the core's sources, so the shared working tree is left untouched.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "xts2_core", src / "xts2_core",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
        "-w", dist, src)
    (wheel,) = dist.glob("xts2-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    packages = {n.split("/")[0] for n in names if not n.startswith("xts2-")}
    assert packages == {"xts2_core"}  # no provider inside the core's wheel
    assert "xts2_core/migrations/script.py.mako" in names
    assert any(n.startswith("xts2_core/migrations/versions/722e2adbdfe8") for n in names)
    # GET /v2/docs: the vendored Swagger UI and the page's initialiser ship in the wheel.
    assert {"xts2_core/apidocs_files/apidocs.js", "xts2_core/apidocs_files/swagger-ui/swagger-ui-bundle.js",
            "xts2_core/apidocs_files/swagger-ui/swagger-ui.css",
            "xts2_core/apidocs_files/swagger-ui/LICENSE"} <= set(names)

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    bin_ = venv / "bin"
    run(bin_ / "python", "-m", "pip", "install", "-q", wheel)
    freeze = run(bin_ / "python", "-m", "pip", "list", "--format=freeze")
    assert "xts2==" in freeze and "xts2-tickets" not in freeze

    db = tmp_path / "alone.sqlite"
    ini = write_ini(tmp_path / "alone.ini", f"sqlite:///{db}")  # xts2.plugins unset: all installed
    assert "is at 9c4f2b7e1d36" in run(bin_ / "xts2", "initdb", ini)
    port = free_port()
    log = (tmp_path / "pserve.log").open("wb")
    server = subprocess.Popen([str(bin_ / "pserve"), str(ini), f"http_port={port}"],
                              stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        body = None
        for _ in range(600):
            assert server.poll() is None, (tmp_path / "pserve.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2?format=json",
                                            timeout=5) as r:
                    body = json.loads(r.read())
                break
            except OSError:
                time.sleep(0.1)
        assert body is not None, "pserve did not answer"
        assert [s["name"] for s in body["servlets"]] == ["baskets", "xts"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/openapi.json", timeout=5) as r:
            assert json.loads(r.read())["openapi"] == "3.1.0"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/docs-assets/swagger-ui.css",
                                    timeout=5) as r:
            assert r.status == 200 and len(r.read()) > 100000
    finally:
        server.terminate()
        server.wait(20)
        log.close()
