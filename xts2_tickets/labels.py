"""How performances are named for people: ``Hamlet, Tue 1 Dec 19:30`` (venue local time).

English day and month names are spelled out here rather than taken from the process locale, so
item descriptions and messages do not depend on how the server was started.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def when(start: datetime, tz: tzinfo) -> str:
    """``Tue 1 Dec 19:30`` in the venue's time zone."""
    local = start.astimezone(tz)
    return f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local:%H:%M}"


def performance_label(showname: str, start: datetime, tz: tzinfo) -> str:
    """``Hamlet, Tue 1 Dec 19:30``."""
    return f"{showname}, {when(start, tz)}"


def tickets(n: int) -> str:
    """``1 ticket``, ``2 tickets``."""
    return f"{n} ticket" if n == 1 else f"{n} tickets"
