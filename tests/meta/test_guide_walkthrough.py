"""Meta-test: the walk-through of docs/plugins.md works when followed literally.

The walk-through's fenced blocks carry what the test needs in their info string:

* ```` ```python file=xts2_cloakroom/plugin.py ```` (any language) — a file the reader writes;
* ```` ```sh run ```` — commands the reader runs in the folder;
* ```` ```sh serve ```` — the command that starts the server;
* ```` ```sh try ```` followed by ```` ```json answer ```` — a request and the answer shown.

In an empty folder, the test writes the files and runs the commands in document order with bash
(after the first block made ``venv``, each block runs with it activated, as in the reader's shell),
with ``XTS2`` naming a copy of the core's sources — the "checkout" the guide asks for: a copy, so
that pip's in-tree build leaves nothing in the working tree. The guide's commands create a fresh
virtual environment, ``pip install`` the core and then the plugin into it, generate the plugin's
migration with ``xts2 revision``, migrate, run the plugin's tests (on PostgreSQL too when
``XTS2_TEST_DATABASE_URL`` is set) and load a season file. Then the test starts the server as the
guide says (on a free port instead of 6543), runs each ``curl`` and compares its JSON with the
answer the guide shows, datetimes aside. Nothing here comes from the test's own environment but
the Python interpreter and pip's configuration.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "plugins.md"
FENCE = re.compile(r"^```(\w*)([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)
DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
GUIDE_PORT = "6543"
ACTIVATE = 'if [ -f venv/bin/activate ]; then . venv/bin/activate; fi\n'


def walkthrough() -> list[tuple[str, str, str]]:
    """``[(language, annotation, body)]`` of the walk-through's annotated blocks, in order."""
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index("\n## Walk-through")
    end = text.index("\n## ", start + 1)
    return [(lang, note.strip(), body) for lang, note, body in FENCE.findall(text[start:end])
            if note.strip()]


def core_checkout(dest: Path) -> Path:
    """The core's sources, as a checkout has them (without caches and build leftovers)."""
    dest.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "xts2_core", dest / "xts2_core",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def clean_env(xts2: Path) -> dict[str, str]:
    here = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PYTEST_") and k not in ("VIRTUAL_ENV", "PYTHONPATH", "XTS2_DATABASE_URL")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != here)
    env["XTS2"] = str(xts2)
    return env


def bash(script: str, cwd: Path, env: dict[str, str], timeout: float = 600
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-euo", "pipefail", "-c", ACTIVATE + script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def normalised(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: normalised(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalised(v) for v in value]
    if isinstance(value, str) and DATETIME.match(value):
        return "<datetime>"
    return value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_walkthrough_has_its_steps() -> None:
    kinds = [note.split("=")[0] for _, note, _ in walkthrough()]
    assert {"file", "run", "serve", "try", "answer"} <= set(kinds)
    files = [note.split("=", 1)[1] for _, note, _ in walkthrough() if note.startswith("file=")]
    assert "xts2_cloakroom/plugin.py" in files and "xts2_cloakroom/setup.cfg" in files


@pytest.mark.slow
def test_following_the_guide_gives_a_working_plugin(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    env = clean_env(core_checkout(tmp_path / "xts2"))
    blocks = walkthrough()
    server: subprocess.Popen[bytes] | None = None
    port = str(free_port())
    try:
        for i, (_lang, note, body) in enumerate(blocks):
            if note.startswith("file="):
                path = work / note.split("=", 1)[1]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(body, encoding="utf-8")
            elif note == "run":
                done = bash(body, work, env)
                assert done.returncode == 0, (
                    f"the guide's commands failed:\n{body}\n--- stdout\n{done.stdout[-3000:]}\n"
                    f"--- stderr\n{done.stderr[-3000:]}")
            elif note == "serve":
                assert GUIDE_PORT in body
                command = body.strip().replace(GUIDE_PORT, port)
                log = open(work / "server.log", "wb")  # noqa: SIM115 (closed with the server)
                server = subprocess.Popen(["bash", "-c", ACTIVATE + "exec " + command], cwd=work,
                                          env=env, stdout=log, stderr=subprocess.STDOUT)
                wait_for(server, f"http://127.0.0.1:{port}/v2", work / "server.log")
            elif note == "try":
                assert server is not None, "the guide tries a request before serving"
                assert blocks[i + 1][1] == "answer", "a try block must be followed by its answer"
                done = bash(body.replace(GUIDE_PORT, port), work, env, timeout=60)
                assert done.returncode == 0, done.stderr
                shown = json.loads(blocks[i + 1][2])
                assert normalised(json.loads(done.stdout)) == normalised(shown), body
            elif note != "answer":
                pytest.fail(f"unknown annotation {note!r} in the walk-through")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    revisions = list((work / "xts2_cloakroom/migrations/versions").glob("*_cloakroom_tables.py"))
    assert len(revisions) == 1, "xts2 revision did not write the plugin's migration"
    assert "branch_labels" in revisions[0].read_text() and "'cloakroom'" in revisions[0].read_text()


def wait_for(server: subprocess.Popen[bytes], url: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited: {log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server did not answer in {timeout}s: {log.read_text()[-3000:]}")
