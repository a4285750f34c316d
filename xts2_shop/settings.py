"""The shop's settings (``shop.*`` in the ini file), read and checked once at start-up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pyramid.settings import asbool

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")


def _int(settings: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    raw = str(settings.get(key) if settings.get(key) is not None else default).strip()
    if not raw.lstrip("-").isdigit() or not low <= int(raw) <= high:
        raise ValueError(f"setting {key} must be a whole number from {low} to {high}, not {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class ShopSettings:
    terminal: str = "Website"
    secret: str | None = None
    secure_cookie: bool = False
    max_tickets: int = 10
    baskets_per_window: int = 20
    rate_window: int = 600
    venue_name: str = "The box office"
    venue_address: str = ""
    venue_email: str = ""
    colour: str = "#1f5f8b"
    logo: str | None = None
    embed_origins: tuple[str, ...] = ()
    testpay: bool = False
    reservations: bool = True
    reservation_days: int = 3
    reservation_minutes_before: int = 60

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> ShopSettings:
        colour = str(settings.get("shop.colour") or cls.colour).strip()
        if not _COLOUR.match(colour):
            raise ValueError(f"setting shop.colour must be #rrggbb, not {colour!r}")
        origins = tuple(str(settings.get("shop.embed_origins") or "").split())
        bad = [o for o in origins if not _ORIGIN.match(o)]
        if bad:
            raise ValueError(f"setting shop.embed_origins: {bad} must be scheme://host[:port]")
        return cls(
            terminal=str(settings.get("shop.terminal") or cls.terminal).strip(),
            secret=settings.get("shop.secret") or None,
            secure_cookie=asbool(settings.get("shop.secure_cookie", False)),
            max_tickets=_int(settings, "shop.max_tickets", cls.max_tickets, 1, 50),
            baskets_per_window=_int(settings, "shop.baskets_per_window",
                                    cls.baskets_per_window, 0, 1_000_000),
            rate_window=_int(settings, "shop.rate_window", cls.rate_window, 1, 86400),
            venue_name=str(settings.get("shop.venue_name") or cls.venue_name).strip(),
            venue_address=str(settings.get("shop.venue_address") or "").strip(),
            venue_email=str(settings.get("shop.venue_email") or "").strip(),
            colour=colour,
            logo=(str(settings.get("shop.logo")).strip() or None) if settings.get("shop.logo")
            else None,
            embed_origins=origins,
            testpay=asbool(settings.get("shop.testpay", False)),
            reservations=asbool(settings.get("shop.reservations", True)),
            reservation_days=_int(settings, "shop.reservation_days", cls.reservation_days, 1, 7),
            reservation_minutes_before=_int(settings, "shop.reservation_minutes_before",
                                            cls.reservation_minutes_before, 0, 10080),
        )
