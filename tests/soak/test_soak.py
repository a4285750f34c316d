"""The soak test's short form (``python -m soak --seconds 30``) on this run's database.

With ``XTS2_TEST_DATABASE_URL`` set it runs on PostgreSQL — the database the fixture made, so an
unreachable server fails the run (never skips). Without it, the same two production server
processes share a SQLite file, which XTS2 supports too (writers queue on the file lock).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.live
def test_soak_short_form(xts2_database_url, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "soak", "--seconds", "30", "--database-url", xts2_database_url,
         "--workdir", str(tmp_path / "soak")],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    print(proc.stdout, proc.stderr)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0, "\n".join(lines[-20:]) + proc.stderr[-3000:]
    assert lines[-1].startswith("soak: PASS")
    assert not [line for line in lines if line.startswith("FAIL")]
    # It really killed a server and really sold: a run that did nothing cannot pass.
    assert any(line.startswith("kill 1: server 0") for line in lines)
    # The restart is measured (launch to listening, to the first answer); no time is asserted.
    assert any(line.startswith("restart under load: 1 restart(s), launch to first answer p50 ")
               for line in lines)
    sales = next(line for line in lines if line.startswith("sales: "))
    assert int(sales.split()[1]) > 0
