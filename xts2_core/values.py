"""Value types at the edges of the API: money, datetimes, booleans (API.md §3).

Money is an ``int`` of minor units everywhere inside XTS2; :class:`Money` only marks an ``int``
that the renderer must write as a two-place decimal string.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

MAX_ID = 2**63 - 1
_MONEY_RE = re.compile(r"^(-?)([0-9]{1,12})(?:\.([0-9]{1,2}))?$")
#: Datetime parameters are kept well inside what Python and the databases can add days to.
MIN_YEAR, MAX_YEAR = 1000, 8999
_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no"}


class Money(int):
    """An amount in minor units that renders as ``"12.00"``."""

    __slots__ = ()

    def __str__(self) -> str:
        # An answer repeats the same few amounts (prices, values); each is formatted once.
        text = _MONEY_TEXT.get(self)
        if text is None:
            if len(_MONEY_TEXT) >= 10_000:
                _MONEY_TEXT.clear()
            text = _MONEY_TEXT[int(self)] = format_money(self)
        return text

    __repr__ = __str__


#: ``str(Money(n))`` by ``n`` (bounded: emptied when full).
_MONEY_TEXT: dict[int, str] = {}


def format_money(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(int(minor)), 100)
    return f"{sign}{whole}.{cents:02d}"


def parse_money(text: str) -> int:
    """``"12"``, ``"12.5"``, ``"12.50"`` → 1250. Raises ``ValueError`` for anything else."""
    m = _MONEY_RE.match(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise ValueError("must be an amount with at most two decimal places, such as 12.50")
    sign, whole, frac = m.groups()
    minor = int(whole) * 100 + int((frac or "0").ljust(2, "0"))
    return -minor if sign else minor


def parse_bool(text: str) -> bool:
    low = text.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError("must be one of 1/0, true/false, yes/no")


def parse_datetime(text: str, tz: tzinfo) -> datetime:
    """ISO 8601; without an offset it is venue local time. Returns an aware UTC datetime."""
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("must be an ISO 8601 datetime such as 2026-12-01T19:30") from None
    if not MIN_YEAR <= dt.year <= MAX_YEAR:
        raise ValueError(f"must be a datetime between the years {MIN_YEAR} and {MAX_YEAR}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    return dt.astimezone(UTC)


#: ``format_datetime`` of UTC and naive datetimes, per (datetime, zone): the same few thousand
#: datetimes (items' ``added``, performances' starts) are written again and again, by every
#: ``getbasket`` of a basket and every programme. Emptied when full; safe between threads (a
#: race at worst formats a value twice).
_FORMATTED: dict[tuple[datetime, tzinfo], str] = {}
_FORMATTED_MAX = 20_000


def format_datetime(dt: datetime, tz: tzinfo) -> str:
    """``dt`` in ``tz`` as RFC 3339 to the second (a naive ``dt`` is UTC)."""
    # Only UTC and naive datetimes are cached: two datetimes of one other zone that differ in
    # ``fold`` alone compare (and hash) equal, yet are different instants.
    zone = dt.tzinfo
    if zone is None or zone is UTC:
        key = (dt, tz)
        text = _FORMATTED.get(key)
        if text is None:
            if len(_FORMATTED) >= _FORMATTED_MAX:
                _FORMATTED.clear()
            text = _FORMATTED[key] = _format_datetime(dt, tz)
        return text
    return _format_datetime(dt, tz)


def _format_datetime(dt: datetime, tz: tzinfo) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    text = dt.astimezone(tz).isoformat(timespec="seconds")
    if len(text) > 25:  # an offset in seconds (local mean time before 1900), not RFC 3339
        text = dt.astimezone(UTC).isoformat(timespec="seconds")
    return text


def utcnow() -> datetime:
    return datetime.now(UTC)
