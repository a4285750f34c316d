"""Credentials (API.md §4): terminal keys, the admin password, and the password rate limit.

Terminal keys are random and long, so they are stored as SHA-256 digests and found by digest; the
admin password is stored as an argon2 hash (slow and salted). A client address that fails the
password check 5 times within a minute gets ``rate_limited`` for a minute, from every server
process on the database (:class:`PasswordRateLimit`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pyramid.config import Configurator
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .errors import BadParam, Forbidden, RateLimited, Unauthorized
from .models import PasswordLimit, Setting, Terminal
from .params import request_params

log = logging.getLogger(__name__)

PASSWORD_SETTING = "admin_password"
MIN_KEY_LENGTH = 16


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    return secrets.token_urlsafe(24)


def password_hasher(settings: dict[str, Any]) -> PasswordHasher:
    return PasswordHasher(
        time_cost=int(settings.get("xts2.argon2.time_cost", 3)),
        memory_cost=int(settings.get("xts2.argon2.memory_cost", 65536)),
        parallelism=int(settings.get("xts2.argon2.parallelism", 4)),
    )


def set_password(dbsession: Any, hasher: PasswordHasher, password: str) -> None:
    row = dbsession.get(Setting, PASSWORD_SETTING)
    digest = hasher.hash(password)
    if row is None:
        dbsession.add(Setting(key=PASSWORD_SETTING, value=digest))
    else:
        row.value = digest


class PasswordRateLimit:
    """Failed password checks per client address, counted in the database (``core_password_limit``)
    so that every server process on it shares the count: ``limit`` failures within ``window``
    seconds make password checks from that address answer ``rate_limited`` for ``block`` seconds.

    **Checking** (:meth:`check`) is one read by primary key in the request's own transaction: a
    password that is right writes nothing.

    **Counting** (:meth:`failed`) happens after the request's transaction has ended, on a
    connection of its own, in a short transaction of its own. A failed check cannot be counted in
    the request's transaction: ``unauthorized`` aborts it. Nor on another connection while the
    request runs: on SQLite a command that changes state begins ``BEGIN IMMEDIATE`` before it
    checks the password (the credential lookup is its first read, see
    :func:`~xts2_core.db.begin_write`), so the request holds the database's write lock, and a
    second writer on the same thread would wait for it until the busy timeout ran out. So
    :func:`check_password` leaves the failure to a finished callback: Pyramid runs those after
    every tween — pyramid_tm's commit or abort included, so the thread holds no lock — and before
    the answer leaves the process, so the client's next request already meets the count. There
    it waits, if at all, only for other requests' writers, as every writer does (``BEGIN
    IMMEDIATE`` on SQLite, the busy timeout).

    Failures from one address are counted one at a time across processes (a row lock on
    PostgreSQL, ``SELECT … FOR UPDATE``; SQLite has one writer at a time), so none is lost to a
    race. Concurrent checks that all began before the count reached the limit are still answered
    (as with any limiter, a check and its count are not one step). Times are the app's clock
    (``request.now``, which tests move); server processes on several hosts should keep their clocks
    in step (NTP). A failure that cannot be written (the database is away) is logged and not
    counted; the client's answer is the same either way. A row is swept once its failures and its
    block are over, when a new address is counted.
    """

    def __init__(self, engine: sa.Engine, limit: int = 5, window: float = 60.0,
                 block: float = 60.0) -> None:
        self.engine, self.limit = engine, limit
        self.window, self.block = timedelta(seconds=window), timedelta(seconds=block)
        table = PasswordLimit.__table__
        insert = (sqlite_insert if engine.dialect.name == "sqlite" else postgresql_insert)(table)
        self._new = insert.on_conflict_do_nothing(index_elements=["address"])
        self._row = (sa.select(table.c.failures, table.c.blocked_until)
                     .where(table.c.address == sa.bindparam("address")).with_for_update())
        self._update = table.update().where(table.c.address == sa.bindparam("address_"))
        self._sweep = table.delete().where(
            table.c.last <= sa.bindparam("before"),
            sa.or_(table.c.blocked_until.is_(None), table.c.blocked_until <= sa.bindparam("now")))

    def check(self, request: Any, address: str) -> None:
        """:raises RateLimited: while ``address`` is blocked."""
        until = request.dbsession.execute(_BLOCKED_UNTIL, {"address": address}).scalar()
        if until is not None and request.now < until:
            raise RateLimited("too many failed password checks; try again in a minute")

    def failed(self, address: str, now: datetime) -> None:
        """Count a failed check from ``address`` at ``now``. Never raises (it runs after the
        answer is made): a count that cannot be written is logged (see the class)."""
        try:
            self._count(address, now)
        except sa.exc.SQLAlchemyError as exc:
            log.warning("could not count a failed password check from %s: %s", address,
                        getattr(exc, "orig", None) or exc)
        except Exception:
            log.exception("counting a failed password check from %s failed", address)

    def _count(self, address: str, now: datetime) -> None:
        with self.engine.connect() as conn:
            conn.execution_options(xts2_write=True)  # BEGIN IMMEDIATE on SQLite
            with conn.begin():
                new = conn.execute(self._new, {"address": address, "failures": [],
                                               "blocked_until": None, "last": now}).rowcount
                failures, until = conn.execute(self._row, {"address": address}).one()
                recent = [t for t in failures
                          if datetime.fromisoformat(t) > now - self.window] + [now.isoformat()]
                if until is not None and until <= now:
                    until = None
                if len(recent) >= self.limit:
                    recent, until = [], now + self.block
                conn.execute(self._update, {"address_": address, "failures": recent,
                                            "blocked_until": until, "last": now})
            if new:
                with conn.begin():
                    conn.execute(self._sweep, {"before": now - max(self.window, self.block),
                                               "now": now})


#: Built once, as every statement of the password check.
_BLOCKED_UNTIL = sa.select(PasswordLimit.blocked_until).where(
    PasswordLimit.address == sa.bindparam("address"))


def client_address(request: Any) -> str:
    """The address the password rate limit counts for (as long as the table's column allows)."""
    return (request.client_addr or "unknown")[:100]


def _credential(request: Any, param: str, header: str) -> str | None:
    values = request_params(request).getall(param)
    if len(values) > 1:
        raise BadParam(param, f"parameter '{param}' is given more than once")
    return values[0] if values else request.headers.get(header)


#: Built once: constructing the statement on every request cost more than running it.
_TERMINAL_BY_KEY = sa.select(Terminal).where(Terminal.key_hash == sa.bindparam("key_hash"))


def _terminal(request: Any) -> Terminal | None:
    """The terminal whose key the request carries, or None. A wrong key is ``unauthorized``."""
    key = _credential(request, "terminalkey", "X-XTS2-Key")
    if not key:
        return None
    terminal = request.dbsession.execute(
        _TERMINAL_BY_KEY, {"key_hash": hash_key(key)}).scalar_one_or_none()
    if terminal is None or not terminal.active or not hmac.compare_digest(
            terminal.key_hash, hash_key(key)):
        raise Unauthorized("unknown or revoked terminal key")
    return terminal


def check_password(request: Any, password: str) -> bool:
    """Verify the admin password (rate limited per client address). True or False.

    :raises RateLimited: while this client address is blocked.
    """
    limiter: PasswordRateLimit = request.registry["xts2.ratelimiter"]
    address = client_address(request)
    limiter.check(request, address)
    row = request.dbsession.get(Setting, PASSWORD_SETTING)
    hasher: PasswordHasher = request.registry["xts2.hasher"]
    # Without a password set, verify against a throw-away hash all the same, so that whether a
    # password is set cannot be told from the time an answer takes.
    stored = row.value if row is not None else _dummy_hash(request.registry)
    try:
        ok = hasher.verify(stored, password) and row is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        # Counted once the request's transaction has ended (PasswordRateLimit says why).
        now = request.now
        request.add_finished_callback(lambda request: limiter.failed(address, now))
    return ok


def _dummy_hash(registry: Any) -> str:
    if "xts2.dummy_hash" not in registry:
        registry["xts2.dummy_hash"] = registry["xts2.hasher"].hash(secrets.token_urlsafe(16))
    return registry["xts2.dummy_hash"]


def _is_admin(request: Any) -> bool:
    password = _credential(request, "password", "X-XTS2-Password")
    if not password:
        return False
    if not check_password(request, password):
        raise Unauthorized("wrong admin password")
    return True


def authorize(request: Any, access: str) -> None:
    """Enforce a command's access level; sets ``request.terminal`` and ``request.is_admin``."""
    if access == "public":
        return
    if access == "terminal":
        if request.terminal is None:
            raise Unauthorized("this command needs a terminal key (terminalkey or X-XTS2-Key)")
        return
    if not request.is_admin:
        raise Unauthorized("this command needs the admin password (password or X-XTS2-Password)")


def require_admin(request: Any, why: str) -> None:
    """Inside a terminal command: a part that needs the admin password (``forbidden`` without)."""
    if not request.is_admin:
        raise Forbidden(why)


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    config.registry["xts2.hasher"] = password_hasher(settings)
    config.registry["xts2.ratelimiter"] = PasswordRateLimit(
        config.registry["dbengine"], limit=int(settings.get("xts2.password_attempts", 5)))
    config.add_request_method(_terminal, "terminal", reify=True)
    config.add_request_method(_is_admin, "is_admin", reify=True)
