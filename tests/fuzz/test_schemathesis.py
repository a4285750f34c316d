"""Schema-driven fuzzing: Schemathesis against a real ``pserve``, from its ``/v2/openapi.json``.

Every operation of the document (GET and POST), with positive and negative data, with the demo
terminal's key and the admin password, then the stateful phase along the document's links
(newbasket → additem → getbasket, removeitem…). All of Schemathesis's checks: no 5xx, status
codes, content types and answers as the document declares, bad data refused, good data accepted.
``schemathesis.toml`` beside this file lists where the document cannot be exact, and why.

CI runs a few examples per operation with a fixed seed, on SQLite and on PostgreSQL; a longer run
is ``XTS2_FUZZ_EXAMPLES=200 XTS2_FUZZ_SEED=random python3 dev.py test tests/fuzz -s``
(docs/testing-plugins.md, "Fuzzing the API").
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

from xts2_core.season import demo_data

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = os.environ.get("XTS2_FUZZ_EXAMPLES", "15")
SEED = os.environ.get("XTS2_FUZZ_SEED", "20261206")
KEY = "fuzz-terminal-key-000000000000001"
#: A fuzzing run sends the wrong password thousands of times from one address: the rate limit
#: would answer 429 (which the document lists) to nearly all of them and hide the rest.
SETTINGS = {"xts2.password_attempts": "1000000"}


@pytest.mark.slow
@pytest.mark.live
def test_schemathesis_finds_no_failure(xts2_app_factory, xts2_live_server, tmp_path):
    app = xts2_app_factory()
    today = datetime.now(app.registry["xts2.tz"]).date()
    app.load(demo_data(app.registry["xts2.pm"], today, KEY))
    server = xts2_live_server(**SETTINGS)
    with urllib.request.urlopen(server.url + "/v2/openapi.json") as r:
        # (Schemathesis leaves out the document's own address.)
        operations = sum(len(ops) for path, ops in json.load(r)["paths"].items()
                         if path != "/v2/openapi.json")

    command = [str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(CONFIG),
               "run", server.url + "/v2/openapi.json",
               "-H", f"X-XTS2-Key: {KEY}", "-H", f"X-XTS2-Password: {server.admin_password}",
               # JSON answers, so that every answer is checked against its schema (XML is text
               # to the document); format=xml is still generated.
               "-H", "Accept: application/json",
               "--max-examples", EXAMPLES, "--generation-database", "none",
               "--no-color", "--output-truncate", "false"]
    if SEED != "random":
        command += ["--seed", SEED]
    run = subprocess.run(command, capture_output=True, text=True, timeout=1800, cwd=tmp_path)
    print(run.stdout)
    assert run.returncode == 0, run.stdout[-30000:] + run.stderr[-3000:]
    assert f"Tested: {operations}" in run.stdout  # every operation, none left out
    generated, passed = map(int, re.search(r"(\d+) generated, (\d+) passed", run.stdout).groups())
    assert generated == passed > operations * 5
