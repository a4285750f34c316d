"""The one clock: ``request.now`` (aware UTC) and ``request.tz`` (the venue's time zone).

Tests move time with :meth:`Clock.advance` / :meth:`Clock.set` on ``registry["xts2.clock"]``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pyramid.config import Configurator


class Clock:
    """Real UTC time, optionally frozen or shifted (for tests and demos)."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        if self._frozen is not None:
            return self._frozen
        return datetime.now(UTC) + self._offset

    def monotonic(self) -> float:
        """Seconds for measuring intervals (the rate limiter): ``time.monotonic`` moved by
        :meth:`advance`; while frozen, it stands still with the clock."""
        if self._frozen is not None:
            return self._frozen.timestamp()
        return time.monotonic() + self._offset.total_seconds()

    def set(self, when: datetime) -> None:
        """Freeze the clock at ``when`` (aware)."""
        self._frozen = when.astimezone(UTC)

    def advance(self, seconds: float = 0, **kwargs: float) -> None:
        delta = timedelta(seconds=seconds, **kwargs)
        if self._frozen is not None:
            self._frozen += delta
        else:
            self._offset += delta

    def reset(self) -> None:
        self._offset = timedelta(0)
        self._frozen = None


def venue_timezone(settings: dict[str, Any]) -> ZoneInfo:
    return ZoneInfo(settings.get("xts2.timezone") or "Europe/London")


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    clock = settings.get("xts2.clock") or Clock()
    tz = venue_timezone(settings)
    config.registry["xts2.clock"] = clock
    config.registry["xts2.tz"] = tz
    config.add_request_method(lambda request: clock.now(), "now", reify=True)
    config.add_request_method(lambda request: tz, "tz", reify=True)
