"""A private PgBouncer in front of the soak's database, in transaction pooling mode: the pooler
of the operator's guide (section 12, "When one machine is not enough"), run with the guide's own
``pgbouncer.ini`` (read from docs/operators.md), changed only where one run must differ.

Debian's ``pgbouncer`` package (``apt-get install pgbouncer``) provides the program; its own
service is not used. This module writes a ``pgbouncer.ini`` and a ``userlist.txt`` into a new
folder of the system's temporary folder, starts ``pgbouncer`` in the foreground on a free port of
127.0.0.1 (its log goes to ``pgbouncer.log`` in the soak's work folder), and at the end stops it
and removes that folder. PgBouncer refuses to run as root; started by root (as CI is), it runs as
``nobody``, which then owns that folder.

Clients log in with SCRAM (``auth_type = scram-sha-256``) as the database URL's user, with that
URL's password or, when it has none (a server that trusts local connections), a generated one;
PgBouncer logs into PostgreSQL as the same user with the same password.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

from .servers import free_port

#: Debian 12's PgBouncer (1.18) cannot carry prepared statements across server connections in
#: transaction mode: the XTS2 processes behind it must not prepare (docs/operators.md).
XTS2_SETTINGS = {"xts2.pg_prepare_threshold": "none"}

OPERATORS_MD = Path(__file__).resolve().parent.parent / "docs" / "operators.md"
GUIDE_SECTION = "### A connection pooler: PgBouncer in transaction mode"


def installed() -> str | None:
    """The ``pgbouncer`` program (on the PATH, or where Debian puts it), or None."""
    return shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/sbin")


def documented_config(doc: Path = OPERATORS_MD) -> str:
    """The ``ini`` block of the operator's guide's PgBouncer section, as written."""
    text = doc.read_text(encoding="utf-8")
    at = text.index(GUIDE_SECTION)
    m = re.compile(r"^```ini\n(.*?)^```", re.S | re.M).search(text, at)
    if m is None:
        raise ValueError(f"{doc}: no ```ini block after {GUIDE_SECTION!r}")
    return m.group(1)


def _quote(value: str) -> str:
    """A value in userlist.txt: in double quotes, a double quote doubled."""
    return '"' + value.replace('"', '""') + '"'


class PgBouncer:
    """PgBouncer on ``127.0.0.1:port`` for the one database of ``target`` (a PostgreSQL URL).

    ``url`` is the same database through the pooler (the same name, user and password).
    ``pool_size`` is PgBouncer's ``default_pool_size``: the server connections it lends that
    database and user's clients, however many they are (and, from the guide's
    ``reserve_pool_size``, a few more while clients have waited long for one).
    """

    def __init__(self, target: str, logdir: Path, pool_size: int = 8) -> None:
        self.target = sa.make_url(target)
        if self.target.get_backend_name() != "postgresql":
            raise SystemExit("soak: --pgbouncer needs a PostgreSQL database")
        self.pool_size = pool_size
        self.folder: Path | None = None
        self.port = free_port()
        self.user = self.target.username or "postgres"
        self.password = self.target.password or secrets.token_urlsafe(18)
        self.database = self.target.database or self.user
        self.log = logdir / "pgbouncer.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return sa.URL.create(
            "postgresql",
            username=self.user,
            password=self.password,
            host="127.0.0.1",
            port=self.port,
            database=self.database,
        ).render_as_string(hide_password=False)

    def config(self, auth_file: Path) -> str:
        """The guide's ``pgbouncer.ini`` (:func:`documented_config`) for this run: its database
        entry names the soak's database; it listens on this run's port of 127.0.0.1 only, with no
        Unix socket; it reads this run's userlist, logs to standard error (the soak's log file),
        keeps no pid file, and lends ``pool_size`` server connections (``default_pool_size``).
        Everything else — transaction pooling, SCRAM, the reserve, the limits, the wait for a
        server connection — is the guide's, as written."""
        host = self.target.host or "127.0.0.1"
        port = self.target.port or 5432
        overrides: dict[str, str | None] = {
            "listen_addr": "127.0.0.1",
            "listen_port": str(self.port),
            "unix_socket_dir": "",
            "auth_file": str(auth_file),
            "default_pool_size": str(self.pool_size),
            "stats_users": self.user,
            "logfile": None,
            "pidfile": None,
        }
        out, seen, section = [], set(), ""
        for line in documented_config().splitlines():
            text = line.strip()
            if text.startswith("["):
                section = text
                out.append(line)
                if section == "[databases]":
                    out.append(f"{self.database} = host={host} port={port} dbname={self.database}")
                continue
            setting = "=" in text and not text.startswith((";", "#"))
            if section == "[databases]" and setting:
                continue  # the guide's database entry
            key = text.split("=", 1)[0].strip() if setting else ""
            if section == "[pgbouncer]" and key in overrides:
                seen.add(key)
                if overrides[key] is not None:
                    out.append(f"{key} = {overrides[key]}")
                continue
            out.append(line)
        missing = sorted(set(overrides) - seen)
        if missing:
            raise ValueError(
                f"the guide's pgbouncer.ini no longer sets {', '.join(missing)}: update soak/pgbouncer.py"
            )
        return "\n".join(out) + "\n"

    def start(self, timeout: float = 15) -> None:
        exe = installed()
        if exe is None:
            raise SystemExit("soak: --pgbouncer needs PgBouncer: apt-get install pgbouncer")
        self.folder = Path(tempfile.mkdtemp(prefix="xts2-pgbouncer-"))
        users = self.folder / "userlist.txt"
        ini = self.folder / "pgbouncer.ini"
        ini.write_text(self.config(users))
        users.write_text(f"{_quote(self.user)} {_quote(self.password)}\n")
        users.chmod(0o600)
        run_as: dict[str, Any] = {}
        if os.geteuid() == 0:  # "PgBouncer should not run as root"
            nobody = pwd.getpwnam("nobody")
            for path in (self.folder, ini, users):
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
            run_as = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [exe, str(ini)], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **run_as
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"soak: pgbouncer exited at start:\n{self.tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit(f"soak: pgbouncer did not listen in {timeout}s:\n{self.tail()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: PgBouncer closes its connections and exits
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def tail(self, n: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else ""

    def show(self, what: str) -> list[dict[str, Any]]:
        """``SHOW what`` on PgBouncer's admin console (``STATS``, ``POOLS``…), as rows of the
        soak database. The console speaks only the simple query protocol: a client-side
        binding cursor, in autocommit."""
        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            dbname="pgbouncer",
            user=self.user,
            password=self.password,
            autocommit=True,
            cursor_factory=psycopg.ClientCursor,
        ) as conn:
            cur = conn.execute(f"SHOW {what}")
            names = [c.name for c in cur.description or ()]
            rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        return [r for r in rows if r.get("database") == self.database]

    def errors(self) -> list[str]:
        """Log lines at ERROR or above (PgBouncer's own failures; a client cut off by a kill is
        logged as a LOG or WARNING line, not here)."""
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return [line for line in lines if " ERROR " in line or " FATAL " in line]
