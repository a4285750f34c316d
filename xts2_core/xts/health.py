"""``xts/health``: does this process reach its database? For supervisors, proxies and monitoring.

Public and cheap: one trivial statement on a connection of the check's own, never the request's
session, so pyramid_tm has nothing to commit and pyramid_retry nothing to replay. A database that
cannot be reached is answered at once as ``unavailable`` (503), however long it stays away, and
the check is ``ok`` again with the first request after it is back.

- PostgreSQL (and any other server database): a connection from the pool runs ``SELECT 1``. The
  pool's pre-ping replaces a connection the server dropped, so a database that went away and came
  back is found again.
- SQLite: a pooled connection keeps its open file whatever happens to the path, so it would say
  ``ok`` for a database file that was moved away, deleted or replaced. The check opens the
  configured file afresh — read-write, never creating it — and reads its schema version: what the
  process's next connection (or a restarted process) would find. A file without tables (version
  0: an empty file made in its place) is not the process's database either. Opening a SQLite
  file costs microseconds, and in WAL mode a reader never waits for a writer.

The first failure after success is logged as a warning with the database's own message (the
answer does not carry it: the command is public), and the recovery once.
"""

from __future__ import annotations

import logging
import sqlite3
import urllib.parse
from typing import Any

import sqlalchemy as sa

from ..answers import Answer
from ..errors import Unavailable
from ..params import Params
from ..render import E
from ..servlets import answers

log = logging.getLogger(__name__)

#: registry key: the last check found the database unreachable (for logging changes only).
DOWN = "xts2.health.down"


def _sqlite_file(engine: sa.Engine) -> str | None:
    """The SQLite database file of ``engine``, or None (another database, or in memory)."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    return path if path and path != ":memory:" and not path.startswith("file:") else None


def _probe(engine: sa.Engine, settings: dict[str, Any]) -> None:
    """One trivial statement on the database. :raises Exception: whatever the driver raises."""
    path = _sqlite_file(engine)
    if path is None:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return
    uri = "file:" + urllib.parse.quote(path) + "?mode=rw"
    timeout = float(settings.get("xts2.sqlite_busy_timeout", 30))
    conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
    try:
        (version,) = conn.execute("PRAGMA schema_version").fetchone()
    finally:
        conn.close()
    if not version:
        raise sqlite3.DatabaseError(f"{path} has no tables")


class HealthAnswer(Answer):
    class Health(Answer):
        status: str
        database: str

    health: Health


@answers(HealthAnswer)
def health(request: Any, p: Params) -> E:
    """``<health status="ok" database="sqlite"/>``, or ``unavailable`` (503)."""
    registry = request.registry
    engine: sa.Engine = registry["dbengine"]
    try:
        _probe(engine, registry.settings)
    except (sa.exc.SQLAlchemyError, sqlite3.Error, OSError) as exc:
        if not registry.get(DOWN):
            registry[DOWN] = True
            detail = getattr(exc, "orig", None) or exc
            log.warning("health: the database cannot be reached: %s",
                        str(detail).strip().splitlines()[0] if str(detail).strip() else
                        type(detail).__name__)
        raise Unavailable("the server cannot reach its database") from None
    if registry.get(DOWN):
        registry[DOWN] = False
        log.warning("health: the database can be reached again")
    return E("health", {"status": "ok", "database": engine.dialect.name})
