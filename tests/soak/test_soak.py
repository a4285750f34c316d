"""The soak test's short form (``python -m soak --seconds 30``) on this run's database, and a
shorter run through PgBouncer in transaction pooling mode (``--pgbouncer``).

With ``XTS2_TEST_DATABASE_URL`` set it runs on PostgreSQL — the database the fixture made, so an
unreachable server fails the run (never skips). Without it, the same two production server
processes share a SQLite file, which XTS2 supports too (writers queue on the file lock).

The PgBouncer run needs PostgreSQL and Debian's ``pgbouncer``. Without the program it is skipped
with the install line, unless ``XTS2_PGBOUNCER_TESTS=1`` (CI sets it): then it fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from soak.pgbouncer import installed as pgbouncer_installed

ROOT = Path(__file__).resolve().parents[2]
PGBOUNCER_REQUIRED = os.environ.get("XTS2_PGBOUNCER_TESTS") == "1"


def run_soak(url: str, workdir: Path, *args: str) -> list[str]:
    """``python -m soak ARGS --database-url URL``: it passed, really killed a server and really
    sold (a run that did nothing cannot pass). → its output's lines."""
    proc = subprocess.run(
        [sys.executable, "-m", "soak", *args, "--database-url", url, "--workdir", str(workdir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(proc.stdout, proc.stderr)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0, "\n".join(lines[-20:]) + proc.stderr[-3000:]
    assert lines[-1].startswith("soak: PASS")
    assert not [line for line in lines if line.startswith("FAIL")]
    assert any(line.startswith("kill 1: server 0") for line in lines)
    # The restart is measured (launch to listening, to the first answer); no time is asserted.
    assert any(line.startswith("restart under load: 1 restart(s), launch to first answer p50 ")
               for line in lines)
    sales = next(line for line in lines if line.startswith("sales: "))
    assert int(sales.split()[1]) > 0
    return lines


@pytest.mark.slow
@pytest.mark.live
def test_soak_short_form(xts2_database_url, tmp_path):
    run_soak(xts2_database_url, tmp_path / "soak", "--seconds", "30")


@pytest.mark.slow
@pytest.mark.live
def test_soak_through_pgbouncer_in_transaction_mode(xts2_database_url, tmp_path):
    """Two servers behind PgBouncer 1.18 (no prepared statements in transaction mode), a server
    killed and restarted: every invariant holds, and the servers' transactions went through the
    pooler."""
    if sa.make_url(xts2_database_url).get_backend_name() != "postgresql":
        pytest.skip("PgBouncer pools PostgreSQL connections (XTS2_TEST_DATABASE_URL runs this)")
    if pgbouncer_installed() is None:
        why = "PgBouncer is not installed; apt-get install pgbouncer"
        if PGBOUNCER_REQUIRED:
            pytest.fail(f"XTS2_PGBOUNCER_TESTS=1 but {why}", pytrace=False)
        pytest.skip(why)
    lines = run_soak(
        xts2_database_url, tmp_path / "soak", "--pgbouncer", "--pgbouncer-pool", "6", "--seconds", "20"
    )
    assert (
        "through PgBouncer (the operators' guide's pgbouncer.ini: transaction pooling, "
        "default_pool_size 6" in lines[0]
    )
    pooled = next(line for line in lines if "through PgBouncer in transaction mode" in line)
    assert pooled.startswith("PASS")
    assert "pool mode transaction;" in pooled
    assert "on a pool of 6 server connections" in pooled
    # Each answered request: the pool's pre-ping (in autocommit) and the request's transaction.
    transactions = int(pooled.split("pgbouncer: ")[1].split()[0])
    requests = int(next(line for line in lines if line.startswith("requests: ")).split()[1])
    assert transactions > requests
