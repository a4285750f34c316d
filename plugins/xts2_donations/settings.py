"""The plugin's settings: the ``donations_setting`` table and the season section that fills it.

A season file sets them with one entry::

    donations:
      - maximum: "500.00"     # the largest single donation a terminal may take
        online: true          # the online shop offers "Add a donation" (default false)

Unset (no section, or a key left out) means :data:`DEFAULT_MAXIMUM`, and no offer in the shop.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from xts2_core import (
    Base,
    Entry,
    Field,
    LoadContext,
    SeasonError,
    SeasonMoney,
    SeasonSection,
    format_money,
    parse_money,
)

#: The largest single donation when the season file sets none: 1000.00.
DEFAULT_MAXIMUM = 100000
MAXIMUM = "maximum"
#: Kept as ``"true"`` when the season file says ``online: true``; no row otherwise.
ONLINE = "online"


class DonationsSetting(Base):
    """One setting of the plugin (``key`` → ``value``); money is kept as ``"500.00"``."""

    __tablename__ = "donations_setting"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)


class DonationsEntry(Entry):
    """The one entry of the ``donations`` section."""

    maximum: SeasonMoney | None = Field(None, gt=0)
    online: bool = False


def maximum(dbsession: Any) -> int:
    """The largest single donation, in minor units."""
    row = dbsession.get(DonationsSetting, MAXIMUM)
    return parse_money(row.value) if row is not None else DEFAULT_MAXIMUM


def shop_settings(dbsession: Any) -> tuple[bool, int]:
    """Whether the online shop offers donations, and the largest single donation: one query."""
    rows = dict(dbsession.execute(sa.select(DonationsSetting.key, DonationsSetting.value)
                                  .where(DonationsSetting.key.in_((ONLINE, MAXIMUM)))).all())
    top = parse_money(rows[MAXIMUM]) if MAXIMUM in rows else DEFAULT_MAXIMUM
    return rows.get(ONLINE) == "true", top


def _set(ctx: LoadContext, key: str, value: str | None) -> None:
    """The setting ``key`` is ``value`` (``None``: unset, no row)."""
    row = ctx.dbsession.get(DonationsSetting, key)
    if value is None:
        if row is not None:
            ctx.dbsession.delete(row)
    elif row is None:
        ctx.dbsession.add(DonationsSetting(key=key, value=value))
    else:
        row.value = value


def _load(ctx: LoadContext, entries: list[DonationsEntry]) -> None:
    if len(entries) > 1:
        raise SeasonError("takes one entry (the settings), not a list of them")
    entry = entries[0] if entries else DonationsEntry()
    _set(ctx, MAXIMUM, format_money(entry.maximum) if entry.maximum is not None else None)
    _set(ctx, ONLINE, "true" if entry.online else None)
    ctx.dbsession.flush()


def _demo(today: date) -> list[dict[str, Any]]:
    return [{"maximum": format_money(DEFAULT_MAXIMUM), "online": True}]


SECTION = SeasonSection("donations", DonationsEntry, _load, demo=_demo)
