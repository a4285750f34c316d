"""Scratch PostgreSQL databases: create one, hand out its URL, drop it afterwards.

Used by the pytest plugin (:mod:`xts2_core.testing`), the core's tests, the benchmark and the soak
test. It lives here rather than in :mod:`xts2_core.testing` because that module is a pytest plugin
that imports pytest, and the benchmark and the soak test run without pytest installed::

    from xts2_core.scratchdb import scratch_postgresql_database

    with scratch_postgresql_database("postgresql://postgres@127.0.0.1:5432/postgres",
                                     "myplugin_test") as url:
        ...  # url: postgresql+psycopg://postgres@127.0.0.1:5432/myplugin_test_1a2b3c4d
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Iterator

import sqlalchemy as sa

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def psycopg_url(url: str | sa.URL) -> sa.URL:
    """``url`` as a SQLAlchemy URL, with a bare ``postgresql://`` (or ``postgres://``) given the
    psycopg 3 driver (``postgresql+psycopg://``); any other URL unchanged."""
    u = sa.make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u


@contextlib.contextmanager
def scratch_postgresql_database(admin_url: str | sa.URL, name_prefix: str = "xts2_scratch", *,
                                unique: bool = True) -> Iterator[str]:
    """Create an empty database on the server of ``admin_url``, yield its URL (a string, with the
    password and the psycopg driver), and drop it at the end, even on error
    (``DROP DATABASE IF EXISTS … WITH (FORCE)``: connections still open are ended).

    ``admin_url`` names any database on the server that its user can connect to, as a user
    allowed to create databases. The new database is named ``<name_prefix>_<8 random hex
    digits>``; with ``unique=False`` it is named ``name_prefix`` itself, and a leftover database of
    that name (from a run that was killed) is dropped first. A server that cannot be reached raises
    :class:`sqlalchemy.exc.OperationalError` on entry.
    """
    name = f"{name_prefix}_{secrets.token_hex(4)}" if unique else name_prefix
    if not _NAME.fullmatch(name) or len(name) > 63:
        raise ValueError(f"not a plain PostgreSQL database name of at most 63 characters: {name!r}")
    base = psycopg_url(admin_url)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not unique:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
