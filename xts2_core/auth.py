"""Credentials (API.md §4): terminal keys, the admin password, and the password rate limit.

Terminal keys are random and long, so they are stored as SHA-256 digests and found by digest; the
admin password is stored as an argon2 hash (slow and salted). A client address that fails the
password check 5 times within a minute gets ``rate_limited`` for a minute.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pyramid.config import Configurator

from .errors import BadParam, Forbidden, RateLimited, Unauthorized
from .models import Setting, Terminal

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


class RateLimiter:
    """Failed password checks per client address (in this process).

    ``limit`` failures within ``window`` seconds block the address for ``block`` seconds.
    ``clock`` gives seconds for intervals (``time.monotonic``; the app passes its movable clock).
    """

    #: Above this many tracked addresses, forget those whose failures are all outside the window.
    SWEEP_AT = 10_000

    def __init__(self, limit: int = 5, window: float = 60.0, block: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.block, self.clock = limit, window, block, clock
        self._failures: dict[str, deque[float]] = {}
        self._blocked: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, address: str) -> None:
        """:raises RateLimited: while ``address`` is blocked."""
        with self._lock:
            until = self._blocked.get(address)
            if until is not None:
                if self.clock() < until:
                    raise RateLimited("too many failed password checks; try again in a minute")
                del self._blocked[address]

    def failed(self, address: str) -> None:
        now = self.clock()
        with self._lock:
            q = self._failures.setdefault(address, deque())
            q.append(now)
            while q and q[0] <= now - self.window:
                q.popleft()
            if len(q) >= self.limit:
                self._blocked[address] = now + self.block
                del self._failures[address]
            if len(self._failures) > self.SWEEP_AT:
                self._sweep(now)

    def _sweep(self, now: float) -> None:
        for addr in [a for a, q in self._failures.items() if not q or q[-1] <= now - self.window]:
            del self._failures[addr]
        for addr in [a for a, until in self._blocked.items() if until <= now]:
            del self._blocked[addr]


def _credential(request: Any, param: str, header: str) -> str | None:
    values = request.params.getall(param)
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
    limiter: RateLimiter = request.registry["xts2.ratelimiter"]
    address = request.client_addr or "unknown"
    limiter.check(address)
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
        limiter.failed(address)
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
    # The app's clock (movable in tests) measures the rate limiter's minute.
    config.registry["xts2.ratelimiter"] = RateLimiter(
        limit=int(settings.get("xts2.password_attempts", 5)),
        clock=config.registry["xts2.clock"].monotonic)
    config.add_request_method(_terminal, "terminal", reify=True)
    config.add_request_method(_is_admin, "is_admin", reify=True)
